/**
 * TransactionalStore: the storage engine of a database node, kept on the node's disk.
 *
 * - Rows are committed values on disk (they survive a crash).
 * - Row locks are exclusive and NO_WAIT: a transaction that finds a row locked by another
 *   is refused at once (it votes NO / retries) instead of queueing, so deadlock is impossible.
 *   Locks live in memory; a crash loses them, and recovery re-acquires the locks of every
 *   prepared transaction from the write-ahead log, because a prepared transaction has
 *   promised it can still commit.
 * - The write-ahead log records PREPARE (with the writes), COMMIT, ABORT, and a one-phase
 *   local commit as a single record. Write-ahead: a transaction's log record is written
 *   before its rows, so a crash that tears the write-back keeps a prefix in which the record
 *   comes first, and recovery redoes the writes of every committed transaction. Like every
 *   write to a node's disk, a record is durable only once the node forces the disk
 *   (`ctx.disk.force()`, the WAL flush) — a real database forces at PREPARE and at COMMIT
 *   before it answers, and so must the node that uses this store: a crash loses what was
 *   not forced. Recovery replays the log: committed writes are redone; prepared transactions
 *   with no outcome are in doubt.
 * - Append-only tables (an outbox, a processed-id table, an idempotency table) hold records
 *   of any JSON shape. A local transaction may append to them together with its row writes
 *   (`commitLocalWith`): the records become visible exactly when the rows do, and not at all
 *   if the transaction never commits (the records are part of the transaction's log record,
 *   and the tables are rebuilt from the log). That atomicity is what the outbox pattern and
 *   an idempotent consumer rely on.
 */
import { assert, type DurableLog, type DurableMap, type DurableStore } from '../../../engine/index.ts';
import { numberedNames, spelledOnce } from '../workload/numbered-names.ts';

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

/** A PREPARE record of the write-ahead log. */
type PrepareRecord = { type: 'prepare'; tx: string; writes: RowWrite[]; appends?: TableAppend[] };

/** A record of the write-ahead log. */
export type WalRecord =
  | PrepareRecord
  | { type: 'commit'; tx: string }
  | { type: 'abort'; tx: string }
  | { type: 'local'; tx: string; writes: RowWrite[]; appends?: TableAppend[] };

/**
 * What the store knows of a transaction, in one entry rather than a map each (every step of a
 * transaction reads its status, and locking and releasing read its keys): its status (never
 * `none`), and the keys it holds locked (memory only; undefined once it released them).
 */
interface TxState {
  status: Exclude<TxStatus, 'none'>;
  keys: string[] | undefined;
}

export class TransactionalStore {
  private readonly rows: DurableMap<number>;
  private readonly wal: DurableLog<WalRecord>;
  // The maps below are made when first written (reads and deletes go to the field, and find
  // nothing while it is null): a store of local transactions never locks or
  // prepares, and one opened only to read its rows (an end-of-run check) needs none of them.
  // A lock given back is left as an undefined entry rather than deleted: a map that shrinks as
  // it empties and grows again at the next transaction paid for each lock several times what
  // taking it cost.
  private locksMap: Map<string, string | undefined> | null = null;
  /** Rows locked (the entries of `locksMap` that name a transaction). */
  private lockedRows = 0;
  private statesMap: Map<string, TxState> | null = null;
  private preparedMap: Map<string, RowWrite[] | undefined> | null = null;
  private preparedAppendsMap: Map<string, TableAppend[]> | null = null;
  private tablesMap: Map<string, unknown[]> | null = null;

  /** key -> transaction holding its lock, undefined when free (memory only). */
  private get locks(): Map<string, string | undefined> {
    return (this.locksMap ??= new Map());
  }
  /** tx -> its status (rebuilt from the log on recovery) and the keys it holds locked (memory only). */
  private get states(): Map<string, TxState> {
    return (this.statesMap ??= new Map());
  }
  /** tx -> the writes of a transaction prepared and not yet decided (undefined once decided). */
  private get prepared(): Map<string, RowWrite[] | undefined> {
    return (this.preparedMap ??= new Map());
  }
  /** tx -> table records it will append on commit (only transactions that append any). */
  private get preparedAppends(): Map<string, TableAppend[]> {
    return (this.preparedAppendsMap ??= new Map());
  }
  /** The committed records of each table, rebuilt from the log (a table is a view of it). */
  private get tables(): Map<string, unknown[]> {
    return (this.tablesMap ??= new Map());
  }

