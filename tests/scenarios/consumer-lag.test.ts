import { describe, expect, it } from 'vitest';
import { consumerLag as scenario } from '../../scenarios/consumer-lag/index.ts';
import { starvedPartitions } from '../../scenarios/consumer-lag/lag-board.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';

const SEED = 2;
const defaults = parseParams<{ arrivalRatePerSec: number; backpressureLagMax: number; consumersMax: number; partitions: number; sessionTimeoutMs: number }>(
  scenario,
);
const preset = (id: string) => resolvePreset(scenario, id, defaults);
const run = (strategy: string, presetId: string | null) =>
  runScenario(scenario, { strategy, seed: SEED, faults: presetId === null ? [] : preset(presetId), trace: 'off' });

describe('consumer-lag: each strategy’s figures', () => {
  it('adding consumers past the partition count leaves the extra ones idle and the group capped at 4 × 25 records/s', () => {
    const r = run('add-consumers', null);
    expect(r.metrics.idleConsumersMax).toBe(defaults.consumersMax - defaults.partitions);
    expect(r.metrics.consumedPerSec).toBeGreaterThan(85);
    expect(r.metrics.consumedPerSec).toBeLessThan(110);
    expect(r.metrics.lagGrowthPerSec).toBeGreaterThan(40);
    expect(r.firstViolation?.invariant).toBe('lag-bounded');
  });

  it('more partitions let every consumer work, and the group catches up', () => {
    const r = run('more-partitions', null);
    expect(r.ok).toBe(true);
    expect(r.metrics.consumedPerSec).toBeGreaterThanOrEqual(r.metrics.publishedPerSec! - 10);
    expect(r.metrics.lagGrowthPerSec).toBeLessThan(10);
  });

  it('batching keeps two consumers ahead of the traffic with a small lag', () => {
    const r = run('faster-processing', null);
    expect(r.ok).toBe(true);
    expect(r.metrics.lagEnd).toBeLessThan(60);
    expect(r.metrics.rebalances).toBeLessThanOrEqual(2);
  });

  it('backpressure bounds the lag by moving the backlog to the producer', () => {
    const r = run('backpressure', null);
    expect(r.metrics.lagMax).toBeLessThanOrEqual(defaults.backpressureLagMax);
    expect(r.metrics.heldBackMax).toBeGreaterThan(0);
    expect(r.metrics.rejected).toBeGreaterThan(0);
    expect(r.metrics.publishedPerSec).toBeLessThan(defaults.arrivalRatePerSec / 2);
  });

  it('a consumer crash stalls its partitions until its session times out, then pauses the group for a rebalance', () => {
    const calm = run('faster-processing', null);
    const crash = run('faster-processing', 'consumer-crash');
    expect(crash.metrics.rebalances).toBeGreaterThan(calm.metrics.rebalances!);
    expect(crash.metrics.rebalancePauseMs).toBeGreaterThan(calm.metrics.rebalancePauseMs!);
    expect(crash.metrics.lagMax).toBeGreaterThan(calm.metrics.lagMax!);
  });

  it('a traffic burst raises the lag, which the sound strategies work off', () => {
    const calm = run('more-partitions', null);
    const burst = run('more-partitions', 'traffic-burst');
    expect(burst.metrics.lagMax).toBeGreaterThan(calm.metrics.lagMax!);
    expect(burst.ok).toBe(true);
  });

  it('draws lag per partition, consumer states and the producer’s backlog for the UI', () => {
    const r = runScenario(scenario, { strategy: 'add-consumers', seed: SEED, faults: preset('consumer-crash'), trace: 'memory' });
    const events = r.trace!.events();
    const series = new Set(events.filter((e) => e.type === 'metric').map((e) => (e as unknown as { name: string }).name));
    for (const chart of declaredSystem(scenario, parseParams(scenario)).charts) {
      for (const s of chart.series) {
        const found = s.endsWith('*') ? [...series].some((name) => name.startsWith(s.slice(0, -1))) : series.has(s);
        expect(found, `${chart.id}: ${s}`).toBe(true);
      }
    }
    expect(series.has(`lag.p${defaults.partitions - 1}`)).toBe(true);
    const states = new Set(events.filter((e) => e.type === 'state').map((e) => (e as unknown as { state: string }).state));
    for (const s of ['active', 'idle', 'rebalancing', 'standby']) expect(states.has(s), s).toBe(true);
    const notes = events.filter((e) => e.type === 'note').map((e) => (e as unknown as { text: string }).text);
    expect(notes.some((t) => /rebalanced in \d+ ms/.test(t))).toBe(true);
    expect(notes.some((t) => /sits idle/.test(t))).toBe(true);
  });
});

