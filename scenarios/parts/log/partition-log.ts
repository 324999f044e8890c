/**
 * PartitionLog: one replica of one topic partition, kept on a broker's disk.
 *
 * Records are appended with consecutive offsets (the offset is the index: this log never
 * deletes old segments). Besides the records it keeps what Kafka keeps per partition:
 *  - the high watermark (HW): the offset below which every in-sync replica has the record;
 *    consumers read only below it;
 *  - the leader-epoch cache: at which offset each leader epoch began, so a replica that
 *    comes back after a failover can find where its log diverged and truncate there;
 *  - producer state: per producer id, its epoch and last sequence number, so a retried
 *    batch of an idempotent producer is recognised and not written twice, and a producer
 *    fenced by a newer epoch is refused;
 *  - transaction state: the first offset of each open transaction (read-committed
 *    consumers stop at the last stable offset, before it) and the ranges of aborted ones
 *    (which read-committed consumers skip).
 * Producer and transaction state are derived from the records, so they are rebuilt on
 * open and after truncation, and a follower that becomes leader has them too.
 *
 * On disk: the records and the epoch cache are append-only logs, the HW a cell (Kafka's
 * high-watermark checkpoint). Like every disk write they are durable only once the broker
 * forces them — its flush policy, which the replica manager applies — so a crash may lose
 * the tail of the log, or tear it. Recovery drops a torn batch, as Kafka's log recovery drops
 * a batch whose checksum fails: a producer's batch is in the log whole or not at all.
 */
import { assert, type DurableLog, type DurableStore } from '../../../engine/index.ts';
import { spelledOnce } from '../workload/numbered-names.ts';

/** A topic partition's name: `<topic>-<partition>`, as Kafka writes it. */
export type Tp = string;

export function tpOf(topic: string, partition: number): Tp {
  return (tpNamesOf(topic)[partition] ??= `${topic}-${partition}`);
}

/** Partition names by topic, spelt once: every run of a check names the same partitions on every node. */
const tpNamesOf = spelledOnce((): Tp[] => []);

/** The topic and partition number of a `<topic>-<partition>` name. */
export function parseTp(tp: Tp): { topic: string; partition: number } {
  const at = tp.lastIndexOf('-');
  return { topic: tp.slice(0, at), partition: Number(tp.slice(at + 1)) };
}

/** One record as stored. Immutable once written: replicas and messages share it. */
export interface LogRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: unknown;
  /** The leader epoch in which the leader appended it. */
  readonly epoch: number;
  /** -1 for a producer without an id (not idempotent). */
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Sequence number within (producerId, producerEpoch, partition); -1 without an id. */
  readonly seq: number;
  /** The transaction it belongs to (its number for the producer), or -1. */
  readonly txnNo: number;
  /** A transaction marker rather than data. */
  readonly control: 'commit' | 'abort' | null;
  /** The offset of the last record of the batch it was written in: a batch is whole or, after a torn write, dropped. */
  readonly batchLast: number;
  readonly appendedMs: number;
}

export type AppendResult =
  | { ok: true; baseOffset: number; lastOffset: number; duplicate: boolean }
  | { ok: false; error: 'out-of-order-sequence' | 'producer-fenced' };

export type Isolation = 'read-uncommitted' | 'read-committed';

interface EpochEntry {
  epoch: number;
  startOffset: number;
}

const recordsKey = (tp: Tp): string => `log:${tp}`;
const epochsKey = (tp: Tp): string => `epochs:${tp}`;
const hwKey = (tp: Tp): string => `hw:${tp}`;

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
}

interface OpenTxn {
  txnNo: number;
  firstOffset: number;
}

export class PartitionLog {
  private readonly log: DurableLog<LogRecord>;
  private readonly epochs: DurableLog<EpochEntry>;
  private hw: number;
  private readonly hwKey: string;
  private readonly producers = new Map<number, ProducerEntry>();
  private readonly open = new Map<number, OpenTxn>();
  private readonly aborted: { producerId: number; first: number; last: number }[] = [];
  /**
   * Whether producers, open and aborted reflect the records: they are derived, so they are
   * rebuilt only when first needed after an open or a truncation (an auditor that opens a
   * replica to read its records never pays for them).
   */
  private indexed = false;

