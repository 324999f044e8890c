/**
 * TransactionCoordinator: producer ids, and the two-phase commit behind Kafka transactions.
 *
 * A transactional producer registers its transactional id (init-producer-id): the
 * coordinator bumps the id's producer epoch, which fences any older incarnation of that
 * producer, and first aborts (or finishes) a transaction the old incarnation left open. A
 * transaction starts when the producer adds its first partition or consumer-group offsets;
 * ending it first records the decision (prepare-commit / prepare-abort) on the coordinator's
 * disk — the commit point — then writes a marker to every partition the transaction touched
 * and turns the group's pending offsets into committed ones (or drops them). Markers are
 * re-sent until each partition's current leader acknowledges them, also after a coordinator
 * restart, so a decided transaction always completes. A transaction left open longer than
 * its timeout is aborted with a bumped epoch, so its producer, if it is only stalled, is
 * fenced when it comes back.
 *
 * Transactions of one id are numbered; records and markers carry the number, so a late
 * duplicate marker never closes the next transaction.
 *
 * The transaction log is on the coordinator's disk and each record is forced before the
 * coordinator answers or acts on it (Kafka writes it to the replicated __transaction_state
 * topic with acks=all): a new producer epoch, the partitions a transaction spans (else a
 * restarted coordinator would not know where to send markers), the decision. Records are
 * values, replaced whole, so a crash never leaves one half-changed.
 */
import type { DurableMap, NodeId, TimerId } from '../../../engine/index.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { LogMessage, Msg, RequestIds } from './log-protocol.ts';
import type { Tp } from './partition-log.ts';
import { requestIds } from './rpc.ts';

type TxnState = 'empty' | 'ongoing' | 'prepare-commit' | 'prepare-abort' | 'complete-commit' | 'complete-abort';

interface TxnRecord {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly txnNo: number;
  readonly state: TxnState;
  readonly tps: readonly Tp[];
  readonly groups: readonly string[];
  readonly startedMs: number;
  readonly timeoutMs: number;
}

interface Waiter {
  from: NodeId;
  id: number;
}

export type TxnTimer =
  | { owner: 'txn'; kind: 'timeout'; transactionalId: string; txnNo: number }
  | { owner: 'txn'; kind: 'marker-retry'; transactionalId: string; txnNo: number };

export interface TransactionCoordinatorOptions {
  /** The current leader of a partition, as this broker knows it. */
  leaderOf(tp: Tp): NodeId;
  groups: GroupCoordinator;
  markerRetryMs: number;
}

const RECORDS = 'txn:records';
const NEXT_PRODUCER_ID = 'txn:next-producer-id';
const ACKED = 'txn:acked-markers';

export class TransactionCoordinator {
  private readonly records: DurableMap<TxnRecord>;
  /** Partitions whose marker of the current transaction is acknowledged, per transactional id (losing it only re-sends markers). */
  private readonly acked: DurableMap<readonly Tp[]>;
  /** Markers not yet acknowledged: request id -> partition, per transactional id. */
  private readonly markers = new Map<string, Map<Tp, number>>();
  /** The pending timeout or marker-retry timer of each transactional id, cancelled once it has nothing to do. */
  private readonly timers = new Map<string, TimerId>();
  private readonly endWaiters = new Map<string, Waiter[]>();
  private readonly initWaiters = new Map<string, Waiter[]>();
  private readonly ids: RequestIds;

  constructor(
    private readonly ctx: LogContext,
    private readonly options: TransactionCoordinatorOptions,
  ) {
    this.records = ctx.disk.map(RECORDS);
    this.acked = ctx.disk.map(ACKED);
    this.ids = requestIds(ctx);
    if (ctx.incarnation > 0) this.recover();
  }

