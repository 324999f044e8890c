import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../engine/index.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';
import { partitioning as scenario } from '../../scenarios/partitioning/index.ts';
import { missingFromLogs, skippedEvents } from '../../scenarios/partitioning/order-audit.ts';
import { PartitionLog } from '../../scenarios/parts/log/partition-log.ts';

const SEED = 4;
const defaults = parseParams<{ hotShare: number; partitions: number }>(scenario);
const preset = (id: string) => resolvePreset(scenario, id, defaults);
const run = (strategy: string, presetId: string | null) =>
  runScenario(scenario, { strategy, seed: SEED, faults: presetId === null ? [] : preset(presetId), trace: 'off' });

describe('partitioning: each strategy’s figures', () => {
  it('key hashing keeps every account in order and puts the hot account’s load on one partition', () => {
    const r = run('key-hash', null);
    expect(r.metrics.outOfOrder).toBe(0);
    // The hot account's share plus its partition's share of the rest.
    const expected = defaults.hotShare + (1 - defaults.hotShare) / defaults.partitions;
    expect(r.metrics.hottestPartitionShare).toBeGreaterThan(expected - 0.08);
    expect(r.metrics.hottestPartitionShare).toBeLessThan(expected + 0.08);
    expect(r.metrics.lagMaxRecords).toBeGreaterThan(run('round-robin', null).metrics.lagMaxRecords!);
  });

  it('round robin spreads the load evenly and applies an account’s events out of order', () => {
    const r = run('round-robin', null);
    expect(r.metrics.loadImbalance).toBeLessThan(1.05);
    expect(r.metrics.outOfOrder).toBeGreaterThan(0);
    expect(r.firstViolation?.invariant).toBe('per-key-order');
  });

  it('salting evens the hot partition’s load and breaks the order of the hot account only', () => {
    const salted = run('hot-key-salted', null);
    expect(salted.metrics.loadImbalance).toBeLessThan(run('key-hash', null).metrics.loadImbalance!);
    expect(salted.metrics.keysOutOfOrder).toBe(1);
    expect(salted.metrics.outOfOrder).toBeGreaterThan(0);
  });

  it('key hashing keeps order through a consumer crash: redelivered events count as duplicates, not disorder', () => {
    const r = run('key-hash', 'consumer-crash');
    expect(r.ok).toBe(true);
    expect(r.metrics.duplicates).toBeGreaterThan(0);
    expect(r.metrics.outOfOrder).toBe(0);
  });

  it('a burst on the hot account piles up on its partition under key hashing', () => {
    const calm = run('key-hash', null);
    const burst = run('key-hash', 'hot-key-burst');
    expect(burst.metrics.hottestPartitionShare).toBeGreaterThan(calm.metrics.hottestPartitionShare!);
    expect(burst.metrics.lagMaxRecords).toBeGreaterThan(calm.metrics.lagMaxRecords!);
  });

  it('draws per-partition load and lag for the UI', () => {
    const r = runScenario(scenario, { strategy: 'key-hash', seed: SEED, faults: [], trace: 'memory' });
    const names = new Set(
      r
        .trace!.events()
        .filter((e) => e.type === 'metric')
        .map((e) => (e as unknown as { name: string }).name),
    );
    for (let p = 0; p < defaults.partitions; p++) {
      expect(names.has(`load.p${p}`)).toBe(true);
      expect(names.has(`lag.p${p}`)).toBe(true);
    }
  });
});

describe('partitioning: every stateful node can fail', () => {
  it('declares the broker and every consumer crashable; only the event source, which is the workload, is spared', () => {
    const space = declaredSystem(scenario, parseParams(scenario)).faultSpace;
    expect([...space.crashable].sort()).toEqual(['broker-1', 'c-1', 'c-2', 'c-3', 'c-4']);
  });

  it('key hashing keeps every account in order, skips nothing and settles on one owner per partition through a broker crash', () => {
    const faults = [
      { at: 300, kind: 'crash' as const, node: 'broker-1' },
      { at: 450, kind: 'restart' as const, node: 'broker-1' },
    ];
    const r = runScenario(scenario, { strategy: 'key-hash', seed: SEED, faults, trace: 'off' });
    expect(r.invariants.filter((i) => !i.ok).map((i) => i.name)).toEqual([]);
    expect(r.metrics.outOfOrder).toBe(0);
  });

  it('calls an event skipped when the group committed past it and nobody applied it', () => {
    const log = PartitionLog.open(new DurableStore(), 'account-events-0');
    log.appendAsLeader(
      [1, 2, 3].map((seq) => ({ key: 'a', value: { key: 'a', seq } })),
      -1,
      -1,
      -1,
      -1,
      0,
      0,
    );
    const applied = new Set([1, 3]);
    expect(skippedEvents([{ log, committed: 1 }], (e) => applied.has(e.seq))).toEqual([]);
    expect(skippedEvents([{ log, committed: 3 }], (e) => applied.has(e.seq))).toEqual(['a #2 (account-events-0 offset 1)']);
  });
});

describe('partitioning: acknowledged events kept', () => {
  it('finds an acknowledged event that no partition log holds', () => {
    const log = PartitionLog.open(new DurableStore(), 'account-events-0');
    log.appendAsLeader([{ key: 'a', value: { key: 'a', seq: 1 } }], -1, -1, -1, -1, 0, 0);
    expect(
      missingFromLogs(
        [log],
        [
          { key: 'a', seq: 1 },
          { key: 'a', seq: 2 },
        ],
      ),
    ).toEqual(['a #2']);
  });

  it('writes every published event into the log although the network loses a third of the produce requests: the producer retries', () => {
    const faults = [{ at: 100, kind: 'degrade' as const, from: 'event-source', lossRate: 0.33 }];
    const r = runScenario(scenario, { strategy: 'key-hash', seed: SEED, faults, trace: 'off' });
    expect(r.invariants.filter((i) => !i.ok).map((i) => i.name)).toEqual([]);
  });

  it('keeps every acknowledged event through a broker crash right after it answered a write', () => {
    const faults = [{ at: 400, kind: 'crash' as const, node: 'broker-1', when: 'io:sent' }];
    const r = runScenario(scenario, { strategy: 'key-hash', seed: SEED, faults, trace: 'off' });
    expect(r.invariants.find((i) => i.name === 'acked-write-kept')?.ok).toBe(true);
  });
});

describe('partitioning: the checker', () => {
  for (const strategy of ['round-robin', 'hot-key-salted']) {
    it(`finds ${strategy} breaking per-key order from scratch, with at most 2 faults`, () => {
      const r = checkScenario(scenario, { strategy, runs: 1000, seed: 1 });
      expect(r.counterexample?.invariant).toBe('per-key-order');
      expect(r.asExpected).toBe(true);
      expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
    });
  }

  it('finds key hashing keeping per-key order over 200 generated fault plans', () => {
    const r = checkScenario(scenario, { strategy: 'key-hash', runs: 200, seed: 7 });
    expect(r.counterexample).toBeNull();
  });
});

describe('partitioning: determinism', () => {
  it('gives the same trace hash for the same seed and fault plan', () => {
    const faults = preset('consumer-crash');
    const a = runScenario(scenario, { strategy: 'hot-key-salted', seed: 5, faults, trace: 'hash' });
    const b = runScenario(scenario, { strategy: 'hot-key-salted', seed: 5, faults, trace: 'hash' });
    expect(a.traceHash).toBe(b.traceHash);
  });
});
