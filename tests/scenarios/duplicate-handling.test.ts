import { describe, expect, it } from 'vitest';
import { duplicateHandling as scenario } from '../../scenarios/duplicate-handling/index.ts';
import { checkScenario, parseParams, resolvePreset, runScenario } from '../../scenarios/index.ts';

const SEED = 3;
const preset = (id: string) => resolvePreset(scenario, id, parseParams(scenario));
const run = (strategy: string, presetId: string | null) =>
  runScenario(scenario, { strategy, seed: SEED, faults: presetId === null ? [] : preset(presetId), trace: 'off' });
const SOUND = ['unique-key', 'state-machine', 'idempotent-api'];

describe('duplicate-handling: each strategy’s figures', () => {
  it('without protection every redelivery takes effect again', () => {
    for (const p of ['late-redelivery', 'republish', 'lost-ack']) {
      const r = run('no-protection', p);
      expect(r.metrics.redeliveries, p).toBeGreaterThan(0);
      expect(r.metrics.duplicatesApplied, p).toBe(r.metrics.redeliveries);
    }
  });

  it('a unique key, a state machine and an idempotency key catch every redelivery, however late', () => {
    for (const strategy of SOUND) {
      for (const p of scenario.presets) {
        const r = run(strategy, p.id);
        expect(r.metrics.duplicatesApplied, `${strategy}/${p.id}`).toBe(0);
        expect(r.metrics.duplicatesCaught, `${strategy}/${p.id}`).toBe(r.metrics.redeliveries);
        expect(r.metrics.lost, `${strategy}/${p.id}`).toBe(0);
      }
    }
  });

  it('the dedup store catches a redelivery that comes back within its TTL', () => {
    const r = run('dedup-ttl', 'quick-redelivery');
    expect(r.metrics.redeliveries).toBeGreaterThan(0);
    expect(r.metrics.duplicatesApplied).toBe(0);
  });

  it('the dedup store lets a redelivery through once its TTL has passed', () => {
    const r = run('dedup-ttl', 'late-redelivery');
    expect(r.metrics.duplicatesApplied).toBeGreaterThan(0);
    expect(r.firstViolation?.invariant).toBe('no-duplicate-effect');
  });

  it('the dedup store lets a redelivery through after it lost its keys', () => {
    expect(run('dedup-ttl', 'quick-redelivery').metrics.duplicatesApplied).toBe(0);
    expect(run('dedup-ttl', 'store-loss').metrics.duplicatesApplied).toBeGreaterThan(0);
  });

  it('the dedup store stays small, while the key tables grow with every event and the state machine needs none', () => {
    const events = 2 * parseParams<{ orders: number }>(scenario).orders;
    expect(run('unique-key', null).metrics.dedupKeysEnd).toBe(events);
    expect(run('idempotent-api', null).metrics.dedupKeysEnd).toBe(events);
    expect(run('state-machine', null).metrics.dedupKeysMax).toBe(0);
    const ttl = run('dedup-ttl', null);
    expect(ttl.metrics.dedupKeysMax).toBeGreaterThan(0);
    expect(ttl.metrics.dedupKeysMax).toBeLessThan(events);
    expect(ttl.metrics.dedupKeysEnd).toBe(0);
  });
});

describe('duplicate-handling: the checker', () => {
  for (const strategy of ['no-protection', 'dedup-ttl']) {
    it(`finds ${strategy} applying a duplicate from scratch and shrinks it to at most 2 faults`, () => {
      const r = checkScenario(scenario, { strategy, runs: 1000, seed: 1 });
      expect(r.counterexample?.invariant).toBe('no-duplicate-effect');
      expect(r.asExpected).toBe(true);
      expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
    });
  }

  for (const strategy of SOUND) {
    it(`finds no duplicate and no loss for ${strategy} over 200 generated fault plans`, () => {
      const r = checkScenario(scenario, { strategy, runs: 200, seed: 7 });
      expect(r.counterexample).toBeNull();
    });
  }
});

describe('duplicate-handling: determinism', () => {
  it('gives the same trace hash for the same seed and fault plan', () => {
    const faults = preset('store-loss');
    const a = runScenario(scenario, { strategy: 'dedup-ttl', seed: 5, faults, trace: 'hash' });
    const b = runScenario(scenario, { strategy: 'dedup-ttl', seed: 5, faults, trace: 'hash' });
    expect(a.traceHash).toBe(b.traceHash);
  });
});
