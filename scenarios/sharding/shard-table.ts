/**
 * ShardTable: a shard's rows, as a storage engine keeps them: a base snapshot (the rows loaded
 * before the run, immutable, like a bulk-loaded data file) and, on the shard's disk, the
 * changes since — rows written (by the application or by a migration; a deletion is a
 * tombstone row) and the base rows this shard has let go of (handed over to a new owner).
 *
 * Why a base: a run loads thousands of rows before anything happens, and a check runs
 * thousands of times. The snapshot is shared by every run at the same parameters, so loading
 * costs nothing and the end checks need only look at what changed. The disk holds only the
 * changes, and those are what a crash can lose before they are forced.
 */
import type { DurableMap, DurableStore } from '../../engine/index.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import type { Row } from './messages.ts';

/**
 * A row's key on disk: its id as text, spelt once per process (a row is looked up in a shard's
 * tables by this key at every request, and a string spelt afresh is hashed afresh).
 */
export const rowKey: (key: number) => string = numberedNames('');

/** The changed rows' table and the let-go base rows' table on a shard's disk. */
const CHANGED = 'rows';
const LET_GO = 'base-let-go';

export class ShardTable {
  readonly changed: DurableMap<Row>;
  /** Base rows this shard no longer holds. */
  readonly letGo: DurableMap<true>;

  constructor(
    disk: DurableStore,
    /** The rows loaded here before the run (never changed). */
    readonly base: ReadonlyMap<string, Row>,
  ) {
    this.changed = disk.map<Row>(CHANGED);
    this.letGo = disk.map<true>(LET_GO);
  }

  get(key: string): Row | undefined {
    const row = this.changed.get(key);
    if (row !== undefined) return row;
    return this.letGo.has(key) ? undefined : this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, row: Row): void {
    this.changed.set(key, row);
  }

  /** Drops a row from this shard (a handed-over row). Durable once forced. */
  delete(key: string): void {
    this.changed.delete(key);
    if (this.base.has(key) && !this.letGo.has(key)) this.letGo.set(key, true);
  }

  /** True when `key` is a base row this shard still holds as loaded (never written, never let go). */
  holdsAsLoaded(key: string): boolean {
    return this.base.has(key) && !this.letGo.has(key) && !this.changed.has(key);
  }

  /** Every row's key: the base rows still held as loaded, then the changed ones. */
  *keys(): IterableIterator<string> {
    for (const key of this.base.keys()) if (!this.letGo.has(key) && !this.changed.has(key)) yield key;
    yield* this.changed.keys();
  }

  /** How many rows the shard holds (tombstones included). */
  get size(): number {
    let n = this.changed.size;
    for (const key of this.base.keys()) if (!this.letGo.has(key) && !this.changed.has(key)) n++;
    return n;
  }
}
