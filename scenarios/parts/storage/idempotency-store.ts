/**
 * IdempotencyStore: the server side of idempotency keys, a table of key -> response kept in
 * the service's own database.
 *
 * `once(key, effect)` runs the effect the first time a key is seen and commits its row
 * writes, its table appends (an outbox entry, say) and the key's response in ONE local
 * transaction; any later request with the same key gets the recorded response back and
 * changes nothing. Because the key is written in the same transaction as the effect, a crash
 * can never leave the effect applied without its key (which would let a retry apply it
 * twice) or the key recorded without its effect (which would swallow the request).
 *
 * A consumer's processed-id store is the same thing with a response of no interest: the key
 * is the message id, and a redelivered message is recognised and skipped.
 *
 * The table is on disk; the lookup index is memory, rebuilt from the table after a restart
 * and caught up lazily with records committed since. Like every transaction of the store, the
 * key is durable once the node forces its disk — which it must do before it answers: a key
 * answered and then lost in a crash lets the retry run the effect again.
 */
import type { RowWrite, TableAppend, TransactionalStore } from './transactional-store.ts';

/** What a step does to the database, as data: row writes, table appends, and the answer to give. */
export interface LocalEffect<R> {
  writes: RowWrite[];
  appends?: readonly TableAppend[];
  response: R;
}

/** The outcome of a keyed request: its response, and whether it was replayed from the store. */
export interface KeyedOutcome<R> {
  response: R;
  replayed: boolean;
  /** The local transaction that committed the effect (absent when replayed): what recovery can look up. */
  tx?: string;
}

interface KeyRecord<R> {
  key: string;
  response: R;
}

export class IdempotencyStore<R> {
  private readonly index = new Map<string, R>();
  private indexed = 0;
  /** The table itself, once looked up (the store keeps one array per table, which its commits grow). */
  private records: readonly KeyRecord<R>[] | null = null;

  constructor(
    private readonly db: TransactionalStore,
    readonly tableName = 'idempotency-keys',
  ) {}

  has(key: string): boolean {
    this.catchUp();
    return this.index.has(key);
  }

  /** The response recorded for `key`, if it was seen. */
  recall(key: string): R | undefined {
    this.catchUp();
    return this.index.get(key);
  }

  /**
   * Runs `effect` once per key. The first time, commits the effect and the key together and
   * returns its response; afterwards returns the recorded response without running it.
   * Null when a row the effect writes is locked (nothing committed: the caller may retry).
   */
  once(key: string, effect: () => LocalEffect<R>): KeyedOutcome<R> | null {
    this.catchUp();
    // One lookup for a new key (the common case); a key seen before pays a second.
    if (this.index.has(key)) return { response: this.index.get(key) as R, replayed: true };
    const e = effect();
    const record: KeyRecord<R> = { key, response: e.response };
    const tx = this.db.nextTxId('keyed');
    if (!this.db.commitLocalWith(tx, e.writes, [...(e.appends ?? []), { table: this.tableName, record }])) return null;
    this.catchUp();
    return { response: e.response, replayed: false, tx };
  }

  /** Keys recorded so far. */
  get size(): number {
    this.catchUp();
    return this.index.size;
  }

  private catchUp(): void {
    const table = (this.records ??= this.db.table<KeyRecord<R>>(this.tableName));
    for (; this.indexed < table.length; this.indexed++) {
      const r = table[this.indexed]!;
      this.index.set(r.key, r.response);
    }
  }
}

/**
 * Applies an effect with no idempotency key: every call commits it again. What a step that
 * is not idempotent does with a redelivered or retried request. Null when a row is locked.
 */
export function applyEffect<R>(db: TransactionalStore, effect: LocalEffect<R>): KeyedOutcome<R> | null {
  const tx = db.nextTxId('unkeyed');
  return db.commitLocalWith(tx, effect.writes, effect.appends ?? []) ? { response: effect.response, replayed: false, tx } : null;
}
