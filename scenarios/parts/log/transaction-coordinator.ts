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
 */
import type { NodeContext, NodeId } from '../../../engine/index.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import { type LogMessage, type Msg, RequestIds } from './log-protocol.ts';
import type { Tp } from './partition-log.ts';

type TxnState = 'empty' | 'ongoing' | 'prepare-commit' | 'prepare-abort' | 'complete-commit' | 'complete-abort';

interface TxnRecord {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  txnNo: number;
  state: TxnState;
  tps: Tp[];
  groups: string[];
  startedMs: number;
  timeoutMs: number;
}

interface Waiter {
  from: NodeId;
  id: number;
}

type Timer =
  | { owner: 'txn'; kind: 'timeout'; transactionalId: string; txnNo: number }
  | { owner: 'txn'; kind: 'marker-retry'; transactionalId: string; txnNo: number };

export interface TransactionCoordinatorOptions {
  /** The current leader of a partition, as this broker knows it. */
  leaderOf(tp: Tp): NodeId;
  groups: GroupCoordinator;
  markerRetryMs: number;
}

export class TransactionCoordinator {
  private readonly records: Map<string, TxnRecord>;
  /** Markers not yet acknowledged: request id -> partition, per transactional id. */
  private readonly markers = new Map<string, Map<Tp, number>>();
  private readonly endWaiters = new Map<string, Waiter[]>();
  private readonly initWaiters = new Map<string, Waiter[]>();
  private readonly ids: RequestIds;