  /** Log records read by recovery: the views are rebuilt from these. */
  private recovered = 0;
  private statusBuilt = false;

  /** The disk cell holding the last local transaction number. */
  private readonly seqKey: string;

  constructor(
    private readonly disk: DurableStore,
    name = 'db',
  ) {
    const names = namesOf(name);
    this.seqKey = names.seq;
    this.rows = disk.map<number>(names.rows);
    this.wal = disk.log<WalRecord>(names.wal);
    this.recover();
  }

  /**
   * Recovery proper: redoes the committed writes the rows may lack and re-locks the rows of
   * in-doubt transactions. The log's other views — each transaction's status, each table —
   * are rebuilt from the records recovery read when first asked for, so a reader of the rows
   * alone (an end-of-run check) never pays for them, and one of a single table pays for that
   * table. Anything that reads or changes a view builds it first, so every later record
   * updates it in place.
   */
  private recover(): void {
    // The PREPARE records not yet decided, in log order: a short list searched from its end
    // rather than a map, as few transactions are undecided at once (each holds its rows' locks)
    // and a map paid for every transaction of the log, added and then deleted. prepare() admits
    // a transaction once, so a log holds at most one PREPARE per transaction.
    const pending: PrepareRecord[] = [];
    for (const r of this.wal) {
      if (r.type === 'local') {
        this.redoRows(r.writes);
        continue;
      }
      const at = lastIndexOfTx(pending, r.tx);
      if (r.type === 'prepare') {
        if (at < 0) pending.push(r);
        else pending[at] = r;
      } else if (at >= 0) {
        if (r.type === 'commit') this.redoRows(pending[at]!.writes);
        pending.splice(at, 1);
      }
    }
    this.recovered = this.wal.length;
    for (const { tx, writes, appends } of pending) {
      this.prepared.set(tx, writes);
      if (appends !== undefined) this.preparedAppends.set(tx, appends);
      const keys = writes.map((w) => w.key);
      for (const k of keys) this.locks.set(k, tx);
      this.states.set(tx, { status: 'prepared', keys });
    }
    // Each row once, however many prepared writes name it.
    this.lockedRows = this.locksMap === null ? 0 : this.locksMap.size;
  }

  /** Each transaction's status as the records recovery read leave it (built once, then kept up to date). */
  private statusView(): void {
    if (this.statusBuilt) return;
    this.statusBuilt = true;
    for (let i = 0; i < this.recovered; i++) {
      const r = this.wal.at(i)!;
      this.setStatus(r.tx, r.type === 'prepare' ? 'prepared' : r.type === 'abort' ? 'aborted' : 'committed');
    }
  }

  /** Table `name` as the records recovery read leave it: the appends of every committed transaction, in commit order. */
  private tableOf(name: string): unknown[] {
    let table = this.tables.get(name);
    if (table !== undefined) return table;
    table = [];
    this.tables.set(name, table);
    const prepared = new Map<string, readonly TableAppend[]>();
    for (let i = 0; i < this.recovered; i++) {
      const r = this.wal.at(i)!;
      if (r.type === 'prepare') {
        if (r.appends !== undefined) prepared.set(r.tx, r.appends);
      } else if (r.type === 'commit' || r.type === 'local') {
        const appends = r.type === 'local' ? r.appends : prepared.get(r.tx);
        if (appends !== undefined) for (const a of appends) if (a.table === name) table.push(a.record);
      }
    }
    return table;
  }

  /** Applies a committed transaction's effects (again, when recovering: rows only where they differ). */
  private redo(writes: readonly RowWrite[], appends: readonly TableAppend[]): void {
    this.redoRows(writes);
    this.appendAll(appends);
  }

  private redoRows(writes: readonly RowWrite[]): void {
    for (const w of writes) this.rows.setIfDifferent(w.key, w.value);
  }