  /** Sets the one timer a transactional id needs next (a timeout while open, a marker retry once decided), replacing the last. */
  private arm(transactionalId: string, delayMs: number, timer: TxnTimer): void {
    const before = this.timers.get(transactionalId);
    if (before !== undefined) this.ctx.cancelTimer(before);
    this.timers.set(transactionalId, this.ctx.setTimer(delayMs, timer));
  }

  /** Replaces a transactional id's record: the one way the transaction log changes. */
  private write(r: TxnRecord, change: Partial<TxnRecord>): TxnRecord {
    // Field by field (a spread of changes of every shape is the slow path), in the record's own order.
    const next: TxnRecord = {
      transactionalId: r.transactionalId,
      producerId: change.producerId ?? r.producerId,
      producerEpoch: change.producerEpoch ?? r.producerEpoch,
      txnNo: change.txnNo ?? r.txnNo,
      state: change.state ?? r.state,
      tps: change.tps ?? r.tps,
      groups: change.groups ?? r.groups,
      startedMs: change.startedMs ?? r.startedMs,
      timeoutMs: change.timeoutMs ?? r.timeoutMs,
    };
    this.records.set(r.transactionalId, next);
    return next;
  }

  /** The epoch of a transactional producer id (null when it is not transactional). */
  producerEpochOf(producerId: number): number | null {
    for (const r of this.records.values()) if (r.producerId === producerId) return r.producerEpoch;
    return null;
  }

