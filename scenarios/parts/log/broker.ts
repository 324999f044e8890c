/**
 * A broker node: the roles one Kafka process plays, composed. Every broker of the layout
 * holds partition replicas (ReplicaManager); one may be the controller (leader elections on
 * failure); one hosts the group coordinator and the transaction coordinator. A broker
 * heartbeats the controller so a dead one is noticed, and answers metadata requests when
 * the cluster has no controller.
 */
import type { NodeContext, Spawn } from '../../../engine/index.ts';
import { type ClusterLayout, replicasOf } from './cluster-layout.ts';
import { Controller } from './controller.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import type { LogMessage } from './log-protocol.ts';
import { parseTp } from './partition-log.ts';
import { ReplicaManager } from './replica-manager.ts';
import { TransactionCoordinator } from './transaction-coordinator.ts';

type Timer = { owner: 'broker'; kind: 'heartbeat' };

export function broker(layout: ClusterLayout): Spawn<LogMessage> {
  return (ctx: NodeContext<LogMessage>) => {
    let groups: GroupCoordinator | null = null;
    const replicas = layout.brokers.includes(ctx.self)
      ? new ReplicaManager(ctx, layout, { onPartitionsCreated: (topic) => groups?.onPartitionsChanged(topic) })
      : null;
    const controller = layout.controller === ctx.self ? new Controller(ctx, layout) : null;
    let txns: TransactionCoordinator | null = null;
    if (layout.coordinator === ctx.self) {
      const layoutCount = (topic: string): number => layout.topics.find((t) => t.topic === topic)?.partitions ?? 0;
      groups = new GroupCoordinator(ctx, {
        partitionCount: (topic) => replicas?.partitionCount(topic) ?? layoutCount(topic),
        producerEpochOf: (pid) => txns?.producerEpochOf(pid) ?? null,
      });
      txns = new TransactionCoordinator(ctx, {
        leaderOf: (tp) => {
          if (controller !== null) return controller.leaderOf(tp);
          const { topic, partition } = parseTp(tp);
          return replicasOf(layout, topic, partition)[0]!;
        },
        groups,
        markerRetryMs: layout.timings.markerRetryMs,
      });
    }
    const heartbeats = layout.controller !== null && replicas !== null && controller === null;
    const heartbeat = (): void => ctx.send(layout.controller!, { type: 'broker-heartbeat', incarnation: ctx.incarnation });
    if (heartbeats) {
      heartbeat();
      ctx.setTimer(layout.timings.brokerHeartbeatMs, { owner: 'broker', kind: 'heartbeat' } satisfies Timer);
    }
    if (ctx.incarnation > 0) ctx.note(() => `${ctx.name} restarts; its logs are on disk`);

    return {
      onMessage(from, m) {
        if (m.type === 'metadata' && controller === null && replicas !== null) {
          ctx.send(from, { type: 'metadata-response', id: m.id, leaders: replicas.leaders(), topics: replicas.topics() });
          return;
        }
        if (controller?.onMessage(from, m)) return;
        if (replicas?.onMessage(from, m)) return;
        if (groups?.onMessage(from, m)) return;
        txns?.onMessage(from, m);
      },
      onTimer(tag) {
        if ((tag as Timer)?.owner === 'broker') {
          heartbeat();
          ctx.setTimer(layout.timings.brokerHeartbeatMs, tag);
          return;
        }
        if (controller?.onTimer(tag)) return;
        if (replicas?.onTimer(tag)) return;
        if (groups?.onTimer(tag)) return;
        txns?.onTimer(tag);
      },
    };
  };
}
