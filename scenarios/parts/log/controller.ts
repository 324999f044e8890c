/**
 * Controller: the cluster's authority on who leads each partition (KRaft's active
 * controller, reduced to what failover needs).
 *
 * Brokers heartbeat it; a broker silent for `brokerSessionMs` is fenced: it leaves every
 * in-sync set and each partition it led gets a new leader chosen from the remaining in-sync
 * replicas, with the leader epoch bumped (clean election only: a replica outside the ISR may
 * lack acknowledged records, so a partition whose ISR has no live member stays offline until
 * one returns). A broker that comes back — or heartbeats with a new incarnation, having
 * restarted — is told its partitions' state and rejoins as a follower; its leader lets it
 * back into the ISR once it has caught up. Leaders propose ISR changes; the controller
 * accepts a proposal only if it is based on the current partition state.
 *
 * The partition table is on the controller's disk, and every change is forced before anyone
 * hears of it (KRaft commits a metadata record to its quorum before acting on it); broker
 * liveness is volatile (after a restart every broker is presumed alive until its session
 * runs out, and one that restarted meanwhile is fenced and let back in at its first heartbeat).
 */
import type { DurableMap, DurableStore, NodeId } from '../../../engine/index.ts';
import type { Cluster } from './cluster-layout.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { LogMessage, Msg, PartitionState } from './log-protocol.ts';
import type { Tp } from './partition-log.ts';

interface BrokerLiveness {
  incarnation: number;
  lastSeenMs: number;
  fenced: boolean;
}

export type ControllerTimer = { owner: 'controller'; kind: 'check' };

const TABLE = 'controller:partitions';

export class Controller {
  private readonly table: DurableMap<PartitionState>;
  private readonly brokers = new Map<NodeId, BrokerLiveness>();

  constructor(
    private readonly ctx: LogContext,
    private readonly cluster: Cluster,
  ) {
    this.table = ctx.disk.map<PartitionState>(TABLE);
    if (this.table.size === 0) {
      for (const p of cluster.partitions())
        this.table.set(p.tp, { tp: p.tp, replicas: p.replicas, leader: p.replicas[0]!, leaderEpoch: 0, partitionEpoch: 0, isr: p.replicas });
      ctx.disk.force();
    }
    for (const b of cluster.brokers) this.brokers.set(b, { incarnation: 0, lastSeenMs: ctx.now, fenced: false });
    ctx.setTimer(cluster.layout.timings.brokerSessionMs / 3, { owner: 'controller', kind: 'check' });
  }

  /** The current state of every partition, from a controller's disk (for auditors: who leads now). */
  static partitionTable(disk: DurableStore): ReadonlyMap<Tp, PartitionState> | undefined {
    if (!disk.holds(TABLE)) return undefined;
    return new Map(disk.map<PartitionState>(TABLE).entries());
  }

  leaderOf(tp: Tp): NodeId {
    return this.table.get(tp)?.leader ?? -1;
  }

