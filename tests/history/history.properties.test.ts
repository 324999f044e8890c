/**
 * Laws of the checkers, over generated histories (fixed seeds, so CI is repeatable):
 * a history produced by a sequential register with random concurrent overlap and timeouts is
 * always linearizable; the same history with a planted stale read or lost update never is;
 * a list-append history from a strictly serializable store satisfies every consistency level.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../engine/index.ts';
import { checkHistory, generateListAppendHistory, generateRegisterHistory, type History, plantLostUpdate, plantStaleRead } from '../../history/index.ts';

const clock = () => performance.now();
const PARAMS = { seed: 20_161, numRuns: 40 };

/** A register history of a few dozen to a few hundred operations, from a seed. */
const registerHistories = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  processes: fc.integer({ min: 1, max: 10 }),
  operations: fc.integer({ min: 1, max: 200 }),
  infoProbability: fc.constantFrom(0, 0.1, 0.3),
  values: fc.integer({ min: 1, max: 6 }),
});

function generate(options: { seed: number; processes: number; operations: number; infoProbability: number; values: number }): {
  history: History;
  random: () => number;
} {
  const stream = new RandomStreams(options.seed).stream('history');
  const random = () => stream.next();
  return { history: generateRegisterHistory({ ...options, random }), random };
}

describe('linearizability properties', () => {
  it('accepts every history of a sequential cas-register with random overlap and timeouts', () => {
    fc.assert(
      fc.property(registerHistories, (options) => {
        const result = checkHistory(generate(options).history, { model: 'cas-register', clock, timeLimitMs: 20_000 });
        expect(result.verdict).toBe('ok');
      }),
      PARAMS,
    );
  });

  it('accepts every history of a read/write register', () => {
    fc.assert(
      fc.property(registerHistories, (options) => {
        const stream = new RandomStreams(options.seed).stream('history');
        const history = generateRegisterHistory({ ...options, cas: false, random: () => stream.next() });
        expect(checkHistory(history, { model: 'register', clock, timeLimitMs: 20_000 }).verdict).toBe('ok');
      }),
      PARAMS,
    );
  });

  it('rejects every history with a planted stale read', () => {
    fc.assert(
      fc.property(registerHistories, (options) => {
        const { history, random } = generate(options);
        const result = checkHistory(plantStaleRead(history, random), { model: 'cas-register', clock, timeLimitMs: 20_000 });
        expect(result.verdict).toBe('violated');
        expect(result.anomalies[0]!.operation).toMatchObject({ process: 'planted-reader' });
      }),
      PARAMS,
    );
  });

  it('rejects every history with a planted lost update', () => {
    fc.assert(
      fc.property(registerHistories, (options) => {
        const { history, random } = generate(options);
        const result = checkHistory(plantLostUpdate(history, random), { model: 'cas-register', clock, timeLimitMs: 20_000 });
        expect(result.verdict).toBe('violated');
      }),
      PARAMS,
    );
  });
});

describe('transactional properties', () => {
  it('finds no anomaly in a strictly serializable list-append history, under any level', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 400 }), (seed, transactions) => {
        const stream = new RandomStreams(seed).stream('txn');
        const history = generateListAppendHistory({ random: () => stream.next(), transactions, keysActive: 3, appendsPerKeyMax: 8 });
        for (const consistency of ['read-committed', 'snapshot-isolation', 'serializable', 'strict-serializable'] as const) {
          const result = checkHistory(history, { model: 'list-append', consistency });
          expect(result.anomalies).toEqual([]);
          expect(result.allowed).toBeUndefined();
        }
      }),
      PARAMS,
    );
  });
});
