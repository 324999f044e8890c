import { describe, expect, it } from 'vitest';
import { Controller } from '../../../../scenarios/parts/log/controller.ts';
import { GroupCoordinator } from '../../../../scenarios/parts/log/group-coordinator.ts';
import { PartitionLog } from '../../../../scenarios/parts/log/partition-log.ts';
import type { SendResult } from '../../../../scenarios/parts/log/producer.ts';
import { cluster, consumerNode, emptyLog, producerNode, type Send } from './log-cluster-fixture.ts';

const sends = (n: number, everyMs: number, startMs = 0): Send[] =>
  Array.from({ length: n }, (_, i) => ({ atMs: startMs + i * everyMs, topic: 't', key: `k${i}`, value: i }));

/** Values of the log a consumer would read now (from the partition's current leader). */
function values(c: ReturnType<typeof cluster>, tp = 't-0'): unknown[] {
  const leader =
    c.layout.controller === null ? c.sim.nodeId(c.layout.brokers[0]!) : Controller.partitionTable(c.sim.disk(c.sim.nodeId('controller')))!.get(tp)!.leader;
  const log = PartitionLog.open(c.sim.disk(leader), tp);
  return log.records.filter((r) => r.offset < log.highWatermark && r.control === null).map((r) => r.value);
}

describe('a replicated partition under leader failover', () => {
  const replicated = (minIsr: number) =>
    cluster({ brokers: 2, controller: true, topics: [{ topic: 't', partitions: 1, replicationFactor: 2 }], minInsyncReplicas: minIsr });

  it('keeps every record acknowledged with acks=all when the leader dies', () => {
    const c = replicated(2);
    const results: SendResult[] = [];
    c.sim.addNode('producer', producerNode(c.layout, { acks: 'all', lingerMs: 0 }, sends(20, 10), results));
    c.sim.schedulePlan([
      { at: 95, kind: 'crash', node: 'b1' },
      { at: 600, kind: 'restart', node: 'b1' },
    ]);
    c.sim.run({ untilMs: 1500 });
    const acked = results.filter((r) => r.ok).length;
    expect(acked).toBe(20);
    expect(new Set(values(c))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i)));
    expect(Controller.partitionTable(c.sim.disk(c.sim.nodeId('controller')))!.get('t-0')!.leader).toBe(c.sim.nodeId('b2'));
  });

  it('loses records acknowledged with acks=1 that the follower had not copied, and the old leader truncates them', () => {
    const c = replicated(1);
    const results: SendResult[] = [];
    c.sim.addNode('producer', producerNode(c.layout, { acks: 1, retries: 0, lingerMs: 0 }, sends(10, 2, 100), results));
    // The follower stalls for 60 ms (still in sync: the lag limit is 100 ms); the leader acknowledges alone, then dies.
    c.sim.schedulePlan([
      { at: 99, kind: 'pause', node: 'b2' },
      { at: 118, kind: 'crash', node: 'b1' },
      { at: 160, kind: 'resume', node: 'b2' },
      { at: 500, kind: 'restart', node: 'b1' },
    ]);
    c.sim.run({ untilMs: 1500 });
    const ackedValues = results.filter((r) => r.ok).map((r) => Number(r.offset));
    expect(ackedValues.length).toBeGreaterThan(0);
    expect(values(c)).toHaveLength(0);
    expect(PartitionLog.open(c.sim.disk(c.sim.nodeId('b1')), 't-0').logEndOffset).toBe(0);
  });
});