  onMessage(from: NodeId, m: LogMessage): boolean {
    switch (m.type) {
      case 'broker-heartbeat':
        this.onBrokerHeartbeat(from, m.incarnation, m.known);
        return true;
      case 'alter-isr':
        this.onAlterIsr(from, m);
        return true;
      case 'metadata':
        this.ctx.send(from, {
          type: 'metadata-response',
          id: m.id,
          leaders: [...this.table.values()].map((s) => ({ tp: s.tp, leader: s.leader })),
          topics: this.cluster.layout.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })),
        });
        return true;
      default:
        return false;
    }
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'controller') return false;
    const now = this.ctx.now;
    for (const [b, l] of this.brokers) {
      if (!l.fenced && now - l.lastSeenMs > this.cluster.layout.timings.brokerSessionMs) {
        this.ctx.note(() => `controller has not heard from ${this.ctx.nameOf(b)} for ${Math.round(now - l.lastSeenMs)} ms and fences it`, 'key');
        this.fence(b);
      }
    }
    this.ctx.setTimer(this.cluster.layout.timings.brokerSessionMs / 3, t);
    return true;
  }

  private onBrokerHeartbeat(from: NodeId, incarnation: number, known: number): void {
    const l = this.brokers.get(from);
    if (l === undefined) return;
    l.lastSeenMs = this.ctx.now;
    if (incarnation !== l.incarnation) {
      // It restarted since we last heard: whatever it led, it led in a past life.
      if (!l.fenced) this.fence(from);
      l.incarnation = incarnation;
    }
    if (l.fenced) return this.unfence(from);
    // A state it never received (a lost message) is sent again: brokers catch up on every change, as KRaft brokers do by fetching the metadata log.
    // Every heartbeat asks; the list is built only when the broker missed something.
    let current = 0;
    for (const s of this.table.values()) if (s.replicas.includes(from)) current += s.partitionEpoch;
    if (current === known) return;
    const mine: PartitionState[] = [];
    for (const s of this.table.values()) if (s.replicas.includes(from)) mine.push(s);
    this.ctx.send(from, { type: 'leader-and-isr', partitions: mine });
  }

  private fence(broker: NodeId): void {
    this.brokers.get(broker)!.fenced = true;
    for (const s of this.table.values()) {
      if (!s.replicas.includes(broker)) continue;
      const others = s.isr.filter((b) => b !== broker);
      const live = others.filter((b) => this.alive(b));
      if (s.leader === broker) {
        if (live.length > 0) this.update(s, { leader: live[0]!, leaderEpoch: s.leaderEpoch + 1, isr: others });
        else {
          this.update(s, { leader: -1, leaderEpoch: s.leaderEpoch + 1, isr: s.isr });
          this.ctx.note(() => `${s.tp} has no live in-sync replica: it is offline until one returns`, 'warn');
        }
      } else if (s.isr.includes(broker) && others.length > 0) this.update(s, { leader: s.leader, leaderEpoch: s.leaderEpoch, isr: others });
    }
  }

  private unfence(broker: NodeId): void {
    this.brokers.get(broker)!.fenced = false;
    const mine: PartitionState[] = [];
    for (const s of this.table.values()) {
      if (!s.replicas.includes(broker)) continue;
      // An offline partition whose last in-sync replica returns gets it back as leader.
      if (s.leader < 0 && s.isr.includes(broker)) this.update(s, { leader: broker, leaderEpoch: s.leaderEpoch + 1, isr: s.isr });
      mine.push(this.table.get(s.tp)!);
    }
    this.ctx.note(() => `controller sees ${this.ctx.nameOf(broker)} alive again and tells it the state of its ${mine.length} partition(s)`);
    this.ctx.send(broker, { type: 'leader-and-isr', partitions: mine });
  }

  private onAlterIsr(from: NodeId, m: Msg<'alter-isr'>): void {
    const s = this.table.get(m.tp);
    if (s === undefined) return;
    const current = s.leader === from && s.leaderEpoch === m.leaderEpoch && s.partitionEpoch === m.partitionEpoch;
    const isr = m.isr.filter((b) => b === from || this.alive(b));
    if (current && isr.includes(from)) this.update(s, { leader: s.leader, leaderEpoch: s.leaderEpoch, isr }, false);
    this.ctx.send(from, { type: 'alter-isr-response', tp: m.tp, state: this.table.get(m.tp)! });
  }

  /** Writes a new state for a partition, forces it, and tells its live replicas (unless only the proposer needs the answer). */
  private update(s: PartitionState, change: Pick<PartitionState, 'leader' | 'leaderEpoch' | 'isr'>, broadcast = true): void {
    const next: PartitionState = { ...s, leader: change.leader, leaderEpoch: change.leaderEpoch, isr: change.isr, partitionEpoch: s.partitionEpoch + 1 };
    this.table.set(s.tp, next);
    this.ctx.disk.force();
    if (next.leader !== s.leader && next.leader >= 0) {
      this.ctx.note(() => `controller elects ${this.ctx.nameOf(next.leader)} leader of ${s.tp} (epoch ${next.leaderEpoch})`, 'key');
    }
    if (!broadcast) return;
    for (const b of next.replicas) if (this.alive(b)) this.ctx.send(b, { type: 'leader-and-isr', partitions: [next] });
  }

  private alive(broker: NodeId): boolean {
    const l = this.brokers.get(broker);
    return l !== undefined && !l.fenced;
  }
}
