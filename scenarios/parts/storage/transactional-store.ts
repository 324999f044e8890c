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
 * - Append-only tables (an outbox, a processed-id table, an idempotency table) hold records
 *   of any JSON shape. A local transaction may append to them together with its row writes
 *   (`commitLocalWith`): the records become visible exactly when the rows do, and not at all
 *   if the transaction never commits. That atomicity is what the outbox pattern and an
 *   idempotent consumer rely on.
 */
import { assert, type DurableStore } from '../../../engine/index.ts';

export type TxStatus = 'none' | 'locked' | 'prepared' | 'committed' | 'aborted';

export interface RowWrite {
  key: string;
  value: number;
}

/** A record to append to a named table when a transaction commits. */
export interface TableAppend {
  table: string;
  record: unknown;
}

type LogRecord = { type: 'prepare'; tx: string; writes: RowWrite[]; appends?: TableAppend[] } | { type: 'commit'; tx: string } | { type: 'abort'; tx: string };

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
  /** tx -> table records it will append on commit (only transactions that append any). */
  private readonly preparedAppends = new Map<string, TableAppend[]>();

  constructor(
    private readonly durable: DurableStore,
    private readonly name = 'db',
  ) {
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
        if (r.appends !== undefined) this.preparedAppends.set(r.tx, r.appends);
      } else {
        this.status.set(r.tx, r.type === 'commit' ? 'committed' : 'aborted');
        this.prepared.delete(r.tx);
        this.preparedAppends.delete(r.tx);
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

  /**
   * Forces a PREPARE record: from here on `tx` can commit even after a crash. `appends` are
   * table records that become visible when (and only if) it commits.
   */
  prepare(tx: string, writes: RowWrite[], appends: readonly TableAppend[] = []): void {
    assert(this.statusOf(tx) === 'locked', `prepare ${tx} holds its locks and is not decided`);
    for (const w of writes) assert(this.locks.get(w.key) === tx, `prepare ${tx} writes only rows it locked (${w.key})`);
    if (appends.length === 0) this.wal.push({ type: 'prepare', tx, writes });
    else {
      this.wal.push({ type: 'prepare', tx, writes, appends: [...appends] });
      this.preparedAppends.set(tx, [...appends]);
    }
    this.prepared.set(tx, writes);
    this.status.set(tx, 'prepared');
  }

  /** Applies a prepared transaction's writes, forces COMMIT and releases its locks. */
  commit(tx: string): void {
    const writes = this.prepared.get(tx);
    assert(writes !== undefined, `commit ${tx} was prepared`);
    for (const w of writes) this.rows.set(w.key, w.value);
    for (const a of this.preparedAppends.get(tx) ?? []) this.tableOf(a.table).push(a.record);
    this.wal.push({ type: 'commit', tx });
    this.prepared.delete(tx);
    this.preparedAppends.delete(tx);
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
    this.preparedAppends.delete(tx);
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

  /**
   * A one-phase local transaction that also appends records to tables: the row writes and the
   * records commit together or not at all. False (and nothing written) if a row is locked.
   */
  commitLocalWith(tx: string, writes: RowWrite[], appends: readonly TableAppend[]): boolean {
    if (
      !this.lockAll(
        tx,
        writes.map((w) => w.key),
      )
    )
      return false;
    this.prepare(tx, writes, appends);
    this.commit(tx);
    return true;
  }

  /** The committed records of an append-only table, in commit order (empty if none yet). */
  table<T>(name: string): readonly T[] {
    return (this.tables()?.get(name) ?? []) as T[];
  }

  /** A fresh transaction id for a local transaction (`local-1`, `local-2`...); the counter is on disk, so ids never repeat across crashes. */
  nextTxId(prefix = 'local'): string {
    const key = `${this.name}:tx-seq`;
    const next = (this.durable.get<number>(key) ?? 0) + 1;
    this.durable.set(key, next);
    return `${prefix}-${next}`;
  }

  get lockCount(): number {
    return this.locks.size;
  }

  /** The tables on disk; created on the first append, so a store that never appends leaves its disk as it was. */
  private tables(): Map<string, unknown[]> | undefined {
    return this.durable.get<Map<string, unknown[]>>(`${this.name}:tables`);
  }

  private tableOf(name: string): unknown[] {
    let tables = this.tables();
    if (tables === undefined) {
      tables = new Map();
      this.durable.set(`${this.name}:tables`, tables);
    }
    let table = tables.get(name);
    if (table === undefined) {
      table = [];
      tables.set(name, table);
    }
    return table;
  }

  private release(tx: string): void {
    for (const k of this.held.get(tx) ?? []) if (this.locks.get(k) === tx) this.locks.delete(k);
    this.held.delete(tx);
  }
}
