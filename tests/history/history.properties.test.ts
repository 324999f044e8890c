/**
 * Laws of the checkers, over generated histories (fixed seeds, so CI is repeatable):
 * a history produced by a sequential register with random concurrent overlap and timeouts is
 * always linearizable; the same history with a planted stale read or lost update never is;
 * a list-append history from a strictly serializable store satisfies every consistency level.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../engine/index.ts';
import {
  checkHistory,
  formatHistoryEdn,
  formatHistoryJson,
  generateListAppendHistory,
  generateRegisterHistory,
  type History,
  parseHistory,
  plantLostUpdate,
  plantStaleRead,
} from '../../history/index.ts';

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

/** Adds a write skew on two fresh keys at a random time: two transactions each read what the other appends to. */
function plantWriteSkew(history: History, random: () => number): History {
  const times = history.operations.map((op) => op.timeMs ?? 0);
  const t = Math.max(0, ...times) * random();
  const op = (process: string, type: 'invoke' | 'ok', value: unknown, timeMs: number) => ({ process, type, f: 'txn', value, timeMs });
  const planted = [
    op(
      'skew-a',
      'invoke',
      [
        ['r', 'px', null],
        ['append', 'py', 1],
      ],
      t,
    ),
    op(
      'skew-b',
      'invoke',
      [
        ['r', 'py', null],
        ['append', 'px', 1],
      ],
      t + 0.001,
    ),
    op(
      'skew-a',
      'ok',
      [
        ['r', 'px', []],
        ['append', 'py', 1],
      ],
      t + 0.002,
    ),
    op(
      'skew-b',
      'ok',
      [
        ['r', 'py', []],
        ['append', 'px', 1],
      ],
      t + 0.003,
    ),
    op(
      'skew-reader',
      'invoke',
      [
        ['r', 'px', null],
        ['r', 'py', null],
      ],
      t + 0.004,
    ),
    op(
      'skew-reader',
      'ok',
      [
        ['r', 'px', [1]],
        ['r', 'py', [1]],
      ],
      t + 0.005,
    ),
  ];
  const all = [...history.operations, ...planted].map((o, i) => ({ o, i }));
  all.sort((a, b) => (a.o.timeMs ?? 0) - (b.o.timeMs ?? 0) || a.i - b.i);
  return { operations: all.map((e) => e.o) };
}

describe('planted transactional anomalies', () => {
  it('finds a planted write skew under serializability, and snapshot isolation allows it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 300 }), (seed, transactions) => {
        const stream = new RandomStreams(seed).stream('skew');
        const random = () => stream.next();
        const history = plantWriteSkew(generateListAppendHistory({ random, transactions, keysActive: 3, appendsPerKeyMax: 8 }), random);
        const serializable = checkHistory(history, { model: 'list-append', consistency: 'serializable' });
        expect(serializable.anomalies.map((a) => a.type)).toEqual(['G2-item']);
        const si = checkHistory(history, { model: 'list-append', consistency: 'snapshot-isolation' });
        expect(si.ok).toBe(true);
        expect(si.allowed?.map((a) => a.type)).toEqual(['G2-item']);
      }),
      PARAMS,
    );
  });
});

describe('format properties', () => {
  it('a history written as JSON or EDN reads back as the same history', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, transactional) => {
        const stream = new RandomStreams(seed).stream('format');
        const random = () => stream.next();
        const history = transactional ? generateListAppendHistory({ random, transactions: 50 }) : generateRegisterHistory({ random, operations: 50 });
        const fromJson = parseHistory(formatHistoryJson(history));
        expect(fromJson).toEqual(history);
        const fromEdn = parseHistory(formatHistoryEdn(history)).operations.map(({ line, index, timeMs, ...op }) => op);
        expect(fromEdn).toEqual(history.operations.map(({ timeMs, ...op }) => op));
      }),
      PARAMS,
    );
  });
});
