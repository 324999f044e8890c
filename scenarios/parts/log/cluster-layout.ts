/**
 * ClusterLayout: where everything of a Kafka-like cluster lives, fixed when the scenario
 * builds it. Which nodes are brokers, which (if any) is the controller that detects broker
 * failures and elects new partition leaders, which broker hosts the group and transaction
 * coordinators, and the topics with their partitions and replicas.
 *
 * Without a controller, leadership is static: the first replica of each partition leads it
 * for the whole run and a crashed leader makes its partitions unavailable until it restarts
 * (its log is on disk). With one, a follower in the in-sync set takes over.
 */
import { assert, type NodeId } from '../../../engine/index.ts';
import { type Tp, tpOf } from './partition-log.ts';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Copies of each partition (default 1), placed on consecutive brokers starting at the partition's index. */
  replicationFactor?: number;
}

export interface BrokerTimings {
  /** A follower that has not caught up for this long drops out of the in-sync replicas. */
  replicaLagMaxMs: number;
  /** A follower's fetch waits at most this long at the leader for new records (long poll). */
  replicaFetchWaitMs: number;
  /** A broker heartbeats the controller this often... */
  brokerHeartbeatMs: number;
  /** ...and is declared dead (fenced) after this long without one. */
  brokerSessionMs: number;
  /** The transaction coordinator re-sends an unanswered marker after this long. */
  markerRetryMs: number;
}

export const DEFAULT_BROKER_TIMINGS: BrokerTimings = {
  replicaLagMaxMs: 100,
  replicaFetchWaitMs: 100,
  brokerHeartbeatMs: 50,
  brokerSessionMs: 150,
  markerRetryMs: 50,
};

export interface ClusterLayout {
  brokers: readonly NodeId[];
  /** The node that elects leaders on failure; null for static leadership. */
  controller: NodeId | null;
  /** The node hosting the group coordinator and the transaction coordinator. */
  coordinator: NodeId;
  topics: readonly TopicSpec[];
  /** acks=all writes are refused while fewer replicas than this are in sync. */
  minInsyncReplicas: number;
  timings: BrokerTimings;
}

export function defineLayout(
  layout: Omit<ClusterLayout, 'timings' | 'minInsyncReplicas'> & Partial<Pick<ClusterLayout, 'timings' | 'minInsyncReplicas'>>,
): ClusterLayout {
  assert(layout.brokers.length > 0, 'a cluster has at least one broker');
  for (const t of layout.topics) {
    assert(t.partitions >= 1, `topic ${t.topic} has at least one partition`);
    assert((t.replicationFactor ?? 1) <= layout.brokers.length, `topic ${t.topic} has no more replicas than brokers`);
  }
  return { minInsyncReplicas: 1, timings: DEFAULT_BROKER_TIMINGS, ...layout };
}

/** The brokers holding partition `partition` of `topic`, preferred leader first. */
export function replicasOf(layout: ClusterLayout, topic: string, partition: number): NodeId[] {
  const spec = layout.topics.find((t) => t.topic === topic);
  assert(spec !== undefined, `topic ${topic} is in the layout`);
  const n = layout.brokers.length;
  const rf = spec.replicationFactor ?? 1;
  return Array.from({ length: rf }, (_, i) => layout.brokers[(partition + i) % n]!);
}

/** Every partition of the layout, in topic then partition order. */
export function partitionsOf(layout: ClusterLayout): { tp: Tp; topic: string; partition: number; replicas: NodeId[] }[] {
  return layout.topics.flatMap((t) =>
    Array.from({ length: t.partitions }, (_, p) => ({ tp: tpOf(t.topic, p), topic: t.topic, partition: p, replicas: replicasOf(layout, t.topic, p) })),
  );
}

/** Where clients ask for metadata: the controller, or the first broker of a static cluster. */
export function metadataSource(layout: ClusterLayout): NodeId {
  return layout.controller ?? layout.brokers[0]!;
}
