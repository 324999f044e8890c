/**
 * ReplicaManager: a broker's data plane — the partition replicas it holds, as leader or as
 * follower.
 *
 * As leader it appends producers' batches (idempotence and fencing in the log), answers
 * consumers' fetches below the high watermark (or the last stable offset for read-committed)
 * with a long poll, and serves followers' replica fetches. A follower's fetch offset tells the
 * leader how far it has copied; the HW is the lowest log end among the in-sync replicas (ISR),
 * and an acks=all write is answered only once the HW has passed it — so every acknowledged
 * acks=all record is on every in-sync replica, and a clean failover keeps it. An acks=1
 * write is answered at once: if the leader dies before a follower copied it, the new leader
 * never had it and the old one truncates it away when it comes back (KIP-101/320: the
 * follower's fetch names its last epoch, the leader answers where that epoch ended).
 *
 * ISR changes are proposed to the controller and take effect once it confirms; until then
 * the HW counts the larger of the two sets (KIP-497), so a shrink never lets the HW run
 * ahead of a replica the controller may still elect.
 *
 * Flush policy: a replica forces what it appended before anyone can count on it — a leader
 * before it answers the producer (or a marker's writer), a follower before its next fetch,
 * which is what tells the leader how far it has copied (Kafka with
 * `log.flush.interval.messages=1`). So an acknowledged record is on the disk of every
 * in-sync replica, and a crash, even of every broker at once, loses only what nobody was
 * told about.
 */
import { assert, type DurableMap, type DurableStore, type NodeId, type TimerId } from '../../../engine/index.ts';
import type { Cluster } from './cluster-layout.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { LogMessage, Msg, PartitionState, ProduceError, ProduceResult, RequestIds } from './log-protocol.ts';
import { type Isolation, PartitionLog, parseTp, type Tp, tpOf } from './partition-log.ts';
import { requestIds } from './rpc.ts';

const TOPIC_PARTITIONS = 'topic-partitions';

type Role = 'leader' | 'follower' | 'offline';

interface Follower {
  leo: number;
  caughtUpMs: number;
  lastFetchMs: number;
  leoAtLastFetch: number;
}

interface PendingProduce {
  from: NodeId;
  id: number;
  results: ProduceResult[];
  /** Partitions whose HW has not yet passed the write: tp -> last offset written. */
  waiting: Map<Tp, number>;
}

/** A transaction marker waiting for the HW to pass it. */
interface ParkedWrite {
  from: NodeId;
  id: number;
  lastOffset: number;
  reply: LogMessage;
}

interface ParkedFetch {
  from: NodeId;
  id: number;
  offset: number;
  /** Answer once this many records are visible past `offset` (or the wait ends). */
  minRecords: number;
  maxRecords: number;
  /** null: a follower's replica fetch. */
  isolation: Isolation | null;
  timer: TimerId;
}

interface Replica {
  tp: Tp;
  log: PartitionLog;
  replicas: NodeId[];
  role: Role;
  leader: NodeId;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: NodeId[];
  /** An ISR change sent to the controller and not yet confirmed. */
  proposedIsr: NodeId[] | null;
  proposedAtMs: number;
  followers: Map<NodeId, Follower>;
  parkedWrites: ParkedWrite[];
  parkedFetches: ParkedFetch[];
  /** The follower's replica fetch in flight, -1 for none, and its timeout. */
  fetchId: number;
  fetchTimer: TimerId;
}

export type ReplicaTimer =
  | { owner: 'replicas'; kind: 'fetch-wait'; tp: Tp; id: number }
  | { owner: 'replicas'; kind: 'replica-fetch-timeout'; tp: Tp; id: number }
  | { owner: 'replicas'; kind: 'replica-fetch-retry'; tp: Tp }
  | { owner: 'replicas'; kind: 'isr-check' };

const REPLICA_FETCH_MAX_RECORDS = 500;

export interface ReplicaManagerEvents {
  /** A topic gained partitions (static clusters only): the group coordinator rebalances. */
  onPartitionsCreated?(topic: string, count: number): void;
}

export class ReplicaManager {
  private readonly replicas = new Map<Tp, Replica>();
  private pendingProduces: PendingProduce[] = [];
  private readonly ids: RequestIds;
  /** Partition counts, on disk: a topic may grow (create-partitions). */
  private readonly topicCounts: DurableMap<number>;

