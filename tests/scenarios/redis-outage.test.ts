import { describe, expect, it } from 'vitest';
import type { FaultPlan, TraceEvent } from '../../engine/index.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import type { World } from '../../scenarios/framework/scenario.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';
import { BREAKER_ADMITS_PROBES, DB_POOL_SHARE, DB_RATE_LIMITED, GuardAudit } from '../../scenarios/redis-outage/guard-audit.ts';
import { redisOutage as scenario } from '../../scenarios/redis-outage/index.ts';

const defaults = parseParams<{ dbConnections: number; dbQueueLimit: number; cacheTimeoutMs: number; breakerWindowMs: number; workloadMs: number }>(
  scenario,
  {},
);
const preset = (id: string): FaultPlan => resolvePreset(scenario, id, defaults);
const outage = preset('redis-down');
const crashAt = outage[0]!.at;
const backAt = outage[1]!.at;
const SEEDS = [1, 2, 3, 4, 5, 6];
const total = (strategy: string, metric: string): number =>
  SEEDS.reduce((sum, seed) => sum + runScenario(scenario, { strategy, seed, faults: outage, trace: 'off' }).metrics[metric]!, 0);
const notes = (events: TraceEvent[]): { t: number; text: string }[] => events.flatMap((e) => (e.type === 'note' ? [{ t: e.t, text: e.text }] : []));

