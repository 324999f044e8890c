import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import type { World } from '../../scenarios/framework/scenario.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';
import { Handover } from '../../scenarios/sharding/handover.ts';
import { sharding } from '../../scenarios/sharding/index.ts';
import { KeyAuditor, showsWrite } from '../../scenarios/sharding/key-auditor.ts';

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

  it('finishes a migration whose old owner crashed in the middle of it, losing no acknowledged write', () => {
    for (const strategy of ['hash-mod-n', 'consistent-hashing']) {
      const r = run(strategy, 'shard-crash');

      expect(r.ok).toBe(true);
      expect(r.goals.find((g) => g.name === 'resharded')!.reached).toBe(true);
    }
  });

  it('inserts, updates, deletes, reads and reads back rows', () => {
    const r = runScenario(sharding, { strategy: 'consistent-hashing', seed: 3, faults: [], trace: 'memory' });
    const sent = r.trace!.events().flatMap((e) => (e.type === 'send' ? [e.msg as { type: string; key?: number; row?: { deleted?: true } }] : []));
    const puts = sent.filter((m) => m.type === 'put');
    const putKeys = new Set<number>();
    let rewrites = 0;
    for (const m of puts) {
      if (putKeys.has(m.key!)) rewrites++;
      putKeys.add(m.key!);
    }

    expect(puts.some((m) => m.row?.deleted === true)).toBe(true);
    expect(puts.filter((m) => m.key! <= 2000).length).toBeGreaterThan(0);
    expect(sent.some((m) => m.type === 'get')).toBe(true);
    expect(rewrites + puts.filter((m) => m.key! <= 2000).length).toBeGreaterThan(10);
  });

  it('lets the router and every shard crash, pause, be cut off and have its clock moved', () => {
    const space = declaredSystem(sharding, sharding.params.parse({})).faultSpace;

    expect(space.crashable).toEqual(['router', 's1', 's2', 's3', 's4', 's5']);
    expect(space.nodes.every((n) => n.pause && n.network && n.clock)).toBe(true);
  });

  it('finds range placement’s overloaded shard from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(sharding, { strategy: 'range', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(result.counterexample!.invariant).toBe('no-overloaded-shard');
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('keeps hash mod N sound under generated faults of every class', () => {
    const result = checkScenario(sharding, { strategy: 'hash-mod-n', runs: 200, seed: 7 });

    expect(result.counterexample).toBeNull();
    expect(result.goalsNeverReached).toEqual([]);
    expect(result.coverage.items.filter((i) => i.runs === 0).map((i) => i.item)).toEqual([]);
  });

  it('keeps consistent hashing sound under generated faults of every class', () => {
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

describe('sharding’s checks', () => {
  const fakeWorld = () => {
    const violations: string[] = [];
    const world = { now: 0, violate: (invariant: string) => void violations.push(invariant), reach: () => {} } as unknown as World<unknown>;
    return { world, violations };
  };

  it('accepts a read at least as new as the newest acknowledged write, and no row only after a deletion', () => {
    expect(showsWrite({ version: 5 }, { version: 5 })).toBe(true);
    expect(showsWrite({ version: 7, deleted: true }, { version: 5 })).toBe(true);
    expect(showsWrite({ version: 0 }, undefined)).toBe(true);
    expect(showsWrite(null, { version: 5, deleted: true })).toBe(true);
    expect(showsWrite(null, { version: 5 }, 6)).toBe(true);

    expect(showsWrite({ version: 4 }, { version: 5 })).toBe(false);
    expect(showsWrite(null, undefined)).toBe(false);
    expect(showsWrite(null, { version: 5 }, 4)).toBe(false);
  });

  it('finds, at the end, a row whose newest acknowledged write is on no shard', () => {
    const { world, violations } = fakeWorld();
    const auditor = new KeyAuditor(world, ['s1'], 10, 20);
    auditor.requestIssued(1, 7, { version: 3 }, 's1', 0);
    auditor.writeAcked(1, 7, { version: 3 });

    auditor.judgeDurability([7, 8], (key) => (key === 7 ? { version: 3 } : { version: 0 }));
    expect(violations).toEqual([]);

    auditor.judgeDurability([7, 8], (key) => (key === 7 ? { version: 2 } : { version: 0 }));
    expect(violations).toEqual(['no-acknowledged-write-lost']);
  });

  it('hands rows over in batches that take turns between new owners, and resends a batch left unacknowledged for a whole period', () => {
    const handover = new Handover(
      1,
      new Map([
        ['s2', [1, 2, 3]],
        ['s3', [4]],
      ]),
      2,
    );

    const first = handover.take()!;
    const second = handover.take()!;
    const third = handover.take()!;
    expect([first.to, first.keys, second.to, second.keys, third.to, third.keys]).toEqual(['s2', [1, 2], 's3', [4], 's2', [3]]);
    expect(handover.take()).toBeNull();

    expect(handover.acknowledged(second.id)).toEqual([4]);
    expect(handover.overdue()).toEqual([]);
    expect(handover.overdue().map((b) => b.id)).toEqual([first.id, third.id]);
    expect(handover.acknowledged(first.id)).toEqual([1, 2]);
    expect(handover.acknowledged(first.id)).toBeUndefined();
    expect(handover.done).toBe(false);
    handover.acknowledged(third.id);
    expect(handover.done).toBe(true);
    expect(handover.moved).toBe(4);
  });

  it('shares one period’s throttle between many new owners, each taking a turn', () => {
    const handover = new Handover(
      1,
      new Map([
        ['s2', [1, 2, 3]],
        ['s3', [4, 5, 6]],
        ['s4', [7, 8, 9]],
      ]),
      7,
    );

    const period = handover.takePeriod();
    expect(period.map((b) => [b.to, b.keys])).toEqual([
      ['s2', [1, 2, 3]],
      ['s3', [4, 5, 6]],
      ['s4', [7]],
    ]);
    expect(handover.takePeriod().map((b) => [b.to, b.keys])).toEqual([['s4', [8, 9]]]);
    expect(handover.hasMore).toBe(false);
  });
});