  private constructor(
    readonly tp: Tp,
    private readonly disk: DurableStore,
  ) {
    this.log = disk.log<LogRecord>(recordsKey(tp));
    this.epochs = disk.log<EpochEntry>(epochsKey(tp));
    this.dropTornBatch();
    // A checkpoint past what survived (a torn tail) is clamped to the log end.
    this.hwKey = hwKey(tp);
    this.hw = Math.min(disk.get<number>(this.hwKey) ?? 0, this.log.length);
  }

  /** Opens (creating if needed) the replica of `tp` on a broker's disk. */
  static open(disk: DurableStore, tp: Tp): PartitionLog {
    return new PartitionLog(tp, disk);
  }

  /** Log end offset of a replica on a disk, without opening it (for samplers and auditors). */
  static endOffset(disk: DurableStore, tp: Tp): number {
    return disk.holds(recordsKey(tp)) ? disk.log(recordsKey(tp)).length : 0;
  }

  /** The records' log of a replica on a disk, if it exists (for readers that keep hold of it). */
  static logOf(disk: DurableStore, tp: Tp): DurableLog<LogRecord> | null {
    return disk.holds(recordsKey(tp)) ? disk.log<LogRecord>(recordsKey(tp)) : null;
  }

  static exists(disk: DurableStore, tp: Tp): boolean {
    return disk.holds(recordsKey(tp));
  }

  get logEndOffset(): number {
    return this.log.length;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Read-committed consumers read below this: the HW, or the first offset of an open transaction. */
  get lastStableOffset(): number {
    this.rebuild();
    let lso = this.hw;
    for (const t of this.open.values()) if (t.firstOffset < lso) lso = t.firstOffset;
    return lso;
  }

  /** Every record, in offset order (a copy). */
  get records(): readonly LogRecord[] {
    return this.log.slice();
  }

  /** Record at `offset`, if the log has it. */
  at(offset: number): LogRecord | undefined {
    return this.log.at(offset);
  }

  /** Raises the HW (never past the log end; it only moves back by truncation) and checkpoints it. */
  advanceHighWatermark(hw: number): boolean {
    const next = Math.min(hw, this.logEndOffset);
    if (next <= this.hw) return false;
    this.hw = next;
    this.disk.set(this.hwKey, next);
    return true;
  }

  /** The epoch of the last record (or of the last epoch begun), -1 when empty. */
  get latestEpoch(): number {
    const n = this.epochs.length;
    return n === 0 ? -1 : this.epochs.at(n - 1)!.epoch;
  }

  /** Called when this replica becomes leader in `epoch`: records that the epoch starts at the log end. */
  beginEpoch(epoch: number): void {
    assert(epoch >= this.latestEpoch, 'leader epochs only grow');
    if (epoch > this.latestEpoch) this.epochs.append({ epoch, startOffset: this.logEndOffset });
  }

  /**
   * Where epoch `epoch` ended in this log: the start of the next larger epoch, or the log
   * end if it is the latest. A follower whose log goes past it has diverged there.
   */
  endOffsetForEpoch(epoch: number): number {
    const e = this.epochs;
    let i = e.length - 1;
    while (i >= 0 && e.at(i)!.epoch > epoch) i--;
    if (i === e.length - 1) return this.logEndOffset;
    return e.at(i + 1)!.startOffset;
  }

  /** Appends a producer's batch as leader of `leaderEpoch`, applying idempotence and fencing. */
  appendAsLeader(
    records: readonly { key: string | null; value: unknown }[],
    producerId: number,
    producerEpoch: number,
    baseSeq: number,
    txnNo: number,
    leaderEpoch: number,
    nowMs: number,
  ): AppendResult {
    const n = records.length;
    assert(n > 0, 'a batch holds at least one record');
    this.rebuild();
    if (producerId >= 0) {
      const entry = this.producers.get(producerId);
      if (entry !== undefined) {
        if (producerEpoch < entry.epoch) return { ok: false, error: 'producer-fenced' };
        if (producerEpoch === entry.epoch) {
          if (baseSeq + n - 1 <= entry.lastSeq) {
            const base = this.offsetOfSeq(producerId, producerEpoch, baseSeq);
            return { ok: true, baseOffset: base, lastOffset: base < 0 ? this.logEndOffset - 1 : base + n - 1, duplicate: true };
          }
          if (baseSeq !== entry.lastSeq + 1) return { ok: false, error: 'out-of-order-sequence' };
        } else if (baseSeq !== 0) return { ok: false, error: 'out-of-order-sequence' };
      }
    }
    this.beginEpoch(leaderEpoch);
    const base = this.logEndOffset;
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      this.push({
        offset: base + i,
        key: r.key,
        value: r.value,
        epoch: leaderEpoch,
        producerId,
        producerEpoch,
        seq: producerId >= 0 ? baseSeq + i : -1,
        txnNo,
        control: null,
        batchLast: base + n - 1,
        appendedMs: nowMs,
      });
    }
    return { ok: true, baseOffset: base, lastOffset: base + n - 1, duplicate: false };
  }

