/**
 * A broker node: the roles one Kafka process plays, composed. Every broker of the layout
 * holds partition replicas (ReplicaManager); one may be the controller (leader elections on
 * failure); one hosts the group coordinator and the transaction coordinator. A broker
 * heartbeats the controller so a dead one is noticed, and answers metadata requests when
 * the cluster has no controller.
 */
import type { Spawn } from '../../../engine/index.ts';
import { type ClusterLayout, clusterOf } from './cluster-layout.ts';
import { Controller } from './controller.ts';
import { GroupCoordinator, type Rebalanced } from './group-coordinator.ts';
import type { LogTimer } from './log-node.ts';
import type { LogMessage } from './log-protocol.ts';
import { parseTp } from './partition-log.ts';
import { ReplicaManager } from './replica-manager.ts';
import { TransactionCoordinator } from './transaction-coordinator.ts';
import { DuplicateRequests } from './transport.ts';

export type BrokerTimer = { owner: 'broker'; kind: 'heartbeat' };

/** What a scenario may watch of a broker (dashboards and auditors, never the protocol). */
export interface BrokerObserver {
  /** A consumer group finished a rebalance on this broker's group coordinator. */
  onRebalanced?(r: Rebalanced): void;
}

export function broker(layout: ClusterLayout, observer: BrokerObserver = {}): Spawn<LogMessage, LogTimer> {
  return (ctx) => {
    const cluster = clusterOf(ctx, layout);
    let groups: GroupCoordinator | null = null;
    const replicas = cluster.brokers.includes(ctx.self)
      ? new ReplicaManager(ctx, cluster, { onPartitionsCreated: (topic) => groups?.onPartitionsChanged(topic) })
      : null;
    const controller = cluster.controller === ctx.self ? new Controller(ctx, cluster) : null;
    let txns: TransactionCoordinator | null = null;
    if (cluster.coordinator === ctx.self) {
      const layoutCount = (topic: string): number => layout.topics.find((t) => t.topic === topic)?.partitions ?? 0;
      groups = new GroupCoordinator(ctx, {
        partitionCount: (topic) => replicas?.partitionCount(topic) ?? layoutCount(topic),
        producerEpochOf: (pid) => txns?.producerEpochOf(pid) ?? null,
        onRebalanced: observer.onRebalanced,
      });
      txns = new TransactionCoordinator(ctx, {
        leaderOf: (tp) => {
          if (controller !== null) return controller.leaderOf(tp);
          const { topic, partition } = parseTp(tp);
          return cluster.replicasOf(topic, partition)[0]!;
        },
        groups,
        markerRetryMs: layout.timings.markerRetryMs,
      });
    }
    const heartbeats = cluster.controller !== null && replicas !== null && controller === null;
    const heartbeat = (): void =>
      ctx.send(cluster.controller!, { type: 'broker-heartbeat', incarnation: ctx.incarnation, known: replicas!.partitionEpochSum() });
    if (heartbeats) {
      heartbeat();
      ctx.setTimer(layout.timings.brokerHeartbeatMs, { owner: 'broker', kind: 'heartbeat' });
    }
    if (ctx.incarnation > 0) ctx.note(() => `${ctx.name} restarts; its logs are on disk`);
    const connections = new DuplicateRequests();

    return {
      onMessage(from, m) {
        if (!connections.firstDelivery(from, m)) return;
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
        if (tag.owner === 'broker') {
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