  onMessage(from: NodeId, m: LogMessage): boolean {
    switch (m.type) {
      case 'init-producer-id':
        this.onInit(from, m);
        return true;
      case 'add-partitions':
      case 'add-offsets':
        this.ctx.send(from, this.onAdd(m));
        return true;
      case 'end-txn':
        this.onEnd(from, m);
        return true;
      case 'write-marker-response':
        this.onMarkerAck(m);
        return true;
      default:
        return false;
    }
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'txn') return false;
    const r = this.records.get(t.transactionalId);
    if (r === undefined || r.txnNo !== t.txnNo) return true;
    if (t.kind === 'timeout' && r.state === 'ongoing') {
      this.ctx.note(
        () => `transaction ${r.txnNo} of ${r.transactionalId} has been open for ${r.timeoutMs} ms: the coordinator aborts it and fences the producer`,
        'key',
      );
      this.decide(this.write(r, { producerEpoch: r.producerEpoch + 1 }), false);
    } else if (t.kind === 'marker-retry' && (r.state === 'prepare-commit' || r.state === 'prepare-abort')) this.sendMarkers(r);
    return true;
  }

  /** A fresh producer id (written, not forced: the caller forces it with what it answers). */
  private nextProducerId(): number {
    const id = this.ctx.disk.get<number>(NEXT_PRODUCER_ID) ?? 1000;
    this.ctx.disk.set(NEXT_PRODUCER_ID, id + 1);
    return id;
  }

  private onInit(from: NodeId, m: Msg<'init-producer-id'>): void {
    if (m.transactionalId === null) {
      const producerId = this.nextProducerId();
      this.ctx.disk.force();
      this.ctx.send(from, { type: 'init-producer-id-response', id: m.id, producerId, producerEpoch: 0 });
      return;
    }
    let r: TxnRecord = this.records.get(m.transactionalId) ?? {
      transactionalId: m.transactionalId,
      producerId: this.nextProducerId(),
      producerEpoch: -1,
      txnNo: 0,
      state: 'empty',
      tps: [],
      groups: [],
      startedMs: 0,
      timeoutMs: m.timeoutMs,
    };
    r = this.write(r, { timeoutMs: m.timeoutMs });
    if (r.state === 'ongoing') {
      this.ctx.note(() => `${m.transactionalId} registers again: the coordinator aborts the transaction its previous incarnation left open`, 'key');
      this.decide(this.write(r, { producerEpoch: r.producerEpoch + 1 }), false);
      r = this.records.get(m.transactionalId)!;
    }
    if (r.state === 'prepare-commit' || r.state === 'prepare-abort') {
      this.ctx.disk.force();
      push(this.initWaiters, r.transactionalId, { from, id: m.id });
      return;
    }
    r = this.write(r, { producerEpoch: r.producerEpoch + 1 });
    this.ctx.disk.force();
    this.ctx.send(from, { type: 'init-producer-id-response', id: m.id, producerId: r.producerId, producerEpoch: r.producerEpoch });
  }

  private fenced(r: TxnRecord | undefined, producerId: number, producerEpoch: number): boolean {
    return r === undefined || r.producerId !== producerId || r.producerEpoch !== producerEpoch;
  }

  /** The answer to an add: built whole, no spread of a result into it (see write). */
  private onAdd(m: Msg<'add-partitions'> | Msg<'add-offsets'>): Msg<'add-response'> {
    let r = this.records.get(m.transactionalId);
    if (r === undefined || this.fenced(r, m.producerId, m.producerEpoch)) return { type: 'add-response', id: m.id, txnNo: -1, error: 'producer-fenced' };
    if (r.state === 'prepare-commit' || r.state === 'prepare-abort') return { type: 'add-response', id: m.id, txnNo: -1, error: 'concurrent-transactions' };
    if (r.state !== 'ongoing') r = this.begin(r);
    if (m.type === 'add-partitions') {
      const known = r.tps;
      r = this.write(r, { tps: [...known, ...m.tps.filter((tp) => !known.includes(tp))] });
    }
    if (m.type === 'add-offsets' && !r.groups.includes(m.group)) r = this.write(r, { groups: [...r.groups, m.group] });
    // The producer writes there only once this is forced: a restarted coordinator must know every partition to close.
    this.ctx.disk.force();
    return { type: 'add-response', id: m.id, txnNo: r.txnNo, error: null };
  }

  private begin(r: TxnRecord): TxnRecord {
    const next = this.write(r, { state: 'ongoing', txnNo: r.txnNo + 1, tps: [], groups: [], startedMs: this.ctx.now });
    this.arm(next.transactionalId, next.timeoutMs, { owner: 'txn', kind: 'timeout', transactionalId: next.transactionalId, txnNo: next.txnNo });
    return next;
  }

  private onEnd(from: NodeId, m: Msg<'end-txn'>): void {
    const r = this.records.get(m.transactionalId);
    const reply = (error: Msg<'end-txn-response'>['error']): void => this.ctx.send(from, { type: 'end-txn-response', id: m.id, error });
    if (r === undefined || this.fenced(r, m.producerId, m.producerEpoch)) return reply('producer-fenced');
    const want = m.commit ? 'commit' : 'abort';
    switch (r.state) {
      case 'empty':
        return reply(null);
      case 'ongoing':
        push(this.endWaiters, r.transactionalId, { from, id: m.id });
        return this.decide(r, m.commit);
      case 'prepare-commit':
      case 'prepare-abort':
        if (r.state !== `prepare-${want}`) return reply('producer-fenced');
        push(this.endWaiters, r.transactionalId, { from, id: m.id });
        return;
      default:
        return reply(r.state === `complete-${want}` ? null : 'producer-fenced');
    }
  }

  /** The commit point: the decision goes to disk (with the group's offsets), then the markers go out. */
  private decide(before: TxnRecord, commit: boolean): void {
    const r = this.write(before, { state: commit ? 'prepare-commit' : 'prepare-abort' });
    if (r.groups.length > 0) this.options.groups.completeTransaction(r.producerId, commit);
    this.ctx.disk.force();
    this.ctx.note(
      () => `transaction ${r.txnNo} of ${r.transactionalId} is ${commit ? 'committed' : 'aborted'}: markers go to ${r.tps.join(', ') || 'no partition'}`,
    );
    this.markers.set(r.transactionalId, new Map());
    this.sendMarkers(r);
  }

  private sendMarkers(r: TxnRecord): void {
    const pending = this.markers.get(r.transactionalId) ?? new Map<Tp, number>();
    this.markers.set(r.transactionalId, pending);
    const acked = this.ackedOf(r);
    let outstanding = 0;
    for (const tp of r.tps) {
      if (acked.has(tp)) continue;
      outstanding++;
      const leader = this.options.leaderOf(tp);
      if (leader < 0) continue;
      const id = this.ids.take();
      pending.set(tp, id);
      this.ctx.send(leader, {
        type: 'write-marker',
        id,
        tp,
        producerId: r.producerId,
        producerEpoch: r.producerEpoch,
        txnNo: r.txnNo,
        commit: r.state === 'prepare-commit',
      });
    }
    if (outstanding === 0) return this.finish(r);
    this.arm(r.transactionalId, this.options.markerRetryMs, { owner: 'txn', kind: 'marker-retry', transactionalId: r.transactionalId, txnNo: r.txnNo });
  }

  /** Partitions whose marker of the current transaction is acknowledged. */
  private ackedOf(r: TxnRecord): Set<Tp> {
    return new Set(this.acked.get(`${r.transactionalId}:${r.txnNo}`) ?? []);
  }

  private onMarkerAck(m: Msg<'write-marker-response'>): void {
    if (m.error !== null) return; // the retry timer re-sends it to whoever leads then
    for (const [tid, pending] of this.markers) {
      if (pending.get(m.tp) !== m.id) continue;
      const r = this.records.get(tid)!;
      pending.delete(m.tp);
      const acked = this.ackedOf(r).add(m.tp);
      this.acked.set(`${r.transactionalId}:${r.txnNo}`, [...acked]);
      if (r.tps.every((tp) => acked.has(tp))) this.finish(r);
      return;
    }
  }

  /** Every marker is written: the transaction is complete (not forced: a lost completion only re-sends markers). */
  private finish(before: TxnRecord): void {
    if (before.state !== 'prepare-commit' && before.state !== 'prepare-abort') return;
    const commit = before.state === 'prepare-commit';
    let r = this.write(before, { state: commit ? 'complete-commit' : 'complete-abort' });
    this.markers.delete(r.transactionalId);
    const timer = this.timers.get(r.transactionalId);
    if (timer !== undefined) this.ctx.cancelTimer(timer);
    this.timers.delete(r.transactionalId);
    this.acked.delete(`${r.transactionalId}:${r.txnNo}`);
    for (const w of take(this.endWaiters, r.transactionalId)) {
      // A waiter asking the other outcome was fenced by a timeout abort.
      this.ctx.send(w.from, { type: 'end-txn-response', id: w.id, error: null });
    }
    const inits = take(this.initWaiters, r.transactionalId);
    if (inits.length > 0) {
      r = this.write(r, { producerEpoch: r.producerEpoch + 1 });
      this.ctx.disk.force();
      for (const w of inits) this.ctx.send(w.from, { type: 'init-producer-id-response', id: w.id, producerId: r.producerId, producerEpoch: r.producerEpoch });
    }
  }

  /** After a restart: finish every decided transaction (its group offsets too), re-arm the timeouts of open ones. */
  private recover(): void {
    for (const r of [...this.records.values()]) {
      if (r.state === 'prepare-commit' || r.state === 'prepare-abort') {
        if (r.groups.length > 0) this.options.groups.completeTransaction(r.producerId, r.state === 'prepare-commit');
        this.sendMarkers(r);
      } else if (r.state === 'ongoing') {
        const leftMs = Math.max(0, r.startedMs + r.timeoutMs - this.ctx.now);
        this.arm(r.transactionalId, leftMs, { owner: 'txn', kind: 'timeout', transactionalId: r.transactionalId, txnNo: r.txnNo });
      }
    }
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function take<T>(map: Map<string, T[]>, key: string): T[] {
  const list = map.get(key) ?? [];
  map.delete(key);
  return list;
}