  private appendAll(appends: readonly TableAppend[]): void {
    for (const a of appends) this.tableOf(a.table).push(a.record);
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

  /** The committed rows' values added up, in insertion order (what a conservation check compares, without a list of the rows). */
  rowSum(): number {
    let sum = 0;
    for (const value of this.rows.values()) sum += value;
    return sum;
  }

  statusOf(tx: string): TxStatus {
    this.statusView();
    return this.statesMap?.get(tx)?.status ?? 'none';
  }

  /** Sets a transaction's status (the view built); returns its state. */
  private setStatus(tx: string, status: Exclude<TxStatus, 'none'>): TxState {
    const state = this.states.get(tx);
    if (state !== undefined) {
      state.status = status;
      return state;
    }
    const created: TxState = { status, keys: undefined };
    this.states.set(tx, created);
    return created;
  }

  lockHolder(key: string): string | undefined {
    return this.locksMap?.get(key);
  }

  /** Transactions prepared with no outcome yet (in doubt), in log order. */
  inDoubt(): string[] {
    const txs: string[] = [];
    if (this.preparedMap !== null) for (const [tx, writes] of this.preparedMap) if (writes !== undefined) txs.push(tx);
    return txs;
  }

  /** Locks every key for `tx`, or none if any is held by another transaction (NO_WAIT). */
  lockAll(tx: string, keys: readonly string[]): boolean {
    this.statusView();
    if (!this.grantable(tx, keys)) return false;
    // A transaction never seen is now `locked`; one with a status keeps it.
    const state = this.states.get(tx) ?? this.setStatus(tx, 'locked');
    const mine = state.keys ?? [];
    for (const k of keys) {
      if (this.locks.get(k) === tx) continue;
      this.locks.set(k, tx);
      this.lockedRows++;
      mine.push(k);
    }
    state.keys = mine;
    return true;
  }

  /** True when no other transaction holds a lock on any of `keys`. */
  private grantable(tx: string, keys: readonly string[]): boolean {
    for (const k of keys) {
      const holder = this.locks.get(k);
      if (holder !== undefined && holder !== tx) return false;
    }
    return true;
  }

  /**
   * Forces a PREPARE record: from here on `tx` can commit even after a crash. `appends` are
   * table records that become visible when (and only if) it commits.
   */
  prepare(tx: string, writes: RowWrite[], appends: readonly TableAppend[] = NO_APPENDS): void {
    this.statusView();
    // Each message is spelt only when its assertion fails: these run at every PREPARE of every run.
    const state = this.statesMap?.get(tx);
    if (state === undefined || state.status !== 'locked') assert(false, `prepare ${tx} holds its locks and is not decided`);
    for (const w of writes) if (this.locks.get(w.key) !== tx) assert(false, `prepare ${tx} writes only rows it locked (${w.key})`);
    if (appends.length === 0) this.wal.append({ type: 'prepare', tx, writes });
    else {
      this.wal.append({ type: 'prepare', tx, writes, appends: [...appends] });
      this.preparedAppends.set(tx, [...appends]);
    }
    this.prepared.set(tx, writes);
    state.status = 'prepared';
  }

  /** Writes COMMIT, then the prepared transaction's rows, and releases its locks (durable once forced). */
  commit(tx: string): void {
    this.statusView();
    const writes = this.prepared.get(tx);
    if (writes === undefined) assert(false, `commit ${tx} was prepared`);
    this.wal.append({ type: 'commit', tx });
    this.redo(writes, this.preparedAppendsMap?.get(tx) ?? NO_APPENDS);
    this.prepared.set(tx, undefined);
    this.preparedAppendsMap?.delete(tx);
    this.releaseKeys(tx, this.setStatus(tx, 'committed'));
  }

  /**
   * Aborts and forces an ABORT record (also for a transaction never seen: that is a promise
   * never to vote YES for it, which cooperative termination relies on). Releases its locks.
   */
  abort(tx: string): void {
    this.statusView();
    const s = this.statusOf(tx);
    if (s === 'committed') assert(false, `abort ${tx} was not committed`);
    if (s === 'aborted') return;
    this.wal.append({ type: 'abort', tx });
    if (this.preparedMap?.get(tx) !== undefined) this.preparedMap.set(tx, undefined);
    this.preparedAppendsMap?.delete(tx);
    this.releaseKeys(tx, this.setStatus(tx, 'aborted'));
  }

  /** A one-phase local transaction: lock, write, commit; false if a row is locked. */
  commitLocal(tx: string, writes: RowWrite[]): boolean {
    return this.commitLocalWith(tx, writes, []);
  }

  /**
   * A one-phase local transaction that also appends records to tables: the row writes and the
   * records commit together or not at all (one log record). False (and nothing written) if a
   * row is locked.
   */
  commitLocalWith(tx: string, writes: RowWrite[], appends: readonly TableAppend[]): boolean {
    this.statusView();
    const status = this.statusOf(tx);
    if (status !== 'none' && status !== 'locked') assert(false, `local transaction ${tx} is new`);
    // Its locks are taken and given back within this one call, where no other transaction can
    // see them: one that holds none yet only needs to find its rows free (as they all are while no
    // transaction holds a lock, the common case of a store with local transactions only).
    const holding = status === 'locked';
    if (holding ? !this.lockAll(tx, keysOf(writes)) : this.lockCount > 0 && !this.grantable(tx, keysOf(writes))) return false;
    this.wal.append(appends.length === 0 ? { type: 'local', tx, writes } : { type: 'local', tx, writes, appends: [...appends] });
    this.redo(writes, appends);
    const state = this.setStatus(tx, 'committed');
    if (holding) this.releaseKeys(tx, state);
    return true;
  }

  /**
   * The write-ahead log as it stands, oldest first: what an auditor reads to learn the order
   * in which transactions committed and what each saw (every record it precedes). Read only.
   */
  log(): Iterable<WalRecord> {
    return this.wal;
  }

  /** The committed records of an append-only table, in commit order (empty if none yet); the same array as commits add to it. */
  table<T>(name: string): readonly T[] {
    return this.tableOf(name) as T[];
  }

  /** A fresh transaction id for a local transaction (`local-1`, `local-2`...); the counter is on disk, so ids never repeat across crashes. */
  nextTxId(prefix = 'local'): string {
    const key = this.seqKey;
    const next = (this.disk.get<number>(key) ?? 0) + 1;
    this.disk.set(key, next);
    return txIdsOf(prefix)(next);
  }

  get lockCount(): number {
    return this.lockedRows;
  }

  /** Releases the locks of `tx`, whose state is `state` (looked up once by its caller). */
  private releaseKeys(tx: string, state: TxState): void {
    const keys = state.keys;
    if (keys === undefined) return;
    const locks = this.locks;
    for (const k of keys)
      if (locks.get(k) === tx) {
        locks.set(k, undefined);
        this.lockedRows--;
      }
    state.keys = undefined;
  }
}

/** The appends of a transaction that has none (shared: never changed). */
const NO_APPENDS: readonly TableAppend[] = Object.freeze([]);

/** Where the record of `tx` is in `records`, searched from the end (-1: nowhere). */
function lastIndexOfTx(records: readonly PrepareRecord[], tx: string): number {
  for (let i = records.length - 1; i >= 0; i--) if (records[i]!.tx === tx) return i;
  return -1;
}

function keysOf(writes: readonly RowWrite[]): string[] {
  return writes.map((w) => w.key);
}

/** A store's names on its disk (its rows, its log, its transaction counter). */
interface StoreNames {
  rows: string;
  wal: string;
  seq: string;
}

/** Store names by the store's name, spelt once per process: every run opens its stores by them, at each start and in its end checks. */
const namesOf = spelledOnce((name): StoreNames => ({ rows: `${name}:rows`, wal: `${name}:wal`, seq: `${name}:tx-seq` }));

/**
 * Transaction ids by prefix, spelt once per process: every run of a check numbers its local
 * transactions alike, and each id is looked up in the status map as it commits.
 */
const txIdsOf = spelledOnce((prefix) => numberedNames(`${prefix}-`));
