/**
 * Producer: the client that writes records to partition leaders, as Kafka's does.
 *
 * Records are partitioned, gathered per partition into a batch (sent when full or after
 * `lingerMs`), and one batch per partition is in flight at a time, so retries never reorder
 * a partition. `acks` decides when a write counts as done: 0 at once, 1 when the leader has
 * it, all when every in-sync replica has it. A batch that fails or gets no answer within
 * `requestTimeoutMs` is retried up to `retries` times — and a retry after a lost answer
 * writes the batch a second time, unless the producer is idempotent: then the batch carries
 * the producer id and per-partition sequence numbers, and the leader recognises the retry.
 *
 * With a transactional id the producer is transactional: it registers the id (fencing older
 * incarnations), adds every partition to the transaction before writing there, can add
 * consumed offsets to the transaction, and commits or aborts it as a whole through the
 * transaction coordinator.
 */
import { assert, type NodeId } from '../../../engine/index.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { Acks, LogMessage, OffsetEntry } from './log-protocol.ts';
import type { Metadata } from './metadata.ts';
import { type Tp, tpOf } from './partition-log.ts';
import type { Partitioner } from './partitioner.ts';
import { Rpc } from './rpc.ts';

export interface ProducerConfig {
  /** Names this client in timers and narration. */
  clientId: string;
  acks: Acks;
  /** Retries of a failed batch; Infinity retries until it is written. */
  retries: number;
  /** Producer id and sequence numbers, so retries are not written twice (needs acks=all and unbounded retries). */
  idempotent: boolean;
  /** Makes the producer transactional (and idempotent). */
  transactionalId: string | null;
  transactionTimeoutMs: number;
  partitioner: Partitioner;
  lingerMs: number;
  batchMax: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  /** Told of every retried batch (for dashboards). */
  onRetry?: () => void;
}

export interface SendResult {
  ok: boolean;
  tp: Tp;
  /** -1 when unknown (acks=0, or failed). */
  offset: number;
  error: string | null;
}

/** A record waiting to be sent, as a produce request carries it (its batch's requests share it). */
interface Pending {
  key: string | null;
  value: unknown;
}

type Callback = ((r: SendResult) => void) | undefined;

interface Batch {
  q: Queue;
  records: Pending[];
  /** Who hears of each record's outcome, by index. */
  callbacks: Callback[];
  baseSeq: number;
  txnNo: number;
  attempts: number;
  lastWhy?: string;
}

interface Queue {
  tp: Tp;
  topic: string;
  partition: number;
  pending: Pending[];
  /** `pending`'s callbacks, by index. */
  callbacks: Callback[];
  inFlight: Batch | null;
  nextSeq: number;
}

type TxnState = 'none' | 'ready' | 'in-txn' | 'ending' | 'fatal';

export type ProducerTimer =
  | { owner: 'producer'; client: string; kind: 'linger' }
  | { owner: 'producer'; client: string; kind: 'retry'; tp: Tp; attempt: number }
  | { owner: 'producer'; client: string; kind: 'again'; what: number };

export class Producer {
  private readonly queues = new Map<Tp, Queue>();
  /** The same queues in the order they were made (the Map's order): what the sender walks, faster than the Map's iterator. */
  private readonly queueList: Queue[] = [];
  /** The same queues by topic and partition number: a record's queue found without building its tp name. */
  private readonly queuesOf = new Map<string, Queue[]>();
  /** One linger for the whole producer: when it ends, every partition with records is sent. */
  private lingerTimer = -1;
  /** The linger's timer tag, the same for every linger. */
  private lingerTag: ProducerTimer | null = null;
  private readonly rpc: Rpc;
  private producerId = -1;
  private producerEpoch = -1;
  private ready: boolean;
  private flushing = false;
  private flushWaiters: (() => void)[] = [];
  private acksToLose = 0;
  private txnState: TxnState = 'none';
  private txnNo = -1;
  private readonly added = new Set<Tp>();
  private adding = false;
  /** Retries of coordinator requests, run after a backoff. */
  private readonly later = new Map<number, () => void>();
  private nextLater = 0;
  /** Counters for metrics. */
  readonly stats = { sent: 0, acked: 0, failed: 0, retries: 0 };

  /** Records handed to `send` and not yet acknowledged or given up: buffered, or in flight. */
  get outstanding(): number {
    return this.stats.sent - this.stats.acked - this.stats.failed;
  }

