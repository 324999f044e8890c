/**
 * AdminClient: what an operator or an autoscaler asks of the cluster. A group's lag per
 * partition is the leader's high watermark minus the group's committed offset, read with
 * ListOffsets and OffsetFetch exactly as monitoring tools and lag-based autoscalers (KEDA's
 * Kafka scaler, Burrow) read it; and a topic can be given more partitions.
 */
import type { NodeId } from '../../../engine/index.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { LogMessage } from './log-protocol.ts';
import type { Metadata } from './metadata.ts';
import type { Tp } from './partition-log.ts';
import { Rpc } from './rpc.ts';

export class AdminClient {
  private readonly rpc: Rpc;

  constructor(
    private readonly ctx: LogContext,
    private readonly metadata: Metadata,
    clientId: string,
  ) {
    this.rpc = new Rpc(ctx, `admin:${clientId}`);
  }

  /** Lag of `group` on every partition of `topic` (records not yet committed), or null if an answer was missing. */
  groupLag(group: string, topic: string, done: (lag: { tp: Tp; lag: number }[] | null) => void): void {
    const tps = this.metadata.partitions(topic);
    const byLeader = new Map<NodeId, Tp[]>();
    for (const tp of tps) {
      const leader = this.metadata.leaderOf(tp);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), tp]);
    }
    const ends = new Map<Tp, number>();
    let committed: Map<Tp, number> | null = null;
    let waiting = byLeader.size + 1;
    let failed = false;
    const finish = (): void => {
      if (--waiting > 0) return;
      if (failed || committed === null) return done(null);
      const c = committed;
      done(tps.map((tp) => ({ tp, lag: Math.max(0, (ends.get(tp) ?? 0) - (c.get(tp) ?? 0)) })));
    };
    for (const [leader, list] of byLeader) {
      this.rpc.call(
        leader,
        100,
        (id) => ({ type: 'list-offsets', id, tps: list }),
        (m) => {
          if (m?.type !== 'list-offsets-response') failed = true;
          else for (const o of m.offsets) ends.set(o.tp, Math.max(0, o.logEndOffset));
          finish();
        },
      );
    }
    this.rpc.call(
      this.metadata.cluster.coordinator,
      100,
      (id) => ({ type: 'offset-fetch', id, group, tps }),
      (m) => {
        if (m?.type !== 'offset-fetch-response') failed = true;
        else committed = new Map(m.offsets.map((o) => [o.tp, o.offset ?? 0]));
        finish();
      },
    );
  }

  /** Grows `topic` to `count` partitions (a static cluster's broker creates them). */
  createPartitions(topic: string, count: number): void {
    for (const b of this.metadata.cluster.brokers) this.ctx.send(b, { type: 'create-partitions', topic, count });
  }

  onMessage(_from: NodeId, m: LogMessage): boolean {
    return this.rpc.onMessage(m);
  }

  onTimer(t: LogTimer): boolean {
    return this.rpc.onTimer(t);
  }
}
