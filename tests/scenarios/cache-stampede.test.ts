import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../engine/index.ts';
import { cacheStampede as scenario } from '../../scenarios/cache-stampede/index.ts';
import { LOCK_HOLDER_RECOMPUTES, LoadAudit, SINGLE_FLIGHT } from '../../scenarios/cache-stampede/load-audit.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import type { World } from '../../scenarios/framework/scenario.ts';

const defaults = parseParams<{ dbConnections: number; dbQueueLimit: number }>(scenario, {});
const preset = (id: string): FaultPlan => resolvePreset(scenario, id, defaults);
const SEEDS = [1, 2, 3, 4, 5, 6];
const total = (strategy: string, metric: string, faults: FaultPlan = []): number =>
  SEEDS.reduce((sum, seed) => sum + runScenario(scenario, { strategy, seed, faults, trace: 'off' }).metrics[metric]!, 0);
/** One hot key: every miss in a run is a miss on the same key, at its one expiry. */
const oneKey = (apps: number) => ({ hotKeys: 1, apps });

describe('cache-stampede: the herd at expiry, per strategy', () => {
  it('with no protection the herd reaches the database pool’s limit at the default parameters', () => {
    const r = runScenario(scenario, { strategy: 'none', seed: 1, faults: [] });

    expect(r.metrics.dbInFlightMax).toBe(defaults.dbConnections + defaults.dbQueueLimit);
    expect(r.firstViolation?.invariant).toBe('db-within-capacity');
    expect(r.metrics.dbRefused!).toBeGreaterThan(0);
    expect(r.metrics.misses!).toBeGreaterThan(30);
  });

  it('coalescing turns the concurrent misses on a key into one database query per app server', () => {
    const one = runScenario(scenario, { strategy: 'coalescing', seed: 1, faults: [], params: oneKey(1) });
    const two = runScenario(scenario, { strategy: 'coalescing', seed: 1, faults: [], params: oneKey(2) });

    expect(one.metrics.misses!).toBeGreaterThan(20);
    expect(one.metrics.dbQueries).toBe(1);
    expect(two.metrics.dbQueries).toBe(2);
  });

  it('a mutex on the cache lets one reader query the database, whatever the number of app servers', () => {
    const r = runScenario(scenario, { strategy: 'mutex', seed: 1, faults: [], params: oneKey(2) });

    expect(r.metrics.misses!).toBeGreaterThan(20);
    expect(r.metrics.dbQueries).toBe(1);
    expect(r.metrics.errorRate).toBe(0);
  });

  it('early refresh keeps the hot keys from going missing: fewest misses, lowest tail latency and database peak', () => {
    const early = {
      misses: total('early-refresh', 'misses'),
      p99: total('early-refresh', 'latencyP99Ms'),
      peak: total('early-refresh', 'dbQueriesPeakPerSec'),
    };

    for (const other of ['none', 'ttl-jitter', 'mutex', 'coalescing']) {
      expect(early.misses).toBeLessThan(total(other, 'misses') / 5);
      expect(early.p99).toBeLessThan(total(other, 'latencyP99Ms') / 2);
      expect(early.peak).toBeLessThan(total(other, 'dbQueriesPeakPerSec'));
    }
  });

  it('TTL jitter spreads the keys’ expiries: a lower database peak and fewer refusals than no protection', () => {
    expect(total('ttl-jitter', 'dbQueriesPeakPerSec')).toBeLessThan(total('none', 'dbQueriesPeakPerSec') * 0.7);
    expect(total('ttl-jitter', 'dbRefused')).toBeLessThan(total('none', 'dbRefused') / 2);
  });

  it('TTL jitter cannot help when the cache loses every key at once', () => {
    const expiry = runScenario(scenario, { strategy: 'ttl-jitter', seed: 1, faults: [] });
    const flush = runScenario(scenario, { strategy: 'ttl-jitter', seed: 1, faults: preset('flush') });

    expect(expiry.ok).toBe(true);
    expect(flush.firstViolation?.invariant).toBe('db-within-capacity');
  });

  it('a flush brings the herd back even where expiry alone did not: early refresh needs a value to refresh', () => {
    const expiry = runScenario(scenario, { strategy: 'early-refresh', seed: 1, faults: [] });
    const flush = runScenario(scenario, { strategy: 'early-refresh', seed: 1, faults: preset('flush') });

    expect(expiry.ok).toBe(true);
    expect(flush.firstViolation?.invariant).toBe('db-within-capacity');
  });

  it('is deterministic: the same seed and plan give the same trace hash', () => {
    const a = runScenario(scenario, { strategy: 'mutex', seed: 5, faults: preset('burst-at-expiry') });
    const b = runScenario(scenario, { strategy: 'mutex', seed: 5, faults: preset('burst-at-expiry') });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

/** A LoadAudit on a stand-in world that keeps the violations it is told of, at a time the test sets. */
function audit() {
  const violations: string[] = [];
  const world = { now: 0, violate: (invariant: string) => violations.push(invariant) };
  return { audit: new LoadAudit(world as unknown as World<unknown>), world, violations };
}

describe('cache-stampede: the promises of single flight and of the mutex', () => {
  it('single flight: a second query for a key while the server’s load of it has not landed is a violation', () => {
    const { audit: a, world, violations } = audit();

    a.began('app1', 'k0', null);
    world.now = 5;
    a.began('app2', 'k0', null);
    a.began('app1', 'k1', null);
    a.began('app1', 'k0', null);

    expect(violations).toEqual([SINGLE_FLIGHT]);
  });

  it('single flight: a query after the load landed or failed, or after the server restarted, is a new miss', () => {
    const { audit: a, violations } = audit();

    a.began('app1', 'k0', null);
    a.ended('app1', 'k0');
    a.began('app1', 'k0', null);
    a.restarted('app1');
    a.began('app1', 'k0', null);

    expect(violations).toEqual([]);
  });

  it('mutex: only a token the cache granted may recompute', () => {
    const { audit: a, violations } = audit();
    a.lockGranted('app1#0/1');

    a.began('app1', 'k0', 'app1#0/1');
    a.began('app2', 'k1', 'app2#0/7');

    expect(violations).toEqual([LOCK_HOLDER_RECOMPUTES]);
  });

  it.each(['mutex', 'coalescing'])('%s keeps its promise when the database slows down eightfold: one query per key (per server)', (strategy) => {
    const r = runScenario(scenario, { strategy, seed: 1, faults: [{ at: 100, kind: 'slow', node: 'db', factor: 8 }] });

    expect(r.ok).toBe(true);
    expect(r.metrics.dbQueries).toBe(strategy === 'mutex' ? 8 : 16);
  });

  it('coalescing keeps one load per key per server when replies overtake each other (spread latency everywhere)', () => {
    const r = runScenario(scenario, {
      strategy: 'coalescing',
      seed: 1,
      faults: [{ at: 250, kind: 'degrade', latency: { kind: 'uniform', minMs: 5, maxMs: 40 } }],
    });

    expect(r.ok).toBe(true);
    expect(r.invariants.find((i) => i.name === SINGLE_FLIGHT)?.ok).toBe(true);
  });
});

describe('cache-stampede under the property checker', () => {
  it.each(scenario.strategies.filter((s) => s.expectedViolations.length > 0).map((s) => s.id))(
    '%s: 1,000 generated runs find the herd from scratch and shrink it to at most 2 faults',
    (strategy) => {
      const r = checkScenario(scenario, { strategy, runs: 1000, seed: 1 });

      expect(r.ok).toBe(false);
      expect(r.asExpected).toBe(true);
      expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
    },
  );

  it.each(scenario.strategies.filter((s) => s.expectedViolations.length === 0).map((s) => s.id))('%s: passes 200 generated fault plans', (strategy) => {
    const r = checkScenario(scenario, { strategy, runs: 200, seed: 7 });

    expect(r.ok).toBe(true);
    expect(r.goalsNeverReached).toEqual([]);
  });
});