  constructor(
    private readonly ctx: LogContext,
    private readonly metadata: Metadata,
    readonly config: ProducerConfig,
  ) {
    const c = config;
    if (c.transactionalId !== null) assert(c.idempotent, 'a transactional producer is idempotent');
    if (c.idempotent) assert(c.acks === 'all' && c.retries === Number.POSITIVE_INFINITY, 'an idempotent producer uses acks=all and retries until written');
    this.rpc = new Rpc(ctx, `producer:${c.clientId}`);
    this.ready = !c.idempotent;
    if (c.idempotent && c.transactionalId === null) this.initProducerId(() => undefined);
  }

  /** Appends a record to its partition's batch; `callback` hears when it is acknowledged or given up. */
  send(topic: string, key: string | null, value: unknown, callback?: (r: SendResult) => void): Tp {
    const count = this.metadata.partitionCount(topic);
    if (count <= 0) assert(false, `topic ${topic} is known`);
    const partition = this.config.partitioner.partition(topic, key, count);
    const q = this.queue(topic, partition);
    if (this.config.transactionalId !== null && this.txnState !== 'in-txn') {
      // A fenced producer (or one between transactions) writes nothing.
      assert(this.txnState === 'fatal' || this.txnState === 'ending', `a transactional producer sends inside a transaction, not in state ${this.txnState}`);
      callback?.({ ok: false, tp: q.tp, offset: -1, error: 'not in a transaction' });
      return q.tp;
    }
    q.pending.push({ key, value });
    q.callbacks.push(callback);
    this.stats.sent++;
    if (this.config.transactionalId !== null && !this.added.has(q.tp)) this.addPartitions();
    else this.maybeSend(q);
    return q.tp;
  }

  /** Sends everything buffered now and calls `done` once nothing is pending or in flight. */
  flush(done: () => void): void {
    if (this.idle()) return done();
    this.flushWaiters.push(done);
    this.flushing = true;
    for (const q of this.queueList) this.maybeSend(q);
  }

  /** Sends every buffered record now rather than at the end of the linger (flush without waiting for the answers). */
  sendNow(): void {
    this.drain();
  }

  /** The next produce acknowledgement to reach this producer is lost on the way (a fault). */
  loseNextAck(): void {
    this.acksToLose++;
  }

  get inTransaction(): boolean {
    return this.txnState === 'in-txn';
  }

  /** Registers the transactional id: fences older incarnations, aborts what they left open. */
  initTransactions(done: () => void): void {
    assert(this.config.transactionalId !== null, 'initTransactions needs a transactional id');
    this.ready = false;
    this.txnState = 'none';
    this.resetQueues('the producer re-registers');
    this.initProducerId(() => {
      this.txnState = 'ready';
      done();
    });
  }

  beginTransaction(): void {
    assert(this.txnState === 'ready', `beginTransaction in state ${this.txnState}`);
    this.txnState = 'in-txn';
    this.txnNo = -1;
    this.added.clear();
  }

  /** Adds the consumer's offsets to the transaction: they commit if and only if it commits. */
  sendOffsetsToTransaction(
    offsets: OffsetEntry[],
    group: string,
    memberId: string,
    generation: number,
    done: (ok: boolean, error: string | null) => void,
  ): void {
    if (this.txnState !== 'in-txn') return done(false, 'producer-fenced');
    const tid = this.config.transactionalId!;
    this.coordinatorCall(
      (id) => ({ type: 'add-offsets', id, transactionalId: tid, producerId: this.producerId, producerEpoch: this.producerEpoch, group }),
      (m) => {
        if (m.type !== 'add-response') return;
        if (m.error === 'producer-fenced') return this.fatal('the coordinator fenced it', () => done(false, 'producer-fenced'));
        this.txnNo = m.txnNo;
        this.coordinatorCall(
          (id) => ({ type: 'txn-offset-commit', id, group, producerId: this.producerId, producerEpoch: this.producerEpoch, memberId, generation, offsets }),
          (r) => {
            if (r.type === 'txn-offset-commit-response') done(r.error === null, r.error);
          },
        );
      },
    );
  }

  commitTransaction(done: (ok: boolean, error: string | null) => void): void {
    this.endTransaction(true, done);
  }

  abortTransaction(done: (ok: boolean, error: string | null) => void): void {
    this.endTransaction(false, done);
  }