  constructor(
    private readonly ctx: LogContext,
    private readonly cluster: Cluster,
    private readonly events: ReplicaManagerEvents = {},
  ) {
    this.ids = requestIds(ctx);
    const layout = cluster.layout;
    this.topicCounts = ctx.disk.map<number>(TOPIC_PARTITIONS);
    if (this.topicCounts.size === 0) {
      for (const t of layout.topics) this.topicCounts.set(t.topic, t.partitions);
      ctx.disk.force();
    }
    const dynamic = cluster.controller !== null;
    for (const [topic, count] of this.topicCounts) {
      for (let p = 0; p < count; p++) {
        const replicas = cluster.replicasOf(topic, p);
        if (!replicas.includes(ctx.self)) continue;
        assert(dynamic || replicas.length === 1, 'a cluster without a controller has one replica per partition');
        // Leadership at first start is the layout's; after a restart the controller says who leads.
        const known = !dynamic || ctx.incarnation === 0;
        this.add(tpOf(topic, p), replicas, known ? replicas[0]! : -1, replicas);
      }
    }
    if (dynamic) ctx.setTimer(layout.timings.replicaLagMaxMs / 2, { owner: 'replicas', kind: 'isr-check' });
  }

  /** A topic's partition count as a broker's disk holds it (for auditors: a topic may have grown). */
  static partitionCount(disk: DurableStore, topic: string): number {
    return disk.holds(TOPIC_PARTITIONS) ? (disk.map<number>(TOPIC_PARTITIONS).get(topic) ?? 0) : 0;
  }

  /** The partitions this broker leads (for metadata from a static broker). */
  leaders(): { tp: Tp; leader: NodeId }[] {
    // Loops, not spreads of iterators: a static broker answers every metadata request with these.
    const out: { tp: Tp; leader: NodeId }[] = [];
    for (const r of this.replicas.values()) if (r.role === 'leader') out.push({ tp: r.tp, leader: this.ctx.self });
    return out;
  }

  /** The sum of the partition epochs this broker has applied (its heartbeat tells the controller, which re-sends what it missed). */
  partitionEpochSum(): number {
    let sum = 0;
    for (const r of this.replicas.values()) sum += r.partitionEpoch;
    return sum;
  }

  topics(): { topic: string; partitions: number }[] {
    const out: { topic: string; partitions: number }[] = [];
    for (const [topic, partitions] of this.topicCounts) out.push({ topic, partitions });
    return out;
  }

  partitionCount(topic: string): number {
    return this.topicCounts.get(topic) ?? 0;
  }

