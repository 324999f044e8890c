/**
 * Metadata: a client's view of the cluster — which broker leads each partition and how many
 * partitions each topic has. It starts from the layout and is refreshed by asking the
 * metadata source (the controller, or the broker of a static cluster) when a request fails
 * with "not leader" or times out, and every `maxAgeMs` if set (how a producer learns that a
 * topic gained partitions). One refresh is in flight at a time.
 */
import type { NodeId } from '../../../engine/index.ts';
import { type Cluster, type ClusterLayout, clusterOf } from './cluster-layout.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { LogMessage, RequestIds } from './log-protocol.ts';
import { type Tp, tpOf } from './partition-log.ts';
import { requestIds } from './rpc.ts';

export type MetadataTimer = { owner: 'metadata'; kind: 'refresh' | 'timeout'; id: number };

export class Metadata {
  private readonly leaders = new Map<Tp, NodeId>();
  private readonly counts = new Map<string, number>();
  private readonly ids: RequestIds;
  private inFlight = -1;
  private timeout = -1;
  private readonly listeners: (() => void)[] = [];
  /** The layout with its nodes resolved, for every client on this node. */
  readonly cluster: Cluster;

  constructor(
    private readonly ctx: LogContext,
    layout: ClusterLayout,
    private readonly maxAgeMs: number | null = null,
  ) {
    this.ids = requestIds(ctx);
    this.cluster = clusterOf(ctx, layout);
    // Each partition's preferred leader (its first replica), without building every partition's replica list.
    const brokers = this.cluster.brokers;
    for (const t of layout.topics) {
      if ((t.replicationFactor ?? 1) < 1) continue;
      for (let p = 0; p < t.partitions; p++) this.leaders.set(tpOf(t.topic, p), brokers[p % brokers.length]!);
    }
    for (const t of layout.topics) this.counts.set(t.topic, t.partitions);
    if (maxAgeMs !== null) ctx.setTimer(maxAgeMs, { owner: 'metadata', kind: 'refresh', id: -1 });
  }

  get layout(): ClusterLayout {
    return this.cluster.layout;
  }

  /** The leader of `tp` as last known; -1 when it has none (offline). */
  leaderOf(tp: Tp): NodeId {
    return this.leaders.get(tp) ?? -1;
  }

  partitionCount(topic: string): number {
    return this.counts.get(topic) ?? 0;
  }

  partitions(topic: string): Tp[] {
    return Array.from({ length: this.partitionCount(topic) }, (_, p) => tpOf(topic, p));
  }

  /** Called after every refresh that arrives. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Asks the metadata source for fresh leaders, unless a request is already out. */
  refresh(): void {
    if (this.inFlight >= 0) return;
    const id = this.ids.take();
    this.inFlight = id;
    this.ctx.send(this.cluster.metadataSource, { type: 'metadata', id });
    this.timeout = this.ctx.setTimer(200, { owner: 'metadata', kind: 'timeout', id });
  }

  onMessage(_from: NodeId, m: LogMessage): boolean {
    if (m.type !== 'metadata-response') return false;
    if (m.id !== this.inFlight) return true;
    this.inFlight = -1;
    this.ctx.cancelTimer(this.timeout);
    for (const l of m.leaders) this.leaders.set(l.tp, l.leader);
    for (const t of m.topics) this.counts.set(t.topic, t.partitions);
    for (const listener of this.listeners) listener();
    return true;
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'metadata') return false;
    if (t.kind === 'timeout') {
      if (t.id === this.inFlight) this.inFlight = -1;
      return true;
    }
    this.refresh();
    this.ctx.setTimer(this.maxAgeMs!, t);
    return true;
  }
}