describe('a replicated partition under crashes and lost messages', () => {
  const replicated = () => cluster({ brokers: 2, controller: true, topics: [{ topic: 't', partitions: 1, replicationFactor: 2 }], minInsyncReplicas: 2 });

  it('keeps every record acknowledged with acks=all when every broker crashes at once: replicas force before they count', () => {
    const c = replicated();
    const results: SendResult[] = [];
    c.sim.addNode('producer', producerNode(c.layout, { acks: 'all', lingerMs: 0 }, sends(20, 10), results));
    c.sim.schedulePlan([
      { at: 155, kind: 'crash', node: 'b1' },
      { at: 155, kind: 'crash', node: 'b2' },
      { at: 400, kind: 'restart', node: 'b1' },
      { at: 400, kind: 'restart', node: 'b2' },
    ]);
    c.sim.run({ untilMs: 2000 });
    const ackedBeforeCrash = results.filter((r) => r.ok).map((r) => r.offset);
    expect(ackedBeforeCrash.length).toBe(20);
    expect(new Set(values(c))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i)));
  });

  it('tells a broker the leadership it missed while the controller could not reach it', () => {
    const c = cluster({ brokers: 2, controller: true, topics: [{ topic: 't', partitions: 1, replicationFactor: 2 }], minInsyncReplicas: 1 });
    const results: SendResult[] = [];
    c.sim.addNode('producer', producerNode(c.layout, { acks: 'all', lingerMs: 0 }, sends(5, 10, 600), results));
    // b1 dies; while the controller elects b2, nothing it says reaches b2.
    c.sim.schedulePlan([
      { at: 100, kind: 'crash', node: 'b1' },
      { at: 150, kind: 'partition', groups: [['controller']], oneWay: true },
      { at: 450, kind: 'heal' },
    ]);
    c.sim.run({ untilMs: 1500 });
    expect(Controller.partitionTable(c.sim.disk(c.sim.nodeId('controller')))!.get('t-0')!.leader).toBe(c.sim.nodeId('b2'));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(values(c)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('the producer', () => {
  const single = () => cluster({ brokers: 1, controller: false, topics: [{ topic: 't', partitions: 1 }] });

  it('writes a batch twice when its acknowledgement is lost and it retries', () => {
    const c = single();
    c.sim.addNode('producer', producerNode(c.layout, { acks: 'all', idempotent: false, lingerMs: 0 }, sends(1, 1, 10), []));
    c.sim.schedulePlan([{ at: 5, kind: 'inject', name: 'lose-ack', node: 'producer' }]);
    c.sim.run({ untilMs: 1000 });
    expect(values(c)).toEqual([0, 0]);
  });

  it('writes it once when it is idempotent: the broker recognises the retry', () => {
    const c = single();
    c.sim.addNode('producer', producerNode(c.layout, { acks: 'all', idempotent: true, lingerMs: 0 }, sends(1, 1, 10), []));
    c.sim.schedulePlan([{ at: 5, kind: 'inject', name: 'lose-ack', node: 'producer' }]);
    c.sim.run({ untilMs: 1000 });
    expect(values(c)).toEqual([0]);
  });

  it('writes a batch once when the network delivers its request twice: the connection is TCP', () => {
    const c = single();
    c.sim.addNode('producer', producerNode(c.layout, { acks: 1, retries: 0, idempotent: false, lingerMs: 0 }, sends(3, 5, 10), []));
    c.sim.schedulePlan([{ at: 0, kind: 'degrade', from: 'producer', duplicateRate: 1 }]);
    c.sim.run({ untilMs: 1000 });
    expect(values(c)).toEqual([0, 1, 2]);
  });

  it('keeps each partition in send order', () => {
    const c = single();
    const plan = Array.from({ length: 30 }, (_, i) => ({ atMs: i, topic: 't', key: 'same', value: i }));
    c.sim.addNode('producer', producerNode(c.layout, { acks: 1, lingerMs: 3, batchMax: 4 }, plan, []));
    c.sim.run({ untilMs: 1000 });
    expect(values(c)).toEqual(plan.map((s) => s.value));
  });
});

describe('a consumer group', () => {
  const group = (partitions: number) => cluster({ brokers: 1, controller: false, topics: [{ topic: 't', partitions }] });

  it('leaves a consumer beyond the partition count idle', () => {
    const c = group(2);
    const log = emptyLog();
    for (const name of ['c1', 'c2', 'c3']) c.sim.addNode(name, consumerNode(c.layout, { group: 'g', topics: ['t'] }, 1, log));
    c.sim.run({ untilMs: 1000 });
    const last = new Map(log.states.map((s) => [s.by, s.state]));
    expect([...last.values()].sort()).toEqual(['active', 'active', 'idle']);
  });

  it('gives a stalled member’s partitions to another after its session times out, and refuses the stalled member’s commit', () => {
    const c = group(2);
    const log = emptyLog();
    c.sim.addNode('producer', producerNode(c.layout, { acks: 1, lingerMs: 0 }, sends(40, 20), []));
    c.sim.addNode('c1', consumerNode(c.layout, { group: 'g', topics: ['t'], sessionTimeoutMs: 200 }, 5, log));
    c.sim.addNode('c2', consumerNode(c.layout, { group: 'g', topics: ['t'], sessionTimeoutMs: 200 }, 5, log));
    c.sim.schedulePlan([
      { at: 300, kind: 'pause', node: 'c1' },
      { at: 700, kind: 'resume', node: 'c1' },
    ]);
    c.sim.run({ untilMs: 2000 });
    expect(log.states.some((s) => s.by === 'c2' && s.state === 'active' && s.t > 300 && s.t < 700)).toBe(true);
    const consumedByC2 = new Set(log.consumed.filter((r) => r.by === 'c2').map((r) => r.tp));
    expect(consumedByC2.size).toBe(2);
    // Every record was processed at least once.
    expect(new Set(log.consumed.map((r) => r.value)).size).toBe(40);
  });

  it('starts a new member from the group’s committed offsets', () => {
    const c = group(1);
    const log = emptyLog();
    c.sim.addNode('producer', producerNode(c.layout, { acks: 1, lingerMs: 0 }, sends(10, 5), []));
    c.sim.addNode('c1', consumerNode(c.layout, { group: 'g', topics: ['t'] }, 2, log));
    c.sim.schedulePlan([
      { at: 400, kind: 'crash', node: 'c1' },
      { at: 600, kind: 'restart', node: 'c1' },
    ]);
    c.sim.run({ untilMs: 1500 });
    expect(GroupCoordinator.committed(c.sim.disk(c.sim.nodeId('b1')), 'g', 't-0')).toBe(10);
    // Nothing was processed twice: everything had been committed before the crash.
    expect(log.consumed).toHaveLength(10);
  });
});