  onMessage(from: NodeId, m: LogMessage): boolean {
    switch (m.type) {
      case 'produce':
        this.onProduce(from, m);
        return true;
      case 'fetch':
        this.onFetch(from, m);
        return true;
      case 'replica-fetch':
        this.onReplicaFetch(from, m);
        return true;
      case 'replica-fetch-response':
        this.onReplicaFetchResponse(m);
        return true;
      case 'write-marker':
        this.onWriteMarker(from, m);
        return true;
      case 'leader-and-isr':
        for (const s of m.partitions) this.applyState(s);
        return true;
      case 'alter-isr-response':
        this.applyState(m.state);
        return true;
      case 'create-partitions':
        this.onCreatePartitions(m.topic, m.count);
        return true;
      case 'list-offsets':
        this.ctx.send(from, {
          type: 'list-offsets-response',
          id: m.id,
          offsets: m.tps.map((tp) => {
            const r = this.replicas.get(tp);
            return { tp, logEndOffset: r !== undefined && r.role === 'leader' ? r.log.highWatermark : -1 };
          }),
        });
        return true;
      default:
        return false;
    }
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'replicas') return false;
    if (t.kind === 'isr-check') {
      for (const r of this.replicas.values()) if (r.role === 'leader') this.checkIsr(r);
      this.ctx.setTimer(this.cluster.layout.timings.replicaLagMaxMs / 2, t);
      return true;
    }
    const r = this.replicas.get(t.tp);
    if (r === undefined) return true;
    if (t.kind === 'fetch-wait') this.expireFetch(r, t.id);
    else if (t.kind === 'replica-fetch-timeout') {
      if (t.id === r.fetchId) this.sendReplicaFetch(r);
    } else if (r.role === 'follower' && r.fetchId < 0) this.sendReplicaFetch(r);
    return true;
  }

  // ------------------------------------------------------------------ leader: writes

  private onProduce(from: NodeId, m: Msg<'produce'>): void {
    const results: ProduceResult[] = [];
    // Only acks=all waits for the HW (and writes here): other writes share one empty map.
    const waiting = m.acks === 'all' ? new Map<Tp, number>() : NO_WAITING;
    let appended = false;
    for (const b of m.batches) {
      const r = this.replicas.get(b.tp);
      if (r === undefined || r.role !== 'leader') {
        results.push(failed(b.tp, 'not-leader'));
        continue;
      }
      if (m.acks === 'all' && r.isr.length < this.cluster.layout.minInsyncReplicas) {
        results.push(failed(b.tp, 'not-enough-replicas'));
        continue;
      }
      const res = r.log.appendAsLeader(b.records, m.producerId, m.producerEpoch, b.baseSeq, b.txnNo, r.leaderEpoch, this.ctx.now);
      if (!res.ok) {
        results.push(failed(b.tp, res.error));
        continue;
      }
      if (res.duplicate)
        this.ctx.note(
          () => `${this.ctx.name} recognises a retried batch on ${b.tp} (producer ${m.producerId}, sequence ${b.baseSeq}) and does not write it again`,
        );
      results.push({ tp: b.tp, baseOffset: res.baseOffset, error: null });
      if (!res.duplicate) appended = true;
      if (m.acks === 'all' && r.log.highWatermark <= res.lastOffset) waiting.set(b.tp, res.lastOffset);
    }
    // The flush policy: what was appended is forced before anyone hears of it.
    if (appended) this.ctx.disk.force();
    if (m.acks === 0) {
      for (const b of m.batches) this.appendedTo(b.tp);
      return;
    }
    if (waiting.size > 0) this.pendingProduces.push({ from, id: m.id, results, waiting });
    else this.ctx.send(from, { type: 'produce-response', id: m.id, results });
    for (const b of m.batches) this.appendedTo(b.tp);
  }

  private appendedTo(tp: Tp): void {
    const r = this.replicas.get(tp);
    if (r !== undefined && r.role === 'leader') this.appended(r);
  }

  /** Answers acks=all produce requests once every partition they wrote to has its HW past the write (or lost its leadership). */
  private settleProduces(r: Replica, lostLeadership: boolean): void {
    if (this.pendingProduces.length === 0) return;
    let done: PendingProduce[] | null = null;
    for (const p of this.pendingProduces) {
      const last = p.waiting.get(r.tp);
      if (last === undefined) continue;
      if (lostLeadership) {
        const result = p.results.find((x) => x.tp === r.tp)!;
        result.baseOffset = -1;
        result.error = 'not-leader';
      } else if (last >= r.log.highWatermark) continue;
      p.waiting.delete(r.tp);
      if (p.waiting.size === 0) (done ??= []).push(p);
    }
    if (done === null) return;
    const finished = done;
    this.pendingProduces = this.pendingProduces.filter((p) => !finished.includes(p));
    for (const p of finished) this.ctx.send(p.from, { type: 'produce-response', id: p.id, results: p.results });
  }

  private onWriteMarker(from: NodeId, m: Msg<'write-marker'>): void {
    const r = this.replicas.get(m.tp);
    const reply: LogMessage = { type: 'write-marker-response', id: m.id, tp: m.tp, error: null };
    if (r === undefined || r.role !== 'leader') {
      this.ctx.send(from, { ...reply, error: 'not-leader' });
      return;
    }
    const marker = r.log.appendMarker(m.producerId, m.producerEpoch, m.txnNo, m.commit, r.leaderEpoch, this.ctx.now);
    if (marker === null || marker === 'fenced') {
      this.ctx.send(from, reply);
      return;
    }
    if (marker.appended) {
      this.ctx.disk.force();
      this.appended(r);
    }
    // Done once committed — also for a retried marker whose first copy is not yet replicated.
    if (r.log.highWatermark > marker.offset) this.ctx.send(from, reply);
    else r.parkedWrites.push({ from, id: m.id, lastOffset: marker.offset, reply });
  }

  /** New records on a leader: followers waiting for them hear at once; the HW may move. */
  private appended(r: Replica): void {
    if (r.parkedFetches.some(isReplicaFetch)) {
      const waiting = r.parkedFetches.filter(isReplicaFetch);
      r.parkedFetches = r.parkedFetches.filter((f) => f.isolation !== null);
      for (const f of waiting) {
        this.ctx.cancelTimer(f.timer);
        this.answerReplicaFetch(r, f.from, f.id, f.offset);
      }
    }
    this.advanceHw(r);
  }

  /** HW = the lowest log end among the in-sync replicas (the larger set while a change is pending). */
  private advanceHw(r: Replica): void {
    if (r.role !== 'leader') return;
    let hw = r.log.logEndOffset;
    const self = this.ctx.self;
    const isr = this.maximalIsr(r);
    for (let i = 0; i < isr.length; i++) {
      const b = isr[i]!;
      if (b !== self) hw = Math.min(hw, r.followers.get(b)?.leo ?? 0);
    }
    if (!r.log.advanceHighWatermark(hw)) return;
    this.settleProduces(r, false);
    if (r.parkedWrites.length > 0) {
      const done = r.parkedWrites.filter((w) => w.lastOffset < r.log.highWatermark);
      if (done.length > 0) {
        r.parkedWrites = r.parkedWrites.filter((w) => w.lastOffset >= r.log.highWatermark);
        for (const w of done) this.ctx.send(w.from, w.reply);
      }
    }
    if (r.parkedFetches.length === 0) return;
    // Most parked fetches are followers' (answered by appended), or wait for more records: look before allocating.
    let ready: ParkedFetch[] | null = null;
    let waiting: ParkedFetch[] | null = null;
    const parked = r.parkedFetches;
    for (let i = 0; i < parked.length; i++) {
      const f = parked[i]!;
      if (f.isolation !== null && this.visibleEnd(r, f.isolation) - f.offset >= f.minRecords) {
        ready ??= [];
        ready.push(f);
        waiting ??= parked.slice(0, i);
      } else waiting?.push(f);
    }
    if (ready === null) return;
    r.parkedFetches = waiting!;
    for (const f of ready) {
      this.ctx.cancelTimer(f.timer);
      this.answerFetch(r, f.from, f.id, f.offset, f.maxRecords, f.isolation!);
    }
  }

  private maximalIsr(r: Replica): NodeId[] {
    if (r.proposedIsr === null) return r.isr;
    return [...r.isr, ...r.proposedIsr.filter((b) => !r.isr.includes(b))];
  }

  // ------------------------------------------------------------------ leader: reads

  private visibleEnd(r: Replica, isolation: Isolation): number {
    return isolation === 'read-committed' ? r.log.lastStableOffset : r.log.highWatermark;
  }

  /** An empty fetch response with an error (built field by field: no spread on the fetch path). */
  private refuseFetch(to: NodeId, id: number, tp: Tp, offset: number, logEndOffset: number, error: 'not-leader' | 'offset-out-of-range'): void {
    this.ctx.send(to, { type: 'fetch-response', id, tp, offset, records: [], nextOffset: offset, logEndOffset, error });
  }

  private onFetch(from: NodeId, m: Msg<'fetch'>): void {
    const r = this.replicas.get(m.tp);
    if (r === undefined || r.role !== 'leader') {
      this.refuseFetch(from, m.id, m.tp, m.offset, -1, 'not-leader');
      return;
    }
    if (m.offset > r.log.logEndOffset) {
      this.refuseFetch(from, m.id, m.tp, m.offset, r.log.logEndOffset, 'offset-out-of-range');
      return;
    }
    if (this.visibleEnd(r, m.isolation) - m.offset >= Math.max(1, m.minRecords) || m.maxWaitMs <= 0) {
      this.answerFetch(r, from, m.id, m.offset, m.maxRecords, m.isolation);
      return;
    }
    this.park(r, from, m.id, m.offset, Math.max(1, m.minRecords), m.maxRecords, m.isolation, m.maxWaitMs);
  }

  private answerFetch(r: Replica, to: NodeId, id: number, offset: number, maxRecords: number, isolation: Isolation): void {
    const { records, nextOffset } = r.log.read(offset, this.visibleEnd(r, isolation), maxRecords, isolation);
    this.ctx.send(to, { type: 'fetch-response', id, tp: r.tp, offset, records, nextOffset, logEndOffset: r.log.logEndOffset, error: null });
  }

  private park(
    r: Replica,
    from: NodeId,
    id: number,
    offset: number,
    minRecords: number,
    maxRecords: number,
    isolation: Isolation | null,
    waitMs: number,
  ): void {
    const timer = this.ctx.setTimer(waitMs, { owner: 'replicas', kind: 'fetch-wait', tp: r.tp, id });
    r.parkedFetches.push({ from, id, offset, minRecords, maxRecords, isolation, timer });
  }

  private expireFetch(r: Replica, id: number): void {
    const f = r.parkedFetches.find((x) => x.id === id);
    if (f === undefined) return;
    r.parkedFetches = r.parkedFetches.filter((x) => x !== f);
    if (f.isolation === null) {
      // It waited at the log end all along: caught up until now.
      const follower = r.followers.get(f.from);
      if (follower !== undefined && f.offset >= r.log.logEndOffset) follower.caughtUpMs = this.ctx.now;
      this.answerReplicaFetch(r, f.from, f.id, f.offset);
    } else this.answerFetch(r, f.from, f.id, f.offset, f.maxRecords, f.isolation);
  }

  // ------------------------------------------------------------------ leader: replication

  private onReplicaFetch(from: NodeId, m: Msg<'replica-fetch'>): void {
    const r = this.replicas.get(m.tp);
    if (r === undefined || r.role !== 'leader' || m.leaderEpoch !== r.leaderEpoch) {
      this.ctx.send(from, {
        type: 'replica-fetch-response',
        id: m.id,
        tp: m.tp,
        records: [],
        hw: r?.log.highWatermark ?? 0,
        truncateTo: null,
        error: 'not-leader',
      });
      return;
    }
    // Where the follower's last epoch ended here; past that its log diverged from ours.
    const end = m.lastEpoch < 0 ? 0 : r.log.endOffsetForEpoch(m.lastEpoch);
    if (m.offset > end) {
      this.ctx.send(from, { type: 'replica-fetch-response', id: m.id, tp: m.tp, records: [], hw: r.log.highWatermark, truncateTo: end, error: null });
      return;
    }
    const now = this.ctx.now;
    let f = r.followers.get(from);
    if (f === undefined) {
      f = { leo: 0, caughtUpMs: now, lastFetchMs: now, leoAtLastFetch: 0 };
      r.followers.set(from, f);
    }
    // Kafka's rule: a follower that has fetched up to the leader's log end as of its previous
    // fetch was caught up at that time.
    if (m.offset >= f.leoAtLastFetch) f.caughtUpMs = Math.max(f.caughtUpMs, f.lastFetchMs);
    if (m.offset >= r.log.logEndOffset) f.caughtUpMs = now;
    f.leo = m.offset;
    f.lastFetchMs = now;
    f.leoAtLastFetch = r.log.logEndOffset;
    if (!r.isr.includes(from) && m.offset >= r.log.highWatermark) this.proposeIsr(r, [...r.isr, from]);
    this.advanceHw(r);
    if (m.offset < r.log.logEndOffset) this.answerReplicaFetch(r, from, m.id, m.offset);
    else this.park(r, from, m.id, m.offset, 1, 0, null, this.cluster.layout.timings.replicaFetchWaitMs);
  }

  private answerReplicaFetch(r: Replica, to: NodeId, id: number, offset: number): void {
    this.ctx.send(to, {
      type: 'replica-fetch-response',
      id,
      tp: r.tp,
      records: r.log.slice(offset, REPLICA_FETCH_MAX_RECORDS),
      hw: r.log.highWatermark,
      truncateTo: null,
      error: null,
    });
  }

  /** Followers that have not caught up within replicaLagMaxMs leave the ISR. */
  private checkIsr(r: Replica): void {
    const now = this.ctx.now;
    if (r.proposedIsr !== null) {
      if (now - r.proposedAtMs > 4 * this.cluster.layout.timings.brokerHeartbeatMs) this.sendProposal(r);
      return;
    }
    const lagMs = this.cluster.layout.timings.replicaLagMaxMs;
    // A follower whose fetch waits here at the log end is caught up right now.
    const waitingAtEnd = (b: NodeId): boolean => r.parkedFetches.some((f) => f.isolation === null && f.from === b && f.offset >= r.log.logEndOffset);
    const lags = (b: NodeId): boolean => b !== this.ctx.self && now - (r.followers.get(b)?.caughtUpMs ?? 0) > lagMs && !waitingAtEnd(b);
    // Every isr-check of every leader asks; almost always nobody lags, and then nothing is allocated.
    if (!r.isr.some(lags)) return;
    const lagging = r.isr.filter(lags);
    this.ctx.note(
      () => `${this.ctx.name} drops ${lagging.map((b) => this.ctx.nameOf(b)).join(', ')} from the in-sync replicas of ${r.tp}: no catch-up for ${lagMs} ms`,
    );
    this.proposeIsr(
      r,
      r.isr.filter((b) => !lagging.includes(b)),
    );
  }

  private proposeIsr(r: Replica, isr: NodeId[]): void {
    if (this.cluster.controller === null || r.proposedIsr !== null) return;
    r.proposedIsr = isr;
    this.sendProposal(r);
  }

  private sendProposal(r: Replica): void {
    r.proposedAtMs = this.ctx.now;
    this.ctx.send(this.cluster.controller!, { type: 'alter-isr', tp: r.tp, leaderEpoch: r.leaderEpoch, partitionEpoch: r.partitionEpoch, isr: r.proposedIsr! });
  }

  // ------------------------------------------------------------------ follower

  private sendReplicaFetch(r: Replica): void {
    const id = this.ids.take();
    r.fetchId = id;
    this.ctx.send(r.leader, { type: 'replica-fetch', id, tp: r.tp, offset: r.log.logEndOffset, lastEpoch: r.log.latestEpoch, leaderEpoch: r.leaderEpoch });
    r.fetchTimer = this.ctx.setTimer(this.cluster.layout.timings.replicaFetchWaitMs + 100, {
      owner: 'replicas',
      kind: 'replica-fetch-timeout',
      tp: r.tp,
      id,
    });
  }

  private onReplicaFetchResponse(m: Msg<'replica-fetch-response'>): void {
    const r = this.replicas.get(m.tp);
    if (r === undefined || r.role !== 'follower' || m.id !== r.fetchId) return;
    r.fetchId = -1;
    this.ctx.cancelTimer(r.fetchTimer);
    if (m.error !== null) {
      this.ctx.setTimer(20, { owner: 'replicas', kind: 'replica-fetch-retry', tp: r.tp });
      return;
    }
    if (m.truncateTo !== null) {
      const from = r.log.logEndOffset;
      const dropped = r.log.truncateTo(Math.min(m.truncateTo, from));
      if (dropped > 0) {
        this.ctx.note(
          () =>
            `${this.ctx.name} finds its log of ${r.tp} diverged from the new leader ${this.ctx.nameOf(r.leader)}: it truncates ${dropped} record(s) at offsets ${m.truncateTo}-${from - 1} that the new leader never had`,
          'key',
        );
      }
    } else if (m.records.length > 0 && m.records[0]!.offset === r.log.logEndOffset) {
      r.log.appendReplicated(m.records);
    }
    // The flush policy: what was copied is forced before the next fetch tells the leader it is here.
    if (this.ctx.disk.unforced > 0) this.ctx.disk.force();
    r.log.advanceHighWatermark(m.hw);
    this.sendReplicaFetch(r);
  }

  // ------------------------------------------------------------------ roles

  private add(tp: Tp, replicas: NodeId[], leader: NodeId, isr: NodeId[]): Replica {
    const r: Replica = {
      tp,
      log: PartitionLog.open(this.ctx.disk, tp),
      replicas,
      role: 'offline',
      leader: -1,
      leaderEpoch: -1,
      partitionEpoch: -1,
      isr,
      proposedIsr: null,
      proposedAtMs: 0,
      followers: new Map(),
      parkedWrites: [],
      parkedFetches: [],
      fetchId: -1,
      fetchTimer: -1,
    };
    this.replicas.set(tp, r);
    if (leader === this.ctx.self) this.becomeLeader(r, 0);
    else if (leader >= 0) this.becomeFollower(r, leader, 0);
    if (leader >= 0) r.partitionEpoch = 0;
    return r;
  }

  /** A partition state from the controller (a failover, or an ISR change). Older states are ignored. */
  private applyState(s: PartitionState): void {
    const r = this.replicas.get(s.tp);
    if (r === undefined || s.partitionEpoch <= r.partitionEpoch) {
      if (r !== undefined && r.proposedIsr !== null && s.partitionEpoch === r.partitionEpoch) r.proposedIsr = null;
      return;
    }
    r.partitionEpoch = s.partitionEpoch;
    r.isr = s.isr;
    r.proposedIsr = null;
    if (s.leader === this.ctx.self) {
      if (r.role !== 'leader' || r.leaderEpoch !== s.leaderEpoch) this.becomeLeader(r, s.leaderEpoch);
      else this.advanceHw(r);
    } else if (s.leader >= 0) {
      if (r.role !== 'follower' || r.leader !== s.leader || r.leaderEpoch !== s.leaderEpoch) this.becomeFollower(r, s.leader, s.leaderEpoch);
    } else this.becomeOffline(r);
  }

  private becomeLeader(r: Replica, epoch: number): void {
    const was = r.role;
    this.dropParked(r);
    r.role = 'leader';
    r.leader = this.ctx.self;
    r.leaderEpoch = epoch;
    r.fetchId = -1;
    r.log.beginEpoch(epoch);
    r.followers = new Map();
    const now = this.ctx.now;
    for (const b of r.replicas) if (b !== this.ctx.self) r.followers.set(b, { leo: 0, caughtUpMs: now, lastFetchMs: now, leoAtLastFetch: 0 });
    if (epoch > 0 || was !== 'offline') {
      this.ctx.state('leader', r.tp);
      this.ctx.note(
        () =>
          `${this.ctx.name} becomes leader of ${r.tp} in epoch ${epoch} with ${r.log.logEndOffset} record(s); in sync: ${r.isr.map((b) => this.ctx.nameOf(b)).join(', ')}`,
        'key',
      );
    }
    this.advanceHw(r);
  }

  private becomeFollower(r: Replica, leader: NodeId, epoch: number): void {
    this.dropParked(r);
    r.role = 'follower';
    r.leader = leader;
    r.leaderEpoch = epoch;
    if (epoch > 0) this.ctx.state('follower', r.tp);
    this.sendReplicaFetch(r);
  }

  private becomeOffline(r: Replica): void {
    this.dropParked(r);
    r.role = 'offline';
    r.leader = -1;
    r.fetchId = -1;
  }

  /** A replica that stops leading answers everyone waiting on it: "not leader, ask again". */
  private dropParked(r: Replica): void {
    this.settleProduces(r, true);
    for (const w of r.parkedWrites) {
      if (w.reply.type === 'write-marker-response') this.ctx.send(w.from, { ...w.reply, error: 'not-leader' });
    }
    for (const f of r.parkedFetches) {
      this.ctx.cancelTimer(f.timer);
      if (f.isolation === null) continue;
      this.refuseFetch(f.from, f.id, r.tp, f.offset, -1, 'not-leader');
    }
    r.parkedWrites = [];
    r.parkedFetches = [];
  }

  private onCreatePartitions(topic: string, count: number): void {
    assert(this.cluster.controller === null, 'partitions are added only to a static cluster');
    const before = this.topicCounts.get(topic) ?? 0;
    if (count <= before) return;
    this.topicCounts.set(topic, count);
    this.ctx.disk.force();
    for (let p = before; p < count; p++) this.add(tpOf(topic, p), [this.ctx.self], this.ctx.self, [this.ctx.self]);
    this.ctx.note(() => `${this.ctx.name} grows topic ${topic} from ${before} to ${count} partitions`, 'key');
    this.events.onPartitionsCreated?.(topic, count);
  }
}

export { parseTp };

/** The HW-waits of a write that waits for none (acks 0 or 1): never written to. */
const NO_WAITING = new Map<Tp, number>();

/** A follower's replica fetch waiting at the log end (a consumer's fetch has an isolation level). */
function isReplicaFetch(f: ParkedFetch): boolean {
  return f.isolation === null;
}

/** A batch's result when the write was refused. */
function failed(tp: Tp, error: ProduceError): ProduceResult {
  return { tp, baseOffset: -1, error };
}
