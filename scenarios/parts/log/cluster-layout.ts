/**
 * ClusterLayout: where everything of a Kafka-like cluster lives, fixed when the scenario
 * builds it, by node name. Which nodes are brokers, which (if any) is the controller that
 * detects broker failures and elects new partition leaders, which broker hosts the group and
 * transaction coordinators, and the topics with their partitions and replicas.
 *
 * Without a controller, leadership is static: the first replica of each partition leads it
 * for the whole run and a crashed leader makes its partitions unavailable until it restarts
 * (its log is on disk). With one, a follower in the in-sync set takes over.
 *
 * Parts resolve the names to node ids once, when their node spawns (`clusterOf(ctx, layout)`),
 * so nothing computes positional ids and the hot paths compare numbers.
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
  /** Broker node names. */
  brokers: readonly string[];
  /** The node that elects leaders on failure; null for static leadership. */
  controller: string | null;
  /** The node hosting the group coordinator and the transaction coordinator. */
  coordinator: string;
  topics: readonly TopicSpec[];
  /** acks=all writes are refused while fewer replicas than this are in sync. */
  minInsyncReplicas: number;
  timings: BrokerTimings;
}

export function defineLayout(
  layout: Omit<ClusterLayout, 'timings' | 'minInsyncReplicas'> & Partial<Pick<ClusterLayout, 'timings' | 'minInsyncReplicas'>>,
): ClusterLayout {
  assert(layout.brokers.length > 0, 'a cluster has at least one broker');
  assert(new Set(layout.brokers).size === layout.brokers.length, 'broker names are unique');
  for (const t of layout.topics) {
    assert(t.partitions >= 1, `topic ${t.topic} has at least one partition`);
    assert((t.replicationFactor ?? 1) <= layout.brokers.length, `topic ${t.topic} has no more replicas than brokers`);
  }
  return { minInsyncReplicas: 1, timings: DEFAULT_BROKER_TIMINGS, ...layout };
}

/** The brokers (by name) holding partition `partition` of `topic`, preferred leader first. */
export function replicaNamesOf(layout: ClusterLayout, topic: string, partition: number): string[] {
  const spec = layout.topics.find((t) => t.topic === topic);
  assert(spec !== undefined, `topic ${topic} is in the layout`);
  const n = layout.brokers.length;
  const rf = spec.replicationFactor ?? 1;
  return Array.from({ length: rf }, (_, i) => layout.brokers[(partition + i) % n]!);
}

/** A layout as one node sees it: names resolved to node ids. */
export interface Cluster {
  readonly layout: ClusterLayout;
  readonly brokers: readonly NodeId[];
  readonly controller: NodeId | null;
  readonly coordinator: NodeId;
  /** Where clients ask for metadata: the controller, or the first broker of a static cluster. */
  readonly metadataSource: NodeId;
  /** The brokers holding a partition, preferred leader first. */
  replicasOf(topic: string, partition: number): NodeId[];
  /** Every partition of the layout, in topic then partition order. */
  partitions(): { tp: Tp; topic: string; partition: number; replicas: NodeId[] }[];
}

/** Resolves a layout's names with `lookup` (a node's `ctx.lookup`, or a world's). */
export function clusterOf(lookup: { lookup(name: string): NodeId }, layout: ClusterLayout): Cluster {
  const brokers = layout.brokers.map((b) => lookup.lookup(b));
  const controller = layout.controller === null ? null : lookup.lookup(layout.controller);
  const coordinator = lookup.lookup(layout.coordinator);
  const replicasOf = (topic: string, partition: number): NodeId[] => {
    const spec = layout.topics.find((t) => t.topic === topic);
    // Asked for every partition as each broker and controller starts: the message is spelt only when it fails.
    if (spec === undefined) assert(false, `topic ${topic} is in the layout`);
    const rf = spec.replicationFactor ?? 1;
    const replicas: NodeId[] = [];
    for (let i = 0; i < rf; i++) replicas.push(brokers[(partition + i) % brokers.length]!);
    return replicas;
  };
  return {
    layout,
    brokers,
    controller,
    coordinator,
    metadataSource: controller ?? brokers[0]!,
    replicasOf,
    // Loops, not flatMap over Array.from: a controller asks as it starts, every run.
    partitions: () => {
      const out: { tp: Tp; topic: string; partition: number; replicas: NodeId[] }[] = [];
      for (const t of layout.topics) {
        for (let p = 0; p < t.partitions; p++) out.push({ tp: tpOf(t.topic, p), topic: t.topic, partition: p, replicas: replicasOf(t.topic, p) });
      }
      return out;
    },
  };
}
