/**
 * ReplicationLog: the write-ahead log a primary ships to its replicas, on the node's disk.
 * Every entry has a log sequence number (LSN, 1, 2, 3, ...) and the epoch of the primary
 * that wrote it: a new primary (after a failover) writes in a higher epoch, and two logs
 * that hold an entry with the same LSN and epoch agree on everything up to it. That is how
 * a returning old primary finds where its history diverged and what it must throw away.
 *
 * Next to the log sits its apply position (`appliedLsn`): how far the node's data reflects
 * the log. A primary applies as it appends; a replica trails behind by its lag.
 */
import { assert, type DurableStore } from '../../../engine/index.ts';

export interface LogEntry<Op> {
  lsn: number;
  epoch: number;
  /** When the primary appended it (for lag in milliseconds). */
  atMs: number;
  op: Op;
}

export class ReplicationLog<Op> {
  private readonly entries: LogEntry<Op>[];

  constructor(
    private readonly durable: DurableStore,
    readonly name = 'repl',
  ) {
    this.entries = durable.log<LogEntry<Op>>(`${name}:log`);
  }

  /** How far the node's data reflects this log (on disk). */
  get appliedLsn(): number {
    return ReplicationLog.appliedLsnOn(this.durable, this.name);
  }

  set appliedLsn(lsn: number) {
    assert(lsn >= 0 && lsn <= this.entries.length, 'the apply position is inside the log');
    this.durable.set(`${this.name}:applied`, lsn);
  }

  /** The apply position of the log `name` on a node's disk (for checkers and samplers, without the node). */
  static appliedLsnOn(durable: { get<T>(key: string): T | undefined }, name: string): number {
    return durable.get<number>(`${name}:applied`) ?? 0;
  }

  get lastLsn(): number {
    return this.entries.length;
  }

  /** The epoch of the last entry (0 for an empty log). */
  get lastEpoch(): number {
    return this.entries.length === 0 ? 0 : this.entries[this.entries.length - 1]!.epoch;
  }

  /** The entry at `lsn` (1-based), if the log reaches it. */
  entry(lsn: number): LogEntry<Op> | undefined {
    return lsn >= 1 ? this.entries[lsn - 1] : undefined;
  }

  /** The epoch of the entry at `lsn`; 0 for lsn 0 (the empty prefix every log shares). */
  epochAt(lsn: number): number {
    return lsn === 0 ? 0 : (this.entries[lsn - 1]?.epoch ?? -1);
  }

  append(epoch: number, atMs: number, op: Op): LogEntry<Op> {
    assert(epoch >= this.lastEpoch, 'epochs never go backwards in a log');
    const entry: LogEntry<Op> = { lsn: this.entries.length + 1, epoch, atMs, op };
    this.entries.push(entry);
    return entry;
  }

  /** Appends an entry received from a primary; its LSN must be the next one. */
  accept(entry: LogEntry<Op>): void {
    assert(entry.lsn === this.entries.length + 1, 'entries are accepted in LSN order');
    this.entries.push(entry);
  }

  /** Up to `max` entries after `lsn`. */
  after(lsn: number, max: number): LogEntry<Op>[] {
    return this.entries.slice(lsn, lsn + max);
  }

  /** Drops every entry after `lsn` (a diverged tail); returns the dropped entries. */
  truncateAfter(lsn: number): LogEntry<Op>[] {
    assert(lsn >= 0 && lsn <= this.entries.length, 'truncation point is inside the log');
    return this.entries.splice(lsn);
  }

  /** The last LSN written in `epoch` or earlier: where a follower from that epoch may still agree. */
  endOfEpoch(epoch: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.epoch <= epoch) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