describe('redis-outage: naive fallback', () => {
  const run = () => runScenario(scenario, { strategy: 'naive-fallback', seed: 1, faults: outage, trace: 'memory' });

  it('hands the database the whole read load: its queue fills, queries outlive their callers, and it is pushed past its capacity', () => {
    const r = run();

    expect(r.firstViolation?.invariant).toBe('db-within-capacity');
    expect(r.metrics.dbLoadPeak!).toBeGreaterThan(2);
    expect(r.metrics.dbInFlightMax!).toBeGreaterThanOrEqual(defaults.dbConnections + defaults.dbQueueLimit);
    expect(r.metrics.abandonedQueries!).toBeGreaterThan(50);
    expect(r.metrics.amplificationPeak!).toBeGreaterThan(2);
  });

  it('does not recover when Redis comes back: the cold cache cannot refill while every database read times out', () => {
    const r = run();

    expect(r.metrics.recoveryMs).toBe(defaults.workloadMs - backAt);
    expect(r.metrics.errorRatePeak).toBe(1);
  });

  it('narrates the cascade in the order it happens', () => {
    const told = notes(run().trace!.events()).map((n) => n.text);
    const steps = [
      'Redis stops answering',
      'the database is asked for',
      'longer than the apps wait',
      'Redis answers again',
      'queue is full',
      'users retry',
      'had not recovered',
    ];

    const at = steps.map((s) => told.findIndex((text) => text.includes(s)));

    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});

describe('redis-outage: circuit breaker and rate limiter', () => {
  it('the Redis breaker opens within its threshold window after Redis stops answering', () => {
    const r = runScenario(scenario, { strategy: 'breaker-cold', seed: 1, faults: outage, trace: 'memory' });
    const opened = r.trace!.events().find((e) => e.type === 'state' && e.state === 'Redis breaker open');

    expect(opened).toBeDefined();
    expect(opened!.t - crashAt).toBeLessThanOrEqual(defaults.cacheTimeoutMs + defaults.breakerWindowMs);
  });

  it.each(['breaker-cold', 'breaker-warmup'])('%s keeps the database within its capacity and fails the excess fast', (strategy) => {
    const guarded = runScenario(scenario, { strategy, seed: 1, faults: outage });
    const naive = runScenario(scenario, { strategy: 'naive-fallback', seed: 1, faults: outage });

    expect(guarded.ok).toBe(true);
    expect(guarded.metrics.dbInFlightMax!).toBeLessThan(defaults.dbQueueLimit / 2);
    expect(guarded.metrics.shed!).toBeGreaterThan(0);
    expect(guarded.metrics.abandonedQueries).toBe(0);
    expect(guarded.metrics.errorRate!).toBeLessThan(naive.metrics.errorRate! / 2);
  });

  it('a warm-up recovers faster than a cold cache once Redis is back', () => {
    // The warm-up's batches share each app's pooled connections with the live misses, so it cannot go all out.
    expect(total('breaker-warmup', 'recoveryMs')).toBeLessThan(total('breaker-cold', 'recoveryMs') * 0.8);
  });

  it('a Redis that stalls and resumes keeps its data: no warm-up is needed, and both recover alike and soon', () => {
    const warm = runScenario(scenario, { strategy: 'breaker-warmup', seed: 1, faults: preset('redis-stall'), trace: 'memory' });
    const cold = runScenario(scenario, { strategy: 'breaker-cold', seed: 1, faults: preset('redis-stall') });
    const told = notes(warm.trace!.events()).map((n) => n.text);

    expect(warm.ok).toBe(true);
    expect(told.some((t) => t.includes('it stalled, it did not lose its memory'))).toBe(true);
    expect(told.some((t) => t.includes('loads its share'))).toBe(false);
    expect(warm.metrics).toEqual(cold.metrics);
    expect(warm.metrics.recoveryMs!).toBeLessThan(200);
  });
});

/** A GuardAudit on a stand-in world that keeps the violations it is told of, at a time the test sets. */
function guardAudit() {
  const violations: string[] = [];
  const world = { now: 0, violate: (invariant: string) => violations.push(invariant) };
  const audit = new GuardAudit(world as unknown as World<unknown>, { halfOpenCalls: 3, dbRatePerMs: 0.1, dbBurst: 4, dbPoolSize: 2 });
  return { audit, world, violations };
}

describe('redis-outage: what the guards promise', () => {
  it('an open breaker lets no call through, a half-open one only its probes', () => {
    const { audit, violations } = guardAudit();

    audit.breakerCall('app1', 'Redis');
    audit.transition('app1', 'Redis', 'open');
    audit.breakerCall('app1', 'Redis');
    audit.transition('app1', 'Redis', 'half-open');
    for (let i = 0; i < 4; i++) audit.breakerCall('app1', 'Redis');

    expect(violations).toEqual([BREAKER_ADMITS_PROBES, BREAKER_ADMITS_PROBES]);
  });

  it('each app stays within its burst plus its rate over any interval of its own clock', () => {
    const { audit, violations } = guardAudit();

    for (let i = 0; i < 4; i++) audit.dbCall('app1', 1, 0);
    audit.dbCall('app1', 1, 10);
    audit.dbCall('app2', 3, 10);
    audit.dbCall('app1', 1, 15);

    expect(violations).toEqual([DB_RATE_LIMITED]);
  });

  it('a clock that steps back refills nothing until it has caught up', () => {
    const { audit, violations } = guardAudit();

    audit.dbCall('app1', 4, 100);
    audit.dbCall('app1', 1, 50);

    expect(violations).toEqual([DB_RATE_LIMITED]);
  });

  it('a process holds at most its pool’s share of the database: counted at the database, per process, a restart starts afresh', () => {
    const { audit, violations } = guardAudit();

    audit.dbArrived('app1#0');
    audit.dbArrived('app1#0');
    audit.dbArrived('app1#1');
    audit.dbLeft('app1#0');
    audit.dbArrived('app1#0');
    audit.dbArrived('app1#0');
    audit.dbStarted();
    audit.dbArrived('app1#0');

    expect(violations).toEqual([DB_POOL_SHARE]);
  });

  it('the connection pool keeps a slowed database out of queueing: a connection stays busy until the database answers', () => {
    const faults: FaultPlan = [
      { at: 100, kind: 'slow', node: 'db', factor: 20 },
      { at: 200, kind: 'crash', node: 'redis' },
    ];
    const pooled = runScenario(scenario, { strategy: 'breaker-cold', seed: 1, faults });
    // A pool that gives a connection back as soon as the app stops waiting forgets the queries the database is still running.
    const forgetful = runScenario(scenario, { strategy: 'breaker-cold', seed: 1, faults, params: { dbSocketTimeoutMs: 100 } });

    expect(pooled.ok).toBe(true);
    expect(pooled.metrics.dbInFlightMax).toBeLessThanOrEqual(defaults.dbConnections);
    expect(forgetful.metrics.dbInFlightMax!).toBeGreaterThan(defaults.dbConnections * 4);
  });

  it('a retried write is applied once: its request id is the idempotency key', () => {
    const r = runScenario(scenario, {
      strategy: 'breaker-cold',
      seed: 2,
      faults: [
        { at: 200, kind: 'degrade', from: 'db', lossRate: 1 },
        { at: 600, kind: 'restore' },
      ],
    });

    expect(r.metrics.retries!).toBeGreaterThan(0);
    expect(r.invariants.find((i) => i.name === 'write-applied-once')?.ok).toBe(true);
  });
});

describe('redis-outage: charts and determinism', () => {
  it('samples every series its charts declare', () => {
    const r = runScenario(scenario, { strategy: 'breaker-warmup', seed: 1, faults: outage, trace: 'memory' });
    const sampled = new Set(r.trace!.events().flatMap((e) => (e.type === 'metric' ? [e.name] : [])));
    const charts = declaredSystem(scenario, defaults).charts;

    expect(charts.length).toBeGreaterThan(5);
    for (const series of charts.flatMap((c) => c.series)) expect(sampled.has(series), series).toBe(true);
  });

  it('is deterministic: the same seed and plan give the same trace hash', () => {
    const a = runScenario(scenario, { strategy: 'naive-fallback', seed: 4, faults: outage });
    const b = runScenario(scenario, { strategy: 'naive-fallback', seed: 4, faults: outage });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

describe('redis-outage under the property checker', () => {
  it('naive-fallback: 1,000 generated runs find the overload from scratch and shrink it to at most 2 faults', () => {
    const r = checkScenario(scenario, { strategy: 'naive-fallback', runs: 1000, seed: 1 });

    expect(r.ok).toBe(false);
    expect(r.asExpected).toBe(true);
    expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it.each(['breaker-cold', 'breaker-warmup'])('%s: passes 200 generated fault plans', (strategy) => {
    const r = checkScenario(scenario, { strategy, runs: 200, seed: 7 });

    expect(r.ok).toBe(true);
  });
});