  /**
   * Writes a transaction marker as leader. Returns where the marker is: newly appended, or
   * already there (a retried marker, which is done only once the first copy is committed);
   * null when this partition holds nothing of transaction `txnNo` (nothing to close); or
   * 'fenced' for a marker older than the producer's epoch.
   */
  appendMarker(
    producerId: number,
    producerEpoch: number,
    txnNo: number,
    commit: boolean,
    leaderEpoch: number,
    nowMs: number,
  ): { offset: number; appended: boolean } | null | 'fenced' {
    this.rebuild();
    const entry = this.producers.get(producerId);
    if (entry !== undefined && producerEpoch < entry.epoch) return 'fenced';
    const t = this.open.get(producerId);
    // A marker with a bumped epoch (an abort that fences the old producer) is written even
    // with nothing to close here, so the fence is on disk: a zombie's late write is refused.
    const fences = entry === undefined || producerEpoch > entry.epoch;
    if ((t === undefined || t.txnNo !== txnNo) && !fences) {
      const existing = this.offsetOfMarker(producerId, txnNo);
      return existing < 0 ? null : { offset: existing, appended: false };
    }
    this.beginEpoch(leaderEpoch);
    const offset = this.logEndOffset;
    this.push({
      offset,
      key: null,
      value: null,
      epoch: leaderEpoch,
      producerId,
      producerEpoch,
      seq: -1,
      txnNo,
      control: commit ? 'commit' : 'abort',
      batchLast: offset,
      appendedMs: nowMs,
    });
    return { offset, appended: true };
  }

  /** Appends records copied from the leader (a follower's fetch). They must continue the log exactly. */
  appendReplicated(records: readonly LogRecord[]): void {
    for (const r of records) {
      if (r.offset !== this.logEndOffset) assert(false, `replicated record continues the log of ${this.tp}`);
      if (r.epoch > this.latestEpoch) this.epochs.append({ epoch: r.epoch, startOffset: r.offset });
      this.push(r);
    }
  }

  /** Drops every record at or after `offset` (a diverged suffix) and rebuilds the derived state. */
  truncateTo(offset: number): number {
    const dropped = Math.max(0, this.logEndOffset - offset);
    if (dropped === 0) return 0;
    this.log.truncate(offset);
    if (this.hw > offset) {
      this.hw = offset;
      this.disk.set(this.hwKey, offset);
    }
    const e = this.epochs;
    let keep = e.length;
    while (keep > 0 && e.at(keep - 1)!.startOffset >= offset) keep--;
    e.truncate(keep);
    this.indexed = false;
    return dropped;
  }

