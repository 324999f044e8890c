import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../engine/index.ts';
import { cacheStrategies as scenario } from '../../scenarios/cache-strategies/index.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';

const defaults = parseParams(scenario, {});
const preset = (id: string): FaultPlan => resolvePreset(scenario, id, defaults);
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** A metric summed over the same seeds (the same requests) with no faults. */
function total(strategy: string, metric: string, faults: FaultPlan = []): number {
  return SEEDS.reduce((sum, seed) => sum + runScenario(scenario, { strategy, seed, faults, trace: 'off' }).metrics[metric]!, 0);
}

describe('cache-strategies: what each strategy costs and buys, on the same requests', () => {
  it('write-through has a higher write latency and fewer stale reads than cache-aside', () => {
    expect(total('write-through', 'writeLatencyP50Ms')).toBeGreaterThan(total('cache-aside-delete', 'writeLatencyP50Ms'));
    expect(total('write-through', 'staleReads')).toBeLessThan(total('cache-aside-delete', 'staleReads'));
  });

  it('write-behind acknowledges writes fastest: only the cache is on the write path', () => {
    const behind = total('write-behind', 'writeLatencyP50Ms');

    for (const other of ['cache-aside-delete', 'cache-aside-update', 'write-through', 'lease'])
      expect(behind).toBeLessThan(total(other, 'writeLatencyP50Ms') / 2);
  });

  it('updating the cache on write keeps the hit ratio and the database load better than deleting', () => {
    expect(total('cache-aside-update', 'hitRatio')).toBeGreaterThan(total('cache-aside-delete', 'hitRatio') + 1);
    expect(total('cache-aside-update', 'dbQueriesPerRequest')).toBeLessThan(total('cache-aside-delete', 'dbQueriesPerRequest'));
  });

  it('leases serve no stale read at all, even with a slow reader', () => {
    expect(total('lease', 'staleReads', preset('slow-reader'))).toBe(0);
  });

  it('is deterministic: the same seed and plan give the same trace hash', () => {
    const a = runScenario(scenario, { strategy: 'write-behind', seed: 3, faults: preset('cache-restart') });
    const b = runScenario(scenario, { strategy: 'write-behind', seed: 3, faults: preset('cache-restart') });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

describe('cache-strategies: the flaws, shown at a fixed seed and plan', () => {
  it('cache-aside: a slow reader puts the old value back after the delete (the stale-set race)', () => {
    const clean = runScenario(scenario, { strategy: 'cache-aside-delete', seed: 1, faults: [] });
    const r = runScenario(scenario, { strategy: 'cache-aside-delete', seed: 1, faults: preset('slow-reader'), trace: 'memory' });

    expect(clean.ok).toBe(true);
    expect(r.firstViolation?.invariant).toBe('bounded-staleness');
    expect(r.firstViolation?.message).toContain('k0');
    const notes = r.trace!.events().filter((e) => e.type === 'note' && e.text.includes('put an older value back'));
    expect(notes.length).toBeGreaterThan(0);
  });

  it.each(['cache-aside-update', 'write-through'])('%s: a slow writer’s SET lands after a newer write’s and keeps the old value', (strategy) => {
    const clean = runScenario(scenario, { strategy, seed: 1, faults: [] });
    const r = runScenario(scenario, { strategy, seed: 1, faults: preset('slow-writer') });

    expect(clean.ok).toBe(true);
    expect(r.firstViolation?.invariant).toBe('bounded-staleness');
  });

  it('write-behind: a cache restart loses the acknowledged writes not yet flushed', () => {
    const r = runScenario(scenario, { strategy: 'write-behind', seed: 1, faults: preset('cache-restart') });

    expect(r.firstViolation?.invariant).toBe('no-lost-write');
    expect(r.metrics.lostWrites!).toBeGreaterThan(0);
  });
});

describe('cache-strategies under the property checker', () => {
  it.each(scenario.strategies.filter((s) => s.expectedViolations.length > 0).map((s) => s.id))(
    '%s: 1,000 generated runs find a declared flaw from scratch and shrink it to at most 2 faults',
    (strategy) => {
      const r = checkScenario(scenario, { strategy, runs: 1000, seed: 1 });

      expect(r.ok).toBe(false);
      expect(r.asExpected).toBe(true);
      expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
    },
  );

  it('lease: passes 200 generated fault plans', () => {
    const r = checkScenario(scenario, { strategy: 'lease', runs: 200, seed: 7 });

    expect(r.ok).toBe(true);
    expect(r.runs).toBe(200);
  });
});