describe('consumer-lag: every stateful node can fail, and each mechanism keeps its promise', () => {
  it('declares the broker, the autoscaler and every consumer crashable; only the traffic source, which is the workload, is spared', () => {
    const space = declaredSystem(scenario, parseParams(scenario)).faultSpace;
    expect(space.crashable).toContain('broker-1');
    expect(space.crashable).toContain('autoscaler');
    expect(space.crashable).toContain('c-12');
    expect(space.crashable).not.toContain('traffic-source');
  });

  it('backpressure keeps the backlog under its high mark when the broker crashes: what its producer has in flight counts against its credits', () => {
    const faults = [{ at: 97, kind: 'crash' as const, node: 'broker-1' }];
    const r = runScenario(scenario, { strategy: 'backpressure', seed: 1953742743, faults, trace: 'off' });
    expect(r.invariants.find((i) => i.name === 'lag-under-high-mark')?.ok).toBe(true);
    expect(r.metrics.lagMax).toBeLessThanOrEqual(defaults.backpressureLagMax);
  });

  it('gives every partition exactly one live owner once the group settles after a broker and a consumer crash', () => {
    const faults = [
      { at: 300, kind: 'crash' as const, node: 'broker-1' },
      { at: 500, kind: 'crash' as const, node: 'c-2' },
    ];
    for (const strategy of ['more-partitions', 'faster-processing']) {
      const r = runScenario(scenario, { strategy, seed: SEED, faults, trace: 'off' });
      expect(
        r.invariants.filter((i) => !i.ok).map((i) => i.name),
        strategy,
      ).toEqual([]);
    }
  });

  it('calls a partition starved when it had a backlog and its committed offset did not move', () => {
    const before = { t: 0, committed: [5, 5, 5], end: [9, 5, 7], lag: [4, 0, 2] };
    const after = { t: 1000, committed: [9, 5, 5], end: [12, 8, 9], lag: [3, 3, 4] };
    expect(starvedPartitions(before, after)).toEqual([2]);
  });
});

describe('consumer-lag: fidelity', () => {
  // 4 consumers on 4 partitions, each serving 1000 / (3.5 + 0.5) = 250 records/s: 1,000 records/s in all.
  const steady = (arrivalRatePerSec: number) =>
    runScenario(scenario, {
      strategy: 'add-consumers',
      seed: 1,
      faults: [],
      trace: 'off',
      params: { arrivalRatePerSec, partitions: 4, consumers: 4, consumersMax: 4, overheadMs: 3.5, perRecordMs: 0.5, workloadMs: 1000, settleMs: 30_000 },
    });

  it('grows lag at the arrival rate minus the total service rate when overloaded (within 5%)', () => {
    const r = steady(1750);
    const expected = 1750 - 4 * 250;
    expect(Math.abs(r.metrics.lagGrowthPerSec! - expected) / expected).toBeLessThan(0.05);
  });

  it('keeps lag bounded when the group has the capacity', () => {
    const r = steady(800);
    expect(Math.abs(r.metrics.lagGrowthPerSec!)).toBeLessThan(0.05 * 800);
    expect(r.metrics.lagEnd).toBeLessThan(200);
    expect(r.metrics.consumedPerSec).toBeGreaterThan(0.95 * r.metrics.publishedPerSec!);
  });
});

describe('consumer-lag: the checker', () => {
  it('finds adding consumers past the partition count unable to keep up, with at most 2 faults', () => {
    const r = checkScenario(scenario, { strategy: 'add-consumers', runs: 1000, seed: 1 });
    expect(r.counterexample?.invariant).toBe('lag-bounded');
    expect(r.asExpected).toBe(true);
    expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  for (const strategy of ['more-partitions', 'faster-processing', 'backpressure']) {
    it(`finds ${strategy} keeping up over 200 generated fault plans`, () => {
      const r = checkScenario(scenario, { strategy, runs: 200, seed: 7 });
      expect(r.counterexample).toBeNull();
    });
  }
});

describe('consumer-lag: determinism', () => {
  it('gives the same trace hash for the same seed and fault plan', () => {
    const faults = preset('consumer-crash');
    const a = runScenario(scenario, { strategy: 'more-partitions', seed: 5, faults, trace: 'hash' });
    const b = runScenario(scenario, { strategy: 'more-partitions', seed: 5, faults, trace: 'hash' });
    expect(a.traceHash).toBe(b.traceHash);
  });
});