  /**
   * Records from `from` below `upTo`, at most `max` of them, as a consumer with `isolation`
   * sees them: markers are never returned, and read-committed skips aborted transactions.
   * `nextOffset` is where the next read starts (past skipped records too).
   */
  read(from: number, upTo: number, max: number, isolation: Isolation): { records: LogRecord[]; nextOffset: number } {
    const out: LogRecord[] = [];
    const all = this.log;
    let o = from;
    const end = Math.min(upTo, all.length);
    while (o < end && out.length < max) {
      const r = all.at(o++)!;
      if (r.control !== null) continue;
      if (isolation === 'read-committed' && r.txnNo >= 0 && this.isAborted(r)) continue;
      out.push(r);
    }
    return { records: out, nextOffset: Math.max(o, from) };
  }

  /** Raw records [from, to) for replication. */
  slice(from: number, max: number): LogRecord[] {
    return this.log.slice(from, from + max);
  }

  /** True when the record belongs to a transaction that was aborted. */
  isAborted(r: LogRecord): boolean {
    this.rebuild();
    for (const a of this.aborted) if (a.producerId === r.producerId && r.offset >= a.first && r.offset <= a.last) return true;
    return false;
  }

  /** True when the record belongs to a transaction still open. */
  isOpen(r: LogRecord): boolean {
    this.rebuild();
    const t = this.open.get(r.producerId);
    return t !== undefined && r.txnNo === t.txnNo && r.offset >= t.firstOffset;
  }

  /** After a crash: a batch cut short by a torn write-back fails its checksum and is dropped. */
  private dropTornBatch(): void {
    const log = this.log;
    const last = log.at(log.length - 1);
    if (last === undefined || last.batchLast === last.offset) return;
    let base = log.length - 1;
    while (base > 0 && log.at(base - 1)!.batchLast === last.batchLast) base--;
    log.truncate(base);
    const e = this.epochs;
    let keep = e.length;
    while (keep > 0 && e.at(keep - 1)!.startOffset > base) keep--;
    e.truncate(keep);
  }

  private push(r: LogRecord): void {
    this.log.append(r);
    if (this.indexed) this.index(r);
  }

  private index(r: LogRecord): void {
    if (r.producerId < 0) return;
    const entry = this.producers.get(r.producerId);
    if (entry === undefined) this.producers.set(r.producerId, { epoch: r.producerEpoch, lastSeq: r.seq });
    else if (r.producerEpoch > entry.epoch) {
      entry.epoch = r.producerEpoch;
      entry.lastSeq = r.seq;
    } else if (r.seq >= 0) entry.lastSeq = r.seq;
    if (r.txnNo < 0) return;
    if (r.control === null) {
      if (!this.open.has(r.producerId)) this.open.set(r.producerId, { txnNo: r.txnNo, firstOffset: r.offset });
      return;
    }
    const t = this.open.get(r.producerId);
    if (t === undefined || t.txnNo !== r.txnNo) return;
    if (r.control === 'abort') this.aborted.push({ producerId: r.producerId, first: t.firstOffset, last: r.offset });
    this.open.delete(r.producerId);
  }

  /** Derives producer and transaction state from the records, unless it is up to date. */
  private rebuild(): void {
    if (this.indexed) return;
    this.indexed = true;
    this.producers.clear();
    this.open.clear();
    this.aborted.length = 0;
    for (const r of this.log) this.index(r);
  }

  /** The offset of the marker that closed a producer's transaction, among recent records, or -1. */
  private offsetOfMarker(producerId: number, txnNo: number): number {
    const all = this.log;
    for (let i = all.length - 1, seen = 0; i >= 0 && seen < 1000; i--, seen++) {
      const r = all.at(i)!;
      if (r.control !== null && r.producerId === producerId && r.txnNo === txnNo) return r.offset;
    }
    return -1;
  }

  /** The offset of a producer's sequence number among recent records, or -1. */
  private offsetOfSeq(producerId: number, producerEpoch: number, seq: number): number {
    const all = this.log;
    for (let i = all.length - 1, seen = 0; i >= 0 && seen < 1000; i--, seen++) {
      const r = all.at(i)!;
      if (r.producerId === producerId && r.producerEpoch === producerEpoch && r.seq === seq) return r.offset;
    }
    return -1;
  }
}