  constructor(
    private readonly ctx: NodeContext<LogMessage>,
    private readonly options: TransactionCoordinatorOptions,
  ) {
    let records = ctx.durable.get<Map<string, TxnRecord>>('txn:records');
    if (records === undefined) {
      records = new Map();
      ctx.durable.set('txn:records', records);
    }
    this.records = records;
    this.ids = new RequestIds(ctx.incarnation);
    if (ctx.incarnation > 0) this.recover();
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
        this.ctx.send(from, { type: 'add-response', id: m.id, ...this.onAdd(m) });
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

  onTimer(tag: unknown): boolean {
    const t = tag as Timer;
    if (t?.owner !== 'txn') return false;
    const r = this.records.get(t.transactionalId);
    if (r === undefined || r.txnNo !== t.txnNo) return true;
    if (t.kind === 'timeout' && r.state === 'ongoing') {
      this.ctx.note(
        () => `transaction ${r.txnNo} of ${r.transactionalId} has been open for ${r.timeoutMs} ms: the coordinator aborts it and fences the producer`,
        'key',
      );
      r.producerEpoch++;
      this.decide(r, false);
    } else if (t.kind === 'marker-retry' && (r.state === 'prepare-commit' || r.state === 'prepare-abort')) this.sendMarkers(r);
    return true;
  }

  private nextProducerId(): number {
    const id = this.ctx.durable.get<number>('txn:next-producer-id') ?? 1000;
    this.ctx.durable.set('txn:next-producer-id', id + 1);
    return id;
  }

  private onInit(from: NodeId, m: Msg<'init-producer-id'>): void {
    if (m.transactionalId === null) {
      this.ctx.send(from, { type: 'init-producer-id-response', id: m.id, producerId: this.nextProducerId(), producerEpoch: 0 });
      return;
    }
    let r = this.records.get(m.transactionalId);
    if (r === undefined) {
      r = {
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
      this.records.set(m.transactionalId, r);
    }
    r.timeoutMs = m.timeoutMs;
    if (r.state === 'ongoing') {
      this.ctx.note(() => `${m.transactionalId} registers again: the coordinator aborts the transaction its previous incarnation left open`, 'key');
      r.producerEpoch++;
      this.decide(r, false);
    }
    if (r.state === 'prepare-commit' || r.state === 'prepare-abort') {
      push(this.initWaiters, r.transactionalId, { from, id: m.id });
      return;
    }
    r.producerEpoch++;
    this.ctx.send(from, { type: 'init-producer-id-response', id: m.id, producerId: r.producerId, producerEpoch: r.producerEpoch });
  }

  private fenced(r: TxnRecord | undefined, producerId: number, producerEpoch: number): boolean {
    return r === undefined || r.producerId !== producerId || r.producerEpoch !== producerEpoch;
  }

  private onAdd(m: Msg<'add-partitions'> | Msg<'add-offsets'>): { txnNo: number; error: Msg<'add-response'>['error'] } {
    const r = this.records.get(m.transactionalId);
    if (this.fenced(r, m.producerId, m.producerEpoch)) return { txnNo: -1, error: 'producer-fenced' };
    if (r!.state === 'prepare-commit' || r!.state === 'prepare-abort') return { txnNo: -1, error: 'concurrent-transactions' };
    if (r!.state !== 'ongoing') this.begin(r!);
    if (m.type === 'add-partitions') for (const tp of m.tps) if (!r!.tps.includes(tp)) r!.tps.push(tp);
    if (m.type === 'add-offsets' && !r!.groups.includes(m.group)) r!.groups.push(m.group);
    return { txnNo: r!.txnNo, error: null };
  }

  private begin(r: TxnRecord): void {
    r.state = 'ongoing';
    r.txnNo++;
    r.tps = [];
    r.groups = [];
    r.startedMs = this.ctx.now;
    this.ctx.setTimer(r.timeoutMs, { owner: 'txn', kind: 'timeout', transactionalId: r.transactionalId, txnNo: r.txnNo } satisfies Timer);
  }

  private onEnd(from: NodeId, m: Msg<'end-txn'>): void {
    const r = this.records.get(m.transactionalId);
    const reply = (error: Msg<'end-txn-response'>['error']): void => this.ctx.send(from, { type: 'end-txn-response', id: m.id, error });
    if (this.fenced(r, m.producerId, m.producerEpoch)) return reply('producer-fenced');
    const want = m.commit ? 'commit' : 'abort';
    switch (r!.state) {
      case 'empty':
        return reply(null);
      case 'ongoing':
        push(this.endWaiters, r!.transactionalId, { from, id: m.id });
        return this.decide(r!, m.commit);
      case 'prepare-commit':
      case 'prepare-abort':
        if (r!.state !== `prepare-${want}`) return reply('producer-fenced');
        push(this.endWaiters, r!.transactionalId, { from, id: m.id });
        return;
      default:
        return reply(r!.state === `complete-${want}` ? null : 'producer-fenced');
    }
  }

  /** The commit point: the decision goes to disk, then the markers go out. */
  private decide(r: TxnRecord, commit: boolean): void {
    r.state = commit ? 'prepare-commit' : 'prepare-abort';
    if (r.groups.length > 0) this.options.groups.completeTransaction(r.producerId, commit);
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
    this.ctx.setTimer(this.options.markerRetryMs, { owner: 'txn', kind: 'marker-retry', transactionalId: r.transactionalId, txnNo: r.txnNo } satisfies Timer);
  }

  /** Partitions whose marker of the current transaction is acknowledged (kept on disk for recovery). */
  private ackedOf(r: TxnRecord): Set<Tp> {
    const key = `txn:acked:${r.transactionalId}:${r.txnNo}`;
    let acked = this.ctx.durable.get<Set<Tp>>(key);
    if (acked === undefined) {
      acked = new Set();
      this.ctx.durable.set(key, acked);
    }
    return acked;
  }

  private onMarkerAck(m: Msg<'write-marker-response'>): void {
    if (m.error !== null) return; // the retry timer re-sends it to whoever leads then
    for (const [tid, pending] of this.markers) {
      if (pending.get(m.tp) !== m.id) continue;
      const r = this.records.get(tid)!;
      pending.delete(m.tp);
      const acked = this.ackedOf(r);
      acked.add(m.tp);
      if (r.tps.every((tp) => acked.has(tp))) this.finish(r);
      return;
    }
  }

  private finish(r: TxnRecord): void {
    if (r.state !== 'prepare-commit' && r.state !== 'prepare-abort') return;
    const commit = r.state === 'prepare-commit';
    r.state = commit ? 'complete-commit' : 'complete-abort';
    this.markers.delete(r.transactionalId);
    this.ctx.durable.delete(`txn:acked:${r.transactionalId}:${r.txnNo}`);
    for (const w of take(this.endWaiters, r.transactionalId)) {
      // A waiter asking the other outcome was fenced by a timeout abort.
      this.ctx.send(w.from, { type: 'end-txn-response', id: w.id, error: null });
    }
    const inits = take(this.initWaiters, r.transactionalId);
    if (inits.length > 0) {
      r.producerEpoch++;
      for (const w of inits) this.ctx.send(w.from, { type: 'init-producer-id-response', id: w.id, producerId: r.producerId, producerEpoch: r.producerEpoch });
    }
  }

  /** After a restart: finish announcing every decided transaction, re-arm the timeouts of open ones. */
  private recover(): void {
    for (const r of this.records.values()) {
      if (r.state === 'prepare-commit' || r.state === 'prepare-abort') this.sendMarkers(r);
      else if (r.state === 'ongoing') {
        const leftMs = Math.max(0, r.startedMs + r.timeoutMs - this.ctx.now);
        this.ctx.setTimer(leftMs, { owner: 'txn', kind: 'timeout', transactionalId: r.transactionalId, txnNo: r.txnNo } satisfies Timer);
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
