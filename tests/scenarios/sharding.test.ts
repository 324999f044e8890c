import { describe, expect, it } from 'vitest';
import { checkScenario, resolvePreset, runScenario } from '../../scenarios/index.ts';
import { sharding } from '../../scenarios/sharding/index.ts';

const preset = (id: string) => resolvePreset(sharding, id, sharding.params.parse({}));
const run = (strategy: string, presetId: string, params: Record<string, unknown> = {}, seed = 1) =>
  runScenario(sharding, { strategy, seed, params, faults: resolvePreset(sharding, presetId, sharding.params.parse(params)) });

describe('sharding', () => {
  it('sends every sequential insert to the last range, which overloads while the others idle', () => {
    const r = run('range', 'no-faults');

    expect(r.metrics.loadMaxOverMean).toBeGreaterThan(2);
    expect(r.invariants.find((i) => i.name === 'no-overloaded-shard')!.ok).toBe(false);
  });

  it('balances range placement when ids are uniform instead of sequential', () => {
    const r = run('range', 'no-faults', { keys: 'uniform' });

    expect(r.metrics.loadMaxOverMean).toBeLessThan(1.3);
    expect(r.ok).toBe(true);
  });

  it('spreads sequential inserts evenly under hash mod N and consistent hashing', () => {
    for (const strategy of ['hash-mod-n', 'consistent-hashing']) {
      const r = run(strategy, 'no-faults');

      expect(r.metrics.loadMaxOverMean).toBeLessThan(1.35);
      expect(r.ok).toBe(true);
    }
  });

  it('moves about n/(n+1) of the rows under hash mod N and about 1/(n+1) under consistent hashing when a fifth shard joins four', () => {
    const modN = run('hash-mod-n', 'add-shard');
    const ring = run('consistent-hashing', 'add-shard');

    expect(Math.abs(modN.metrics.keysMovedFraction! - 4 / 5)).toBeLessThan(0.03);
    expect(Math.abs(ring.metrics.keysMovedFraction! - 1 / 5)).toBeLessThan(0.05);
    expect(modN.metrics.migrationMs).toBeGreaterThan(2 * ring.metrics.migrationMs!);
  });

  it('spreads load less evenly with fewer virtual nodes on the ring', () => {
    const few = run('consistent-hashing', 'no-faults', { vnodes: 1 });
    const many = run('consistent-hashing', 'no-faults', { vnodes: 256 });

    expect(few.metrics.loadMaxOverMean).toBeGreaterThan(many.metrics.loadMaxOverMean! + 0.2);
  });

  it('pulls rows that a read reaches before the migration does, and ends with every row on its owner', () => {
    const r = run('hash-mod-n', 'add-then-remove');

    expect(r.metrics.pulls).toBeGreaterThan(0);
    expect(r.goals.every((g) => g.reached)).toBe(true);
    expect(r.ok).toBe(true);
  });

  it('finds range placement’s overloaded shard from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(sharding, { strategy: 'range', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(result.counterexample!.invariant).toBe('no-overloaded-shard');
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('keeps hash mod N sound under generated reshardings', () => {
    const result = checkScenario(sharding, { strategy: 'hash-mod-n', runs: 200, seed: 7 });

    expect(result.counterexample).toBeNull();
    expect(result.goalsNeverReached).toEqual([]);
  });

  it('keeps consistent hashing sound under generated reshardings', () => {
    const result = checkScenario(sharding, { strategy: 'consistent-hashing', runs: 200, seed: 7 });

    expect(result.counterexample).toBeNull();
  });

  it('gives the same trace hash for the same seed and plan', () => {
    const faults = preset('add-then-remove');

    const a = runScenario(sharding, { strategy: 'consistent-hashing', seed: 42, faults });
    const b = runScenario(sharding, { strategy: 'consistent-hashing', seed: 42, faults });

    expect(a.traceHash).toBe(b.traceHash);
    expect(a.traceHash).toMatch(/^[0-9a-f]{16}$/);
  });
});