  onMessage(_from: NodeId, m: LogMessage): boolean {
    if (m.type === 'produce-response' && this.acksToLose > 0 && this.rpc.has(m.id)) {
      this.acksToLose--;
      this.ctx.note(
        () => `the acknowledgement of a write to ${m.results.map((r) => r.tp).join(', ')} never reaches ${this.ctx.name}: it will time out and retry`,
        'key',
      );
      return true;
    }
    return this.rpc.onMessage(m);
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'producer' || t.client !== this.config.clientId) return this.rpc.onTimer(t);
    if (t.kind === 'again') {
      const run = this.later.get(t.what);
      this.later.delete(t.what);
      run?.();
      return true;
    }
    if (t.kind === 'linger') {
      this.lingerTimer = -1;
      this.drain();
      return true;
    }
    const q = this.queues.get(t.tp);
    if (q?.inFlight != null && q.inFlight.attempts === t.attempt) this.retry(q.inFlight);
    return true;
  }

  // ------------------------------------------------------------------ batches

  private queue(topic: string, partition: number): Queue {
    let byPartition = this.queuesOf.get(topic);
    if (byPartition === undefined) this.queuesOf.set(topic, (byPartition = []));
    let q = byPartition[partition];
    if (q === undefined) {
      const tp = tpOf(topic, partition);
      q = { tp, topic, partition, pending: [], callbacks: [], inFlight: null, nextSeq: 0 };
      this.queues.set(tp, q);
      this.queueList.push(q);
      byPartition[partition] = q;
    }
    return q;
  }

  private canSend(q: Queue): boolean {
    return this.ready && q.inFlight === null && q.pending.length > 0 && (this.config.transactionalId === null || this.added.has(q.tp));
  }

  /** Sends now if a batch is full (or we flush, or do not linger); otherwise waits out the linger. */
  private maybeSend(q: Queue): void {
    if (!this.canSend(q)) return;
    if (q.pending.length >= this.config.batchMax || this.config.lingerMs === 0 || this.flushing) return this.drain();
    if (this.lingerTimer < 0) {
      this.lingerTimer = this.ctx.setTimer(this.config.lingerMs, (this.lingerTag ??= { owner: 'producer', client: this.config.clientId, kind: 'linger' }));
    }
  }

  /** Kafka's sender: every partition with records and nothing in flight gets a batch; one request per leader carries them all. */
  private drain(): void {
    if (this.lingerTimer >= 0) this.ctx.cancelTimer(this.lingerTimer);
    this.lingerTimer = -1;
    // Batches by leader, leaders in the order their first batch came: a request each.
    const leaders: NodeId[] = [];
    const byLeader: Batch[][] = [];
    for (const q of this.queueList) {
      if (!this.canSend(q)) continue;
      let records = q.pending;
      let callbacks = q.callbacks;
      // Most batches take the whole queue: its arrays become the batch's, nothing is copied.
      if (records.length > this.config.batchMax) {
        records = records.splice(0, this.config.batchMax);
        callbacks = callbacks.splice(0, records.length);
      } else {
        q.pending = [];
        q.callbacks = [];
      }
      const batch: Batch = { q, records, callbacks, baseSeq: this.config.idempotent ? q.nextSeq : -1, txnNo: this.txnNo, attempts: 0 };
      if (this.config.idempotent) q.nextSeq += records.length;
      q.inFlight = batch;
      this.config.partitioner.onBatchSent?.(q.topic, q.partition, this.metadata.partitionCount(q.topic));
      const leader = this.metadata.leaderOf(q.tp);
      const i = leaders.indexOf(leader);
      if (i < 0) {
        leaders.push(leader);
        byLeader.push([batch]);
      } else byLeader[i]!.push(batch);
    }
    for (let i = 0; i < leaders.length; i++) this.dispatch(leaders[i]!, byLeader[i]!);
  }

  private dispatch(leader: NodeId, batches: Batch[]): void {
    for (const b of batches) b.attempts++;
    if (leader < 0) {
      this.metadata.refresh();
      for (const b of batches) this.failedAttempt(b, `${b.q.tp} has no leader`);
      return;
    }
    const request = (id: number): LogMessage => ({
      type: 'produce',
      id,
      acks: this.config.acks,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      batches: batches.map((b) => ({ tp: b.q.tp, records: b.records, baseSeq: b.baseSeq, txnNo: b.txnNo })),
    });
    if (this.config.acks === 0) {
      this.ctx.send(leader, request(-1));
      for (const b of batches) this.complete(b, -1);
      return;
    }
    this.rpc.call(leader, this.config.requestTimeoutMs, request, (m) => {
      if (m === null) this.metadata.refresh();
      for (const b of batches) {
        if (b.q.inFlight !== b) continue;
        if (m === null || m.type !== 'produce-response') {
          this.failedAttempt(b, `no acknowledgement within ${this.config.requestTimeoutMs} ms`);
          continue;
        }
        const r = m.results.find((x) => x.tp === b.q.tp);
        if (r === undefined) continue;
        if (r.error === null) this.complete(b, r.baseOffset);
        else if (r.error === 'not-leader' || r.error === 'not-enough-replicas') {
          if (r.error === 'not-leader') this.metadata.refresh();
          this.failedAttempt(b, r.error === 'not-leader' ? `${this.ctx.nameOf(leader)} no longer leads ${b.q.tp}` : 'too few in-sync replicas');
        } else {
          this.fail(b, r.error);
          if (this.config.transactionalId !== null) this.fatal(`its write was refused (${r.error})`);
        }
      }
    });
  }

  /** A retry goes out on its own, to whoever leads the partition now. */
  private retry(b: Batch): void {
    this.dispatch(this.metadata.leaderOf(b.q.tp), [b]);
  }

  private failedAttempt(batch: Batch, why: string): void {
    const q = batch.q;
    if (batch.attempts > this.config.retries) {
      this.ctx.note(
        () => `${this.ctx.name} gives up on ${batch.records.length} record(s) for ${q.tp} (${why}); with ${this.config.retries} retries they are lost`,
        'warn',
      );
      return this.fail(batch, why);
    }
    this.stats.retries++;
    this.config.onRetry?.();
    // Narrate the first retry of a batch and any change of reason, not every backoff.
    if (batch.attempts === 1 || why !== batch.lastWhy)
      this.ctx.note(
        () =>
          `${this.ctx.name} retries ${batch.records.length} record(s) for ${q.tp} (${why})${this.config.idempotent ? ` with the same sequence number ${batch.baseSeq}` : ': if the first attempt was written, they will be written twice'}`,
      );
    batch.lastWhy = why;
    this.ctx.setTimer(this.config.retryBackoffMs, {
      owner: 'producer',
      client: this.config.clientId,
      kind: 'retry',
      tp: q.tp,
      attempt: batch.attempts,
    });
  }

  private complete(batch: Batch, baseOffset: number): void {
    const q = batch.q;
    q.inFlight = null;
    this.stats.acked += batch.records.length;
    const callbacks = batch.callbacks;
    for (let i = 0; i < callbacks.length; i++) callbacks[i]?.({ ok: true, tp: q.tp, offset: baseOffset < 0 ? -1 : baseOffset + i, error: null });
    this.maybeSend(q);
    this.checkFlush();
  }

  private fail(batch: Batch, error: string): void {
    const q = batch.q;
    q.inFlight = null;
    this.stats.failed += batch.records.length;
    for (const callback of batch.callbacks) callback?.({ ok: false, tp: q.tp, offset: -1, error });
    this.maybeSend(q);
    this.checkFlush();
  }

  private idle(): boolean {
    if (this.adding) return false;
    for (const q of this.queueList) if (q.inFlight !== null || q.pending.length > 0) return false;
    return true;
  }

  private checkFlush(): void {
    if (this.flushWaiters.length === 0 || !this.idle()) return;
    this.flushing = false;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of waiters) w();
  }

  /** Drops every buffered record and forgets batches in flight (their answers are ignored). */
  private resetQueues(why: string): void {
    if (this.lingerTimer >= 0) this.ctx.cancelTimer(this.lingerTimer);
    this.lingerTimer = -1;
    for (const q of this.queueList) {
      const dropped = [...q.callbacks, ...(q.inFlight?.callbacks ?? [])];
      q.pending = [];
      q.callbacks = [];
      q.inFlight = null;
      q.nextSeq = 0;
      for (const callback of dropped) callback?.({ ok: false, tp: q.tp, offset: -1, error: why });
    }
    this.adding = false;
    this.checkFlush();
  }

  // ------------------------------------------------------------------ producer id and transactions

  private coordinator(): NodeId {
    return this.metadata.cluster.coordinator;
  }

  /** A request to the coordinator, re-sent after a backoff until it is answered with something other than "busy". */
  private coordinatorCall(make: (id: number) => LogMessage, onReply: (m: LogMessage) => void, timeoutMs = this.config.requestTimeoutMs): void {
    this.rpc.call(this.coordinator(), timeoutMs, make, (m) => {
      const busy =
        m === null ||
        (m.type === 'add-response' && m.error === 'concurrent-transactions') ||
        (m.type === 'end-txn-response' && m.error === 'concurrent-transactions');
      if (busy) this.again(() => this.coordinatorCall(make, onReply, timeoutMs));
      else onReply(m);
    });
  }

  private again(run: () => void): void {
    const what = this.nextLater++;
    this.later.set(what, run);
    this.ctx.setTimer(this.config.retryBackoffMs, { owner: 'producer', client: this.config.clientId, kind: 'again', what });
  }

  private initProducerId(done: () => void): void {
    const tid = this.config.transactionalId;
    this.coordinatorCall(
      (id) => ({ type: 'init-producer-id', id, transactionalId: tid, timeoutMs: this.config.transactionTimeoutMs }),
      (m) => {
        if (m.type !== 'init-producer-id-response') return;
        this.producerId = m.producerId;
        this.producerEpoch = m.producerEpoch;
        for (const q of this.queueList) if (q.inFlight === null) q.nextSeq = 0;
        this.ready = true;
        this.ctx.note(() => `${this.ctx.name} has producer id ${m.producerId}, epoch ${m.producerEpoch}${tid === null ? '' : ` for transactional id ${tid}`}`);
        for (const q of this.queueList) this.maybeSend(q);
        done();
      },
      4 * this.config.requestTimeoutMs,
    );
  }

  private addPartitions(): void {
    if (this.adding || this.txnState !== 'in-txn') return;
    const tps = this.queueList.filter((q) => q.pending.length > 0 && !this.added.has(q.tp)).map((q) => q.tp);
    if (tps.length === 0) return;
    this.adding = true;
    const tid = this.config.transactionalId!;
    this.coordinatorCall(
      (id) => ({ type: 'add-partitions', id, transactionalId: tid, producerId: this.producerId, producerEpoch: this.producerEpoch, tps }),
      (m) => {
        if (m.type !== 'add-response' || !this.adding) return;
        this.adding = false;
        if (m.error === 'producer-fenced') return this.fatal('the coordinator fenced it');
        this.txnNo = m.txnNo;
        for (const tp of tps) this.added.add(tp);
        for (const tp of tps) this.maybeSend(this.queues.get(tp)!);
        this.addPartitions();
        this.checkFlush();
      },
    );
  }

  private endTransaction(commit: boolean, done: (ok: boolean, error: string | null) => void): void {
    if (this.txnState === 'fatal') return done(false, 'producer-fenced');
    assert(this.txnState === 'in-txn', `end a transaction in state ${this.txnState}`);
    this.txnState = 'ending';
    if (!commit) {
      for (const q of this.queueList) {
        for (const callback of q.callbacks) callback?.({ ok: false, tp: q.tp, offset: -1, error: 'transaction aborted' });
        q.pending = [];
        q.callbacks = [];
      }
    }
    this.flush(() => {
      if (this.txnState !== 'ending') return done(false, 'producer-fenced');
      if (this.txnNo < 0) {
        // Nothing was added: the transaction never started at the coordinator.
        this.txnState = 'ready';
        return done(true, null);
      }
      const tid = this.config.transactionalId!;
      this.coordinatorCall(
        (id) => ({ type: 'end-txn', id, transactionalId: tid, producerId: this.producerId, producerEpoch: this.producerEpoch, commit }),
        (m) => {
          if (m.type !== 'end-txn-response') return;
          if (m.error !== null) return this.fatal('the coordinator fenced it', () => done(false, m.error));
          this.txnState = 'ready';
          done(true, null);
        },
      );
    });
  }

  /** The producer was fenced: it can do nothing until it registers again. */
  private fatal(why: string, then?: () => void): void {
    if (this.txnState !== 'fatal') {
      this.txnState = 'fatal';
      this.ctx.note(() => `${this.ctx.name}'s transactional producer is fenced (${why}): it must abort and register again`, 'key');
      this.resetQueues('producer fenced');
    }
    then?.();
  }
}

/**
 * Sensible defaults: at-least-once, like Kafka's producer before idempotence was the default.
 * Build a config as `{ clientId, partitioner, ...PRODUCER_DEFAULTS, overrides }`: the fields
 * the spread lacks before it. Node 20's V8 builds an object literal that starts with a spread
 * and then adds a field the spread did not bring in its runtime: 5 µs or more, longer than
 * several events take (overriding a field the spread brought stays fast).
 */
export const PRODUCER_DEFAULTS: Omit<ProducerConfig, 'clientId' | 'partitioner'> = {
  acks: 'all',
  retries: Number.POSITIVE_INFINITY,
  idempotent: false,
  transactionalId: null,
  transactionTimeoutMs: 1000,
  lingerMs: 5,
  batchMax: 50,
  requestTimeoutMs: 100,
  retryBackoffMs: 20,
};
