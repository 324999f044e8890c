import { describe, expect, it } from 'vitest';
import type { Spawn } from '../../../../engine/index.ts';
import { CONSUMER_DEFAULTS, Consumer } from '../../../../scenarios/parts/log/consumer.ts';
import { GroupCoordinator } from '../../../../scenarios/parts/log/group-coordinator.ts';
import type { LogTimer } from '../../../../scenarios/parts/log/log-node.ts';
import type { LogMessage } from '../../../../scenarios/parts/log/log-protocol.ts';
import { Metadata } from '../../../../scenarios/parts/log/metadata.ts';
import { keyHashPartitioner } from '../../../../scenarios/parts/log/partitioner.ts';
import { PRODUCER_DEFAULTS, Producer } from '../../../../scenarios/parts/log/producer.ts';
import { type Cluster, cluster, consumerNode, emptyLog } from './log-cluster-fixture.ts';

interface TxnPlan {
  /** One transaction per entry: its values, whether to commit, and offsets to commit with it. */
  txns: { values: number[]; commit: boolean; offsets?: { tp: string; offset: number }[] }[];
  outcomes: (string | null)[];
}

/**
 * A transactional producer that runs the planned transactions one after another, from 100 ms
 * on; with `member`, it is also a member of group g (as a consume-process-produce app is).
 */
type AppTimer = { owner: 'app'; step: 'init' } | { owner: 'app'; step: 'end'; i: number };

function txnProducer(c: Cluster, plan: TxnPlan, timeoutMs = 1000, member = false): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, c.layout);
    const consumer = new Consumer(ctx, metadata, { ...CONSUMER_DEFAULTS, clientId: 'tx', group: 'g', topics: ['in'] }, () => undefined);
    if (member) consumer.start();
    const producer = new Producer(ctx, metadata, {
      ...PRODUCER_DEFAULTS,
      clientId: 'tx',
      idempotent: true,
      transactionalId: 'tx-1',
      transactionTimeoutMs: timeoutMs,
      partitioner: keyHashPartitioner(),
      lingerMs: 0,
    });
    const run = (i: number): void => {
      const t = plan.txns[i];
      if (t === undefined) return;
      producer.beginTransaction();
      for (const v of t.values) producer.send('out', `k${v}`, v);
      ctx.setTimer(20, { owner: 'app', step: 'end', i });
    };
    ctx.setTimer(100, { owner: 'app', step: 'init' });
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m) && !producer.onMessage(from, m)) consumer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag) && !producer.onTimer(tag)) consumer.onTimer(tag);
          return;
        }
        const t = tag;
        if (t.step === 'init') return producer.initTransactions(() => run(0));
        const txn = plan.txns[t.i]!;
        const end = (): void => {
          const finish = (ok: boolean, error: string | null): void => {
            plan.outcomes.push(ok ? null : error);
            run(t.i + 1);
          };
          if (txn.commit) producer.commitTransaction(finish);
          else producer.abortTransaction(finish);
        };
        if (txn.offsets === undefined) return end();
        producer.sendOffsetsToTransaction(txn.offsets, 'g', consumer.memberId ?? 'nobody', consumer.generation, (ok, error) => {
          if (ok) return end();
          producer.abortTransaction(() => {
            plan.outcomes.push(error);
            run(t.i + 1);
          });
        });
      },
    };
  };
}

describe('transactions', () => {
  /** One broker with an input and an output topic. */
  const inAndOut = () =>
    cluster({
      brokers: 1,
      controller: false,
      topics: [
        { topic: 'out', partitions: 1 },
        { topic: 'in', partitions: 1 },
      ],
    });

  it('shows a read-committed consumer only the records of committed transactions', () => {
    const c = inAndOut();
    const plan: TxnPlan = {
      txns: [
        { values: [1, 2], commit: true },
        { values: [3, 4], commit: false },
        { values: [5], commit: true },
      ],
      outcomes: [],
    };
    const committed = emptyLog();
    const everything = emptyLog();
    c.sim.addNode('tx', txnProducer(c, plan));
    c.sim.addNode('rc', consumerNode(c.layout, { group: 'rc', topics: ['out'], isolation: 'read-committed' }, 1, committed));
    c.sim.addNode('ru', consumerNode(c.layout, { group: 'ru', topics: ['out'], isolation: 'read-uncommitted' }, 1, everything));
    c.sim.run({ untilMs: 1000 });
    expect(plan.outcomes).toEqual([null, null, null]);
    expect(committed.consumed.map((r) => r.value)).toEqual([1, 2, 5]);
    expect(everything.consumed.map((r) => r.value)).toEqual([1, 2, 3, 4, 5]);
  });

  it('commits offsets sent to a transaction only if the transaction commits', () => {
    const c = inAndOut();
    const plan: TxnPlan = {
      txns: [
        { values: [1], commit: true, offsets: [{ tp: 'in-0', offset: 7 }] },
        { values: [2], commit: false, offsets: [{ tp: 'in-0', offset: 9 }] },
      ],
      outcomes: [],
    };
    c.sim.addNode('tx', txnProducer(c, plan, 1000, true));
    c.sim.run({ untilMs: 1000 });
    expect(plan.outcomes).toEqual([null, null]);
    expect(GroupCoordinator.committed(c.sim.disk(c.sim.nodeId('b1')), 'g', 'in-0')).toBe(7);
  });

  it('refuses transactional offsets from a producer that is not a member of the group’s current generation', () => {
    const c = inAndOut();
    const plan: TxnPlan = { txns: [{ values: [1], commit: true, offsets: [{ tp: 'in-0', offset: 7 }] }], outcomes: [] };
    c.sim.addNode('tx', txnProducer(c, plan, 1000, false));
    c.sim.run({ untilMs: 1000 });
    expect(plan.outcomes).toEqual(['unknown-member']);
    expect(GroupCoordinator.committed(c.sim.disk(c.sim.nodeId('b1')), 'g', 'in-0')).toBeNull();
  });

  it('aborts a transaction left open past its timeout and fences its producer', () => {
    const c = inAndOut();
    const plan: TxnPlan = { txns: [{ values: [1, 2], commit: true }], outcomes: [] };
    const committed = emptyLog();
    c.sim.addNode('tx', txnProducer(c, plan, 200));
    c.sim.addNode('rc', consumerNode(c.layout, { group: 'rc', topics: ['out'], isolation: 'read-committed' }, 1, committed));
    // The producer stalls after writing, past the 200 ms transaction timeout.
    c.sim.schedulePlan([
      { at: 115, kind: 'pause', node: 'tx' },
      { at: 500, kind: 'resume', node: 'tx' },
    ]);
    c.sim.run({ untilMs: 1500 });
    expect(plan.outcomes).toEqual(['producer-fenced']);
    expect(committed.consumed).toHaveLength(0);
  });
});
