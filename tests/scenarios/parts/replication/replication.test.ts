import { describe, expect, it } from 'vitest';
import { type DurableMap, type NodeContext, type NodeId, Simulation, type Spawn } from '../../../../engine/index.ts';
import { Primary } from '../../../../scenarios/parts/replication/primary.ts';
import { Replica } from '../../../../scenarios/parts/replication/replica.ts';
import { ReplicationLag, type ReplicationLagSpec } from '../../../../scenarios/parts/replication/replication-lag.ts';
import { type LogEntry, ReplicationLog } from '../../../../scenarios/parts/replication/replication-log.ts';
import type { ReplicationMessage } from '../../../../scenarios/parts/replication/replication-messages.ts';

type Msg = ReplicationMessage<string>;
const constantLag = (ms: number): ReplicationLagSpec => ({ delay: { kind: 'constant', ms }, spikeRate: 0, spike: { kind: 'constant', ms: 0 } });

/** A node that can be primary or replica; its data is the list of applied ops, by LSN, on its disk. */
interface Member {
  ctx: NodeContext<Msg>;
  log: ReplicationLog<string>;
  primary: Primary<string> | null;
  replica: Replica<string> | null;
  table: DurableMap<string>;
  readonly data: string[];
  fencedBy: number | null;
  dropped: string[];
}

/** A cluster of nodes n0..n(k-1); n0 starts as primary (epoch 1). */
function cluster(k: number, options: { mode?: 'async' | 'sync'; lagMs?: number; latencyMs?: number } = {}) {
  const sim = new Simulation({ seed: 3, network: { latency: { kind: 'constant', ms: options.latencyMs ?? 1 } } });
  const members = new Map<string, Member>();
  const lag = new ReplicationLag(constantLag(options.lagMs ?? 10));
  const ids: NodeId[] = [];
  const others = (self: NodeId): NodeId[] => ids.filter((i) => i !== self);
  // Applying an entry twice (a replay after a crash) changes nothing: the data is keyed by LSN.
  const apply = (m: Member) => (e: LogEntry<string>) => void m.table.set(String(e.lsn).padStart(6, '0'), e.op);
  const makePrimary = (m: Member, epoch: number): void => {
    m.replica?.catchUp();
    m.replica = null;
    m.primary = new Primary<string>(m.ctx, {
      log: m.log,
      epoch,
      replicas: others(m.ctx.self),
      mode: options.mode ?? 'async',
      syncAcks: options.mode === 'sync' ? 1 : 0,
      resendMs: 50,
      batchMax: 16,
      apply: apply(m),
      onFenced: (_epoch, by) => {
        m.fencedBy = by;
      },
    });
  };
  const makeReplica = (m: Member): void => {
    m.primary = null;
    m.replica = new Replica<string>(m.ctx, {
      log: m.log,
      lag,
      apply: apply(m),
      reset: () => {
        for (const key of [...m.table.keys()]) m.table.delete(key);
      },
      onRollback: (dropped) => m.dropped.push(...dropped.map((e) => e.op)),
    });
  };
  for (let i = 0; i < k; i++) {
    const name = `n${i}`;
    const spawn: Spawn<Msg> = (ctx) => {
      const table = ctx.disk.map<string>('data');
      const m: Member = {
        ctx,
        log: new ReplicationLog<string>(ctx.disk),
        primary: null,
        replica: null,
        table,
        get data() {
          return [...table.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, op]) => op);
        },
        fencedBy: null,
        dropped: [],
      };
      members.set(name, m);
      const role = ctx.disk.get<{ primary: boolean; epoch: number }>('role') ?? { primary: i === 0, epoch: 1 };
      if (role.primary) makePrimary(m, role.epoch);
      else makeReplica(m);
      return {
        onMessage(from, msg) {
          if (m.primary !== null) m.primary.onMessage(from, msg);
          else m.replica?.onMessage(from, msg);
        },
        onTimer(tag) {
          if (m.primary !== null) m.primary.onTimer(tag);
          else m.replica?.onTimer(tag);
        },
      };
    };
    ids.push(sim.addNode(name, spawn));
  }
  const member = (name: string): Member => members.get(name)!;
  const committed: { op: string; lsn: number; at: number }[] = [];
  const write = (at: number, name: string, op: string): void =>
    sim.at(at, () => {
      member(name).primary!.write(op, (e) => committed.push({ op, lsn: e.lsn, at: sim.now }));
    });
  const promote = (at: number, name: string, epoch: number): void =>
    sim.at(at, () => {
      member(name).ctx.disk.set('role', { primary: true, epoch });
      makePrimary(member(name), epoch);
    });
  const demote = (at: number, name: string): void =>
    sim.at(at, () => {
      member(name).ctx.disk.set('role', { primary: false, epoch: 0 });
      makeReplica(member(name));
    });
  return { sim, member, committed, write, promote, demote };
}

