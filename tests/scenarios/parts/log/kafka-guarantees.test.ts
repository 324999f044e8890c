/**
 * Guarantees of the Kafka-like log that docs/fidelity.md claims against Kafka's documentation
 * and that no other test pinned down on its own:
 *  - idempotent producer: a batch retried after a leader failover is still written once (the
 *    producer's sequence state lives in the replicated log, so the new leader knows it);
 *  - transactions: a transaction's writes to several partitions become visible together or
 *    not at all; a new producer instance with the same transactional.id fences the old one
 *    and aborts the transaction it left open (Producer#initTransactions);
 *  - consumer groups: a member that joins a running group triggers a rebalance after which
 *    the partitions are split between the members, each read by exactly one of them.
 */
import { describe, expect, it } from 'vitest';
import type { Spawn } from '../../../../engine/index.ts';
import type { ClusterLayout } from '../../../../scenarios/parts/log/cluster-layout.ts';
import { Controller } from '../../../../scenarios/parts/log/controller.ts';
import type { LogTimer } from '../../../../scenarios/parts/log/log-node.ts';
import type { LogMessage } from '../../../../scenarios/parts/log/log-protocol.ts';
import { Metadata } from '../../../../scenarios/parts/log/metadata.ts';
import { PartitionLog } from '../../../../scenarios/parts/log/partition-log.ts';
import { customPartitioner } from '../../../../scenarios/parts/log/partitioner.ts';
import { PRODUCER_DEFAULTS, Producer, type SendResult } from '../../../../scenarios/parts/log/producer.ts';
import { type Cluster, cluster, consumerNode, emptyLog, producerNode } from './log-cluster-fixture.ts';

/** Committed, non-control values of a partition as its current leader holds them. */
function committedValues(c: Cluster, tp: string): unknown[] {
  const leader =
    c.layout.controller === null ? c.sim.nodeId(c.layout.brokers[0]!) : Controller.partitionTable(c.sim.disk(c.sim.nodeId('controller')))!.get(tp)!.leader;
  const log = PartitionLog.open(c.sim.disk(leader), tp);
  return log.records.filter((r) => r.offset < log.highWatermark && r.control === null).map((r) => r.value);
}

type Action =
  | { atMs: number; do: 'init' | 'begin' }
  | { atMs: number; do: 'send'; topic: string; key: string; value: number }
  | { atMs: number; do: 'commit' | 'abort' };

type ScriptTimer = { owner: 'app'; index: number };

/** A transactional producer (partition = the key's number) that runs `script`, recording each end of a transaction. */
function scriptedProducer(
  layout: ClusterLayout,
  transactionalId: string,
  script: readonly Action[],
  ends: (string | null)[],
): Spawn<LogMessage, LogTimer | ScriptTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, layout);
    const producer = new Producer(ctx, metadata, {
      ...PRODUCER_DEFAULTS,
      clientId: ctx.name,
      idempotent: true,
      transactionalId,
      transactionTimeoutMs: 10_000,
      lingerMs: 0,
      partitioner: customPartitioner('by-number', (key, partitions) => Number(key) % partitions),
    });
    script.forEach((a, index) => {
      ctx.setTimer(a.atMs, { owner: 'app', index });
    });
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) producer.onTimer(tag);
          return;
        }
        const a = script[tag.index]!;
        const end = (_ok: boolean, error: string | null): void => {
          ends.push(error);
        };
        if (a.do === 'init') producer.initTransactions(() => undefined);
        else if (a.do === 'begin') producer.beginTransaction();
        else if (a.do === 'send') producer.send(a.topic, a.key, a.value);
        else if (a.do === 'commit') producer.commitTransaction(end);
        else producer.abortTransaction(end);
      },
    };
  };
}

describe('the idempotent producer (enable.idempotence)', () => {
  const replicated = () => cluster({ brokers: 2, controller: true, topics: [{ topic: 't', partitions: 1, replicationFactor: 2 }], minInsyncReplicas: 1 });

  for (const idempotent of [false, true]) {
    it(`${idempotent ? 'writes a batch once' : 'writes a batch twice (without idempotence)'} when its acknowledgement is lost and it retries to the new leader after a failover`, () => {
      const c = replicated();
      const results: SendResult[] = [];
      c.sim.addNode(
        'producer',
        producerNode(c.layout, { acks: 'all', idempotent, lingerMs: 0, requestTimeoutMs: 100 }, [{ atMs: 10, topic: 't', key: 'k', value: 7 }], results),
      );
      // The write reaches both replicas and is acknowledged, the acknowledgement is lost, then the leader dies.
      c.sim.schedulePlan([
        { at: 5, kind: 'inject', name: 'lose-ack', node: 'producer' },
        { at: 40, kind: 'crash', node: 'b1' },
      ]);

      c.sim.run({ untilMs: 1500 });

      expect(Controller.partitionTable(c.sim.disk(c.sim.nodeId('controller')))!.get('t-0')!.leader).toBe(c.sim.nodeId('b2'));
      expect(results.map((r) => r.ok)).toEqual([true]);
      expect(committedValues(c, 't-0')).toEqual(idempotent ? [7] : [7, 7]);
    });
  }
});

