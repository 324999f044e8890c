import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../engine/index.ts';
import { cacheInvalidation as scenario, stalenessBoundMs } from '../../scenarios/cache-invalidation/index.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';

const defaults = parseParams<Parameters<typeof stalenessBoundMs>[1]>(scenario, {});
const preset = (id: string): FaultPlan => resolvePreset(scenario, id, defaults);
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const SHOWCASE_SEEDS = Array.from({ length: 16 }, (_, i) => i + 1);

/** The first seed whose fault-free run keeps every invariant while `faults` break bounded-staleness (the flaw shows on an ordinary workload). */
function showcaseSeed(strategy: string, faults: FaultPlan): number | undefined {
  return SHOWCASE_SEEDS.find(
    (seed) =>
      runScenario(scenario, { strategy, seed, faults: [], trace: 'off' }).ok &&
      runScenario(scenario, { strategy, seed, faults, trace: 'off' }).firstViolation?.invariant === 'bounded-staleness',
  );
}

function runs(strategy: string, faults: FaultPlan = []) {
  return SEEDS.map((seed) => runScenario(scenario, { strategy, seed, faults, trace: 'off' }));
}
const sum = (rs: ReturnType<typeof runs>, metric: string): number => rs.reduce((s, r) => s + r.metrics[metric]!, 0);
const max = (rs: ReturnType<typeof runs>, metric: string): number => rs.reduce((m, r) => Math.max(m, r.metrics[metric]!), 0);

describe('cache-invalidation: staleness per strategy, on the same requests', () => {
  it('TTL alone serves many stale reads, each up to one TTL old', () => {
    const ttl = runs('ttl');

    expect(sum(ttl, 'staleReadRate') / SEEDS.length).toBeGreaterThan(0.1);
    expect(max(ttl, 'stalenessMaxMs')).toBeGreaterThan(defaults.ttlMs / 2);
    expect(max(ttl, 'stalenessMaxMs')).toBeLessThanOrEqual(defaults.ttlMs);
  });

  it('jitter stretches the longest staleness past the TTL but never past ttl * (1 + jitter)', () => {
    const jitter = runs('ttl-jitter');

    expect(max(jitter, 'stalenessMaxMs')).toBeGreaterThan(defaults.ttlMs);
    expect(max(jitter, 'stalenessMaxMs')).toBeLessThanOrEqual(stalenessBoundMs('ttl-jitter', defaults));
  });

  it('deleting on write, or following change events, cuts stale reads five-fold and more (read-backs racing the DEL remain)', () => {
    const ttl = sum(runs('ttl'), 'staleReads');

    expect(sum(runs('delete-on-write'), 'staleReads')).toBeLessThan(ttl / 5);
    expect(sum(runs('event-invalidation'), 'staleReads')).toBeLessThan(ttl / 5);
  });

  it('versioned keys never serve a stale read, at the price of a database lookup on every read and dead versions in memory', () => {
    const versioned = runs('versioned-keys');
    const ttl = runs('ttl');

    expect(sum(versioned, 'staleReads')).toBe(0);
    expect(sum(versioned, 'dbQueriesPerRead') / SEEDS.length).toBeGreaterThan(1);
    expect(sum(ttl, 'dbQueriesPerRead') / SEEDS.length).toBeLessThan(0.5);
    expect(sum(versioned, 'cacheKeysMax')).toBeGreaterThan(sum(ttl, 'cacheKeysMax'));
  });

  it('a slow fill never outlives its TTL counted from the read: the app sets what is left of it', () => {
    for (const strategy of ['ttl', 'ttl-jitter']) expect(runs(strategy, preset('slow-reader')).every((r) => r.ok)).toBe(true);
  });

  it('is deterministic: the same seed and plan give the same trace hash', () => {
    const a = runScenario(scenario, { strategy: 'event-invalidation', seed: 2, faults: preset('lagging-stream') });
    const b = runScenario(scenario, { strategy: 'event-invalidation', seed: 2, faults: preset('lagging-stream') });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

describe('cache-invalidation: late and lost invalidations, and a clock that lies, at a fixed seed and plan', () => {
  it('a lost change event leaves the old value readable for up to a TTL', () => {
    const seed = showcaseSeed('event-invalidation', preset('lost-invalidation'));
    const r = runScenario(scenario, { strategy: 'event-invalidation', seed: seed!, faults: preset('lost-invalidation') });

    expect(seed).toBeDefined();
    expect(r.metrics.invalidationsLost).toBe(3);
    expect(r.metrics.stalenessMaxMs!).toBeGreaterThan(defaults.invalidationBoundMs);
    expect(r.metrics.stalenessMaxMs!).toBeLessThanOrEqual(defaults.ttlMs);
  });

  it('a lagging change stream leaves the old value readable for as long as it lags', () => {
    expect(showcaseSeed('event-invalidation', preset('lagging-stream'))).toBeDefined();
  });

  it('delete on write: a slow reader fills the cache after the delete with the value it read before the write', () => {
    expect(showcaseSeed('delete-on-write', preset('slow-reader'))).toBeDefined();
  });

  it('TTL is counted by the cache’s clock: stepped back, it keeps entries past their TTL; versioned keys do not depend on it', () => {
    for (const strategy of ['ttl', 'ttl-jitter']) expect(showcaseSeed(strategy, preset('cache-clock-back')), strategy).toBeDefined();
    expect(runs('versioned-keys', preset('cache-clock-back')).every((r) => r.ok)).toBe(true);
  });

  it('the strategies that never relied on invalidation events ignore their loss', () => {
    for (const strategy of ['ttl', 'ttl-jitter', 'versioned-keys'])
      expect(
        runs(strategy, preset('lost-invalidation')).every((r) => r.ok),
        strategy,
      ).toBe(true);
  });

  it('versioned keys stay fresh through a database crash and restart: the version it looks up is what the database committed', () => {
    const faults: FaultPlan = [
      { at: 300, kind: 'crash', node: 'db', when: 'io:forced' },
      { at: 400, kind: 'restart', node: 'db' },
    ];

    expect(runs('versioned-keys', faults).every((r) => r.ok)).toBe(true);
  });
});

describe('cache-invalidation under the property checker', () => {
  it.each(scenario.strategies.filter((s) => s.expectedViolations.length > 0).map((s) => s.id))(
    '%s: 1,000 generated runs find a declared flaw from scratch and shrink it to at most 2 faults',
    (strategy) => {
      const r = checkScenario(scenario, { strategy, runs: 1000, seed: 1 });

      expect(r.ok).toBe(false);
      expect(r.asExpected).toBe(true);
      expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
    },
  );

  it('versioned-keys: passes 300 generated fault plans, clock faults included', () => {
    const r = checkScenario(scenario, { strategy: 'versioned-keys', runs: 300, seed: 7 });

    expect(r.ok).toBe(true);
    expect(r.goalsNeverReached).toEqual([]);
    for (const item of ['skew', 'drift', 'crash-point:*:io:force']) expect(r.coverage.items.find((i) => i.item === item)?.runs, item).toBeGreaterThan(0);
  });
});