describe('Primary and Replica', () => {
  it('commits an asynchronous write at once, before any replica has it', () => {
    const c = cluster(2, { latencyMs: 20 });
    c.write(100, 'n0', 'a');

    c.sim.run({ untilMs: 100 });

    expect(c.committed).toEqual([{ op: 'a', lsn: 1, at: 100 }]);
    expect(c.member('n1').log.lastLsn).toBe(0);
  });

  it('commits a synchronous write only after a round trip to a replica', () => {
    const c = cluster(2, { mode: 'sync', latencyMs: 20 });
    c.write(100, 'n0', 'a');

    c.sim.run({ untilMs: 1000 });

    expect(c.committed).toEqual([{ op: 'a', lsn: 1, at: 140 }]);
  });

  it('never commits a synchronous write while its replica is cut off, and commits it once the link heals', () => {
    const c = cluster(2, { mode: 'sync' });
    c.sim.schedulePlan([
      { at: 50, kind: 'partition', groups: [['n0']] },
      { at: 500, kind: 'heal' },
    ]);
    c.write(100, 'n0', 'a');

    c.sim.run({ untilMs: 499 });
    expect(c.committed).toEqual([]);

    c.sim.run({ untilMs: 1000 });
    expect(c.committed.map((x) => x.op)).toEqual(['a']);
    expect(c.committed[0]!.at).toBeGreaterThan(500);
  });

  it('applies every write on every replica in log order, a replay lag after it arrives', () => {
    const c = cluster(3, { lagMs: 30, latencyMs: 2 });
    ['a', 'b', 'c'].forEach((op, i) => {
      c.write(100 + i, 'n0', op);
    });

    c.sim.run({ untilMs: 131 });
    expect(c.member('n1').data).toEqual([]);

    c.sim.run({ untilMs: 140 });
    expect(c.member('n1').data).toEqual(['a', 'b', 'c']);
    expect(c.member('n2').data).toEqual(['a', 'b', 'c']);
    expect(c.member('n1').log.appliedLsn).toBe(3);
  });

  it('holds replay during a stall and applies the backlog when it ends', () => {
    const c = cluster(2, { lagMs: 5 });
    c.sim.at(90, () => c.member('n1').replica!.stall(510));
    c.write(100, 'n0', 'a');
    c.write(200, 'n0', 'b');

    c.sim.run({ untilMs: 599 });
    expect(c.member('n1').data).toEqual([]);
    expect(c.member('n1').log.lastLsn).toBe(2);

    c.sim.run({ untilMs: 600 });
    expect(c.member('n1').data).toEqual(['a', 'b']);
  });

  it('brings a replica cut off by a partition up to date after the heal', () => {
    const c = cluster(2);
    c.sim.schedulePlan([
      { at: 50, kind: 'partition', groups: [['n1']] },
      { at: 400, kind: 'heal' },
    ]);
    for (let i = 0; i < 5; i++) c.write(100 + i * 10, 'n0', `w${i}`);

    c.sim.run({ untilMs: 399 });
    expect(c.member('n1').data).toEqual([]);

    c.sim.run({ untilMs: 600 });
    expect(c.member('n1').data).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });

  it('keeps a restarted replica’s applied position and finishes replaying what it had received', () => {
    const c = cluster(2, { lagMs: 100 });
    c.sim.schedulePlan([
      { at: 150, kind: 'crash', node: 'n1' },
      { at: 300, kind: 'restart', node: 'n1' },
    ]);
    c.write(10, 'n0', 'a');
    c.write(100, 'n0', 'b');

    c.sim.run({ untilMs: 1000 });

    expect(c.member('n1').data).toEqual(['a', 'b']);
    expect(c.member('n1').log.appliedLsn).toBe(2);
  });

  it('fences an old primary once a replica has followed a newer epoch', () => {
    const c = cluster(2);
    c.write(10, 'n0', 'a');
    c.promote(100, 'n1', 2);

    c.sim.run({ untilMs: 500 });

    expect(c.member('n0').fencedBy).toBe(1);
  });

  it('rolls a returning old primary back to where it agrees with the new one, dropping its unshipped writes', () => {
    const c = cluster(2);
    c.write(10, 'n0', 'a');
    c.sim.schedulePlan([
      { at: 50, kind: 'partition', groups: [['n0']] },
      { at: 300, kind: 'heal' },
    ]);
    c.write(100, 'n0', 'lost1');
    c.write(110, 'n0', 'lost2');
    c.promote(150, 'n1', 2);
    c.write(200, 'n1', 'b');
    c.demote(310, 'n0');

    c.sim.run({ untilMs: 1000 });

    expect(c.member('n0').dropped).toEqual(['lost1', 'lost2']);
    expect(c.member('n0').data).toEqual(['a', 'b']);
    expect(c.member('n1').data).toEqual(['a', 'b']);
    expect(c.member('n0').log.lastLsn).toBe(2);
  });

  it('keeps a write through a crash right after the primary acknowledged it: the log was forced first', () => {
    const c = cluster(2, { latencyMs: 20 });
    c.write(100, 'n0', 'a');
    c.sim.schedulePlan([
      { at: 100.5, kind: 'crash', node: 'n0' },
      { at: 200, kind: 'restart', node: 'n0' },
    ]);

    c.sim.run({ untilMs: 1000 });

    expect(c.committed.map((x) => x.op)).toEqual(['a']);
    expect(c.member('n0').log.lastLsn).toBe(1);
    expect(c.member('n0').data).toEqual(['a']);
  });

  it('acknowledges a synchronous write only once the replica forced it: the replica keeps it through a crash', () => {
    const c = cluster(2, { mode: 'sync', latencyMs: 5, lagMs: 500 });
    c.write(100, 'n0', 'a');
    c.sim.schedulePlan([
      { at: 111, kind: 'crash', node: 'n1' },
      { at: 150, kind: 'restart', node: 'n1' },
    ]);

    c.sim.run({ untilMs: 120 });
    expect(c.committed.map((x) => x.op)).toEqual(['a']);

    c.sim.run({ untilMs: 1000 });
    expect(c.member('n1').log.lastLsn).toBe(1);
    expect(c.member('n1').data).toEqual(['a']);
  });

  it('replays at the pace of its own timers, whatever its clock jumps to', () => {
    const c = cluster(2, { lagMs: 30, latencyMs: 1 });
    c.sim.schedulePlan([{ at: 50, kind: 'skew', node: 'n1', byMs: -10_000 }]);
    c.write(100, 'n0', 'a');

    c.sim.run({ untilMs: 132 });

    expect(c.member('n1').data).toEqual(['a']);
  });
});
