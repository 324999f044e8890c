/**
 * ReplicationLog: the write-ahead log a primary ships to its replicas, on the node's disk.
 * Every entry has a log sequence number (LSN, 1, 2, 3, ...) and the epoch of the primary
 * that wrote it: a new primary (after a failover) writes in a higher epoch, and two logs
 * that hold an entry with the same LSN and epoch agree on everything up to it. That is how
 * a returning old primary finds where its history diverged and what it must throw away.
 *
 * Next to the log sits its apply position (`appliedLsn`): how far the node's data reflects
 * the log. A primary applies as it appends; a replica trails behind by its lag.
 *
 * Like every write to a disk, an append is durable only once the node forces it
 * (`flush()`, the WAL fsync): the roles that use the log force it before they acknowledge
 * or ship anything that depends on it. The apply position is not forced on its own: after a
 * crash it may lag the data it describes, so applying an entry must be idempotent (the data
 * keeps, per row, the LSN that last wrote it — a page LSN — and skips what it already has).
 */
import { assert, type DurableLog, type DurableStore } from '../../../engine/index.ts';

export interface LogEntry<Op> {
  lsn: number;
  epoch: number;
  /** The writer's clock when it appended the entry (for lag in milliseconds). */
  atMs: number;
  op: Op;
}

const appliedCellOf = (name: string): string => `${name}:applied`;

export class ReplicationLog<Op> {
  private readonly entries: DurableLog<LogEntry<Op>>;
  /** The apply position's cell on the disk (its name built once: it is read and written at every entry). */
  private readonly appliedCell: string;

  constructor(
    private readonly disk: DurableStore,
    readonly name = 'repl',
  ) {
    this.entries = disk.log<LogEntry<Op>>(`${name}:log`);
    this.appliedCell = appliedCellOf(name);
  }

  /** How far the node's data reflects this log (on disk, durable with the next flush). */
  get appliedLsn(): number {
    return Math.min(this.disk.get<number>(this.appliedCell) ?? 0, this.entries.length);
  }

  set appliedLsn(lsn: number) {
    assert(lsn >= 0 && lsn <= this.entries.length, 'the apply position is inside the log');
    this.disk.set(this.appliedCell, lsn);
  }

  /** The apply position of the log `name` on a node's disk (for checkers and samplers, without the node). */
  static appliedLsnOn(disk: DurableStore, name: string): number {
    return disk.get<number>(appliedCellOf(name)) ?? 0;
  }

  /** Makes every append so far durable (the WAL fsync; it forces the node's whole disk). */
  flush(): void {
    this.disk.force();
  }

  get lastLsn(): number {
    return this.entries.length;
  }

  /** The epoch of the last entry (0 for an empty log). */
  get lastEpoch(): number {
    return this.entries.length === 0 ? 0 : this.entries.at(-1)!.epoch;
  }

  /** The entry at `lsn` (1-based), if the log reaches it. */
  entry(lsn: number): LogEntry<Op> | undefined {
    return lsn >= 1 ? this.entries.at(lsn - 1) : undefined;
  }

  /** The epoch of the entry at `lsn`; 0 for lsn 0 (the empty prefix every log shares). */
  epochAt(lsn: number): number {
    return lsn === 0 ? 0 : (this.entries.at(lsn - 1)?.epoch ?? -1);
  }

  append(epoch: number, atMs: number, op: Op): LogEntry<Op> {
    assert(epoch >= this.lastEpoch, 'epochs never go backwards in a log');
    const entry: LogEntry<Op> = { lsn: this.entries.length + 1, epoch, atMs, op };
    this.entries.append(entry);
    return entry;
  }

  /** Appends an entry received from a primary; its LSN must be the next one. */
  accept(entry: LogEntry<Op>): void {
    assert(entry.lsn === this.entries.length + 1, 'entries are accepted in LSN order');
    this.entries.append(entry);
  }

  /** Up to `max` entries after `lsn`. */
  after(lsn: number, max: number): LogEntry<Op>[] {
    return this.entries.slice(lsn, lsn + max);
  }

  /** Drops every entry after `lsn` (a diverged tail); returns the dropped entries. */
  truncateAfter(lsn: number): LogEntry<Op>[] {
    assert(lsn >= 0 && lsn <= this.entries.length, 'truncation point is inside the log');
    const dropped = this.entries.slice(lsn);
    this.entries.truncate(lsn);
    if ((this.disk.get<number>(this.appliedCell) ?? 0) > lsn) this.appliedLsn = lsn;
    return dropped;
  }

  /** The last LSN written in `epoch` or earlier: where a follower from that epoch may still agree. */
  endOfEpoch(epoch: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries.at(mid)!.epoch <= epoch) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