describe('transactions (transactional.id)', () => {
  const twoPartitions = () => cluster({ brokers: 1, controller: false, topics: [{ topic: 'out', partitions: 2 }] });
  /** One transaction writing to both partitions, then committed or aborted. */
  const across = (end: 'commit' | 'abort'): Action[] => [
    { atMs: 10, do: 'init' },
    { atMs: 50, do: 'begin' },
    { atMs: 51, do: 'send', topic: 'out', key: '0', value: 1 },
    { atMs: 52, do: 'send', topic: 'out', key: '1', value: 2 },
    { atMs: 100, do: end },
    { atMs: 150, do: 'begin' },
    { atMs: 151, do: 'send', topic: 'out', key: '0', value: 3 },
    { atMs: 200, do: 'commit' },
  ];

  it('makes a transaction’s writes to several partitions visible to read-committed consumers together once it commits', () => {
    const c = twoPartitions();
    const ends: (string | null)[] = [];
    const seen = emptyLog();
    c.sim.addNode('tx', scriptedProducer(c.layout, 'tx-1', across('commit'), ends));
    c.sim.addNode('rc', consumerNode(c.layout, { group: 'rc', topics: ['out'], isolation: 'read-committed' }, 1, seen));

    c.sim.run({ untilMs: 1000 });

    expect(ends).toEqual([null, null]);
    expect(seen.consumed.map((r) => r.value).sort()).toEqual([1, 2, 3]);
  });

  it('shows read-committed consumers nothing of an aborted transaction, on any partition it wrote to', () => {
    const c = twoPartitions();
    const ends: (string | null)[] = [];
    const seen = emptyLog();
    c.sim.addNode('tx', scriptedProducer(c.layout, 'tx-1', across('abort'), ends));
    c.sim.addNode('rc', consumerNode(c.layout, { group: 'rc', topics: ['out'], isolation: 'read-committed' }, 1, seen));

    c.sim.run({ untilMs: 1000 });

    expect(ends).toEqual([null, null]);
    expect(seen.consumed.map((r) => r.value)).toEqual([3]);
  });

  it('fences the old instance when a new one registers the same transactional.id, aborting what the old one left open', () => {
    const c = twoPartitions();
    const oldEnds: (string | null)[] = [];
    const newEnds: (string | null)[] = [];
    const seen = emptyLog();
    // The old instance writes in a transaction and is slow to commit; the new one registers meanwhile.
    c.sim.addNode(
      'old',
      scriptedProducer(
        c.layout,
        'tx-1',
        [
          { atMs: 10, do: 'init' },
          { atMs: 50, do: 'begin' },
          { atMs: 51, do: 'send', topic: 'out', key: '0', value: 1 },
          { atMs: 52, do: 'send', topic: 'out', key: '1', value: 2 },
          { atMs: 300, do: 'commit' },
        ],
        oldEnds,
      ),
    );
    c.sim.addNode(
      'new',
      scriptedProducer(
        c.layout,
        'tx-1',
        [
          { atMs: 150, do: 'init' },
          { atMs: 400, do: 'begin' },
          { atMs: 401, do: 'send', topic: 'out', key: '0', value: 3 },
          { atMs: 450, do: 'commit' },
        ],
        newEnds,
      ),
    );
    c.sim.addNode('rc', consumerNode(c.layout, { group: 'rc', topics: ['out'], isolation: 'read-committed' }, 1, seen));

    c.sim.run({ untilMs: 1500 });

    expect(oldEnds).toEqual(['producer-fenced']);
    expect(newEnds).toEqual([null]);
    expect(seen.consumed.map((r) => r.value)).toEqual([3]);
  });
});

describe('consumer groups (group.id)', () => {
  it('rebalances when a member joins a running group, after which each partition is read by exactly one member', () => {
    const c = cluster({ brokers: 1, controller: false, topics: [{ topic: 't', partitions: 4 }] });
    const log = emptyLog();
    const sends = Array.from({ length: 120 }, (_, i) => ({ atMs: i * 10, topic: 't', key: `k${i}`, value: i }));
    c.sim.addNode('producer', producerNode(c.layout, { acks: 1, lingerMs: 0 }, sends, []));
    c.sim.addNode('c1', consumerNode(c.layout, { group: 'g', topics: ['t'] }, 1, log));
    c.sim.addNode('c2', consumerNode(c.layout, { group: 'g', topics: ['t'] }, 1, log));
    // c2 is down until 500 ms: it joins a group where c1 reads every partition.
    c.sim.schedulePlan([
      { at: 0, kind: 'crash', node: 'c2' },
      { at: 500, kind: 'restart', node: 'c2' },
    ]);

    c.sim.run({ untilMs: 2000 });

    const before = log.consumed.filter((r) => Number(r.value) < 40);
    const after = log.consumed.filter((r) => Number(r.value) >= 80);
    const readersOf = (records: typeof log.consumed): Map<string, Set<string>> => {
      const out = new Map<string, Set<string>>();
      for (const r of records) out.set(r.tp, (out.get(r.tp) ?? new Set()).add(r.by));
      return out;
    };
    expect(new Set(before.map((r) => r.by))).toEqual(new Set(['c1']));
    expect(new Set(after.map((r) => r.by))).toEqual(new Set(['c1', 'c2']));
    expect([...readersOf(after).values()].every((readers) => readers.size === 1)).toBe(true);
    expect(new Set(log.consumed.map((r) => r.value)).size).toBe(120);
  });
});
