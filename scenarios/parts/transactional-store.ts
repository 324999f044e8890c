/**
 * TransactionalStore: the storage engine of a database node, kept on the node's disk.
 *
 * - Rows are committed values on disk (they survive a crash).
 * - Row locks are exclusive and NO_WAIT: a transaction that finds a row locked by another
 *   is refused at once (it votes NO / retries) instead of queueing, so deadlock is impossible.
 *   Locks live in memory; a crash loses them, and recovery re-acquires the locks of every
 *   prepared transaction from the write-ahead log, because a prepared transaction has
 *   promised it can still commit.
 * - The write-ahead log records PREPARE (with the writes), COMMIT and ABORT. A record is on
 *   disk the moment it is appended (the node models the force's latency with a timer before
 *   it acts on it). Recovery replays the log: committed writes are already in the rows;
 *   prepared transactions with no outcome are in doubt.
 */
import { assert, type DurableStore } from '../../engine/index.ts';

export type TxStatus = 'none' | 'locked' | 'prepared' | 'committed' | 'aborted';

export interface RowWrite {
  key: string;
  value: number;
}

type LogRecord = { type: 'prepare'; tx: string; writes: RowWrite[] } | { type: 'commit'; tx: string } | { type: 'abort'; tx: string };

export class TransactionalStore {
  private readonly rows: Map<string, number>;
  private readonly wal: LogRecord[];
  /** key -> transaction holding its lock (memory only). */
  private readonly locks = new Map<string, string>();
  /** tx -> keys it locked (memory only). */
  private readonly held = new Map<string, string[]>();
  /** tx -> status, rebuilt from the log on recovery. */
  private readonly status = new Map<string, TxStatus>();
  private readonly prepared = new Map<string, RowWrite[]>();

  constructor(durable: DurableStore, name = 'db') {
    let rows = durable.get<Map<string, number>>(`${name}:rows`);
    if (rows === undefined) {
      rows = new Map();
      durable.set(`${name}:rows`, rows);
    }
    this.rows = rows;
    this.wal = durable.log<LogRecord>(`${name}:wal`);
    this.recover();
  }

  /** Rebuilds the volatile state from the log; re-locks the rows of in-doubt transactions. */
  private recover(): void {
    for (const r of this.wal) {
      if (r.type === 'prepare') {
        this.status.set(r.tx, 'prepared');
        this.prepared.set(r.tx, r.writes);
      } else {
        this.status.set(r.tx, r.type === 'commit' ? 'committed' : 'aborted');
        this.prepared.delete(r.tx);
      }
    }
    for (const [tx, writes] of this.prepared) {
      const keys = writes.map((w) => w.key);
      for (const k of keys) this.locks.set(k, tx);
      this.held.set(tx, keys);
    }
  }

  /** Seeds a row outside any transaction (initial data). */
  load(key: string, value: number): void {
    this.rows.set(key, value);
  }

  read(key: string): number | undefined {
    return this.rows.get(key);
  }

  /** Committed rows, in insertion order. */
  entries(): [string, number][] {
    return [...this.rows.entries()];
  }

  statusOf(tx: string): TxStatus {
    return this.status.get(tx) ?? 'none';
  }

  lockHolder(key: string): string | undefined {
    return this.locks.get(key);
  }

  /** Transactions prepared with no outcome yet (in doubt), in log order. */
  inDoubt(): string[] {
    return [...this.prepared.keys()];
  }

  /** Locks every key for `tx`, or none if any is held by another transaction (NO_WAIT). */
  lockAll(tx: string, keys: readonly string[]): boolean {
    for (const k of keys) {
      const holder = this.locks.get(k);
      if (holder !== undefined && holder !== tx) return false;
    }
    const mine = this.held.get(tx) ?? [];
    for (const k of keys) {
      if (this.locks.get(k) === tx) continue;
      this.locks.set(k, tx);
      mine.push(k);
    }
    this.held.set(tx, mine);
    if (this.statusOf(tx) === 'none') this.status.set(tx, 'locked');
    return true;
  }

  /** Forces a PREPARE record: from here on `tx` can commit even after a crash. */
  prepare(tx: string, writes: RowWrite[]): void {
    assert(this.statusOf(tx) === 'locked', `prepare ${tx} holds its locks and is not decided`);
    for (const w of writes) assert(this.locks.get(w.key) === tx, `prepare ${tx} writes only rows it locked (${w.key})`);
    this.wal.push({ type: 'prepare', tx, writes });
    this.prepared.set(tx, writes);
    this.status.set(tx, 'prepared');
  }

  /** Applies a prepared transaction's writes, forces COMMIT and releases its locks. */
  commit(tx: string): void {
    const writes = this.prepared.get(tx);
    assert(writes !== undefined, `commit ${tx} was prepared`);
    for (const w of writes) this.rows.set(w.key, w.value);
    this.wal.push({ type: 'commit', tx });
    this.prepared.delete(tx);
    this.status.set(tx, 'committed');
    this.release(tx);
  }

  /**
   * Aborts and forces an ABORT record (also for a transaction never seen: that is a promise
   * never to vote YES for it, which cooperative termination relies on). Releases its locks.
   */
  abort(tx: string): void {
    const s = this.statusOf(tx);
    assert(s !== 'committed', `abort ${tx} was not committed`);
    if (s === 'aborted') return;
    this.wal.push({ type: 'abort', tx });
    this.prepared.delete(tx);
    this.status.set(tx, 'aborted');
    this.release(tx);
  }

  /** A one-phase local transaction: lock, write, commit; false if a row is locked. */
  commitLocal(tx: string, writes: RowWrite[]): boolean {
    if (
      !this.lockAll(
        tx,
        writes.map((w) => w.key),
      )
    )
      return false;
    this.prepare(tx, writes);
    this.commit(tx);
    return true;
  }

  get lockCount(): number {
    return this.locks.size;
  }

  private release(tx: string): void {
    for (const k of this.held.get(tx) ?? []) if (this.locks.get(k) === tx) this.locks.delete(k);
    this.held.delete(tx);
  }
}
