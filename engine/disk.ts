/**
 * A node's disk. What a node writes here survives a crash only once it has been forced (a
 * log force, an fsync): a crash loses every write since the last `force()`, as a machine
 * that loses power loses its page cache — unless the crash tears the write-back, keeping the
 * first few of those writes and losing the rest (a `crash` fault with `torn`). Reads always
 * see the latest writes, forced or not, as a process reads through the page cache.
 *
 * The disk holds named cells (`get`/`set`), maps (`map(name)`) and append-only logs
 * (`log(name)`); every change to them goes through the disk, which keeps an undo record per
 * unforced write, so a crash can roll back exactly what was not yet durable. Containers are
 * created on first use and are themselves durable at once (creating an empty map writes
 * nothing).
 *
 * The kernel hooks the disk's writes and forces so that crash points exist before every
 * write and before and after every force (`io:write`, `io:force`, `io:forced`), and counts
 * what a crash lost in the trace.
 */
import { assert } from './assert.ts';

/** An undo record: puts back what one unforced write changed. */
type Undo = () => void;

/** Where the kernel listens to a disk's writes (crash points); a no-op for a free-standing disk. */
export interface DiskProbe {
  beforeWrite(): void;
  beforeForce(): void;
  afterForce(): void;
}

const NO_PROBE: DiskProbe = { beforeWrite() {}, beforeForce() {}, afterForce() {} };

export class DurableStore {
  private readonly cells = new Map<string, unknown>();
  private readonly maps = new Map<string, DurableMap<unknown>>();
  private readonly logs = new Map<string, DurableLog<unknown>>();
  private undo: Undo[] = [];
  /** Writes since the disk was created (forced or not), for cost accounting. */
  writes = 0;
  /** Forces since the disk was created. */
  forces = 0;

  constructor(private readonly probe: DiskProbe = NO_PROBE) {}

  /** A cell's value (forced or not); undefined when never set or deleted. */
  get<T = unknown>(key: string): T | undefined {
    return this.cells.get(key) as T | undefined;
  }

  has(key: string): boolean {
    return this.cells.has(key);
  }

  /** Writes a cell. Durable once forced. */
  set(key: string, value: unknown): void {
    this.write();
    const had = this.cells.has(key);
    const old = this.cells.get(key);
    this.cells.set(key, value);
    this.undo.push(had ? () => this.cells.set(key, old) : () => this.cells.delete(key));
  }

  /** Deletes a cell. Durable once forced. */
  delete(key: string): void {
    if (!this.cells.has(key)) return;
    this.write();
    const old = this.cells.get(key);
    this.cells.delete(key);
    this.undo.push(() => this.cells.set(key, old));
  }

  /** The cells' keys, in insertion order. */
  keys(): string[] {
    return [...this.cells.keys()];
  }

  /** The map named `name` on this disk (created empty on first use). */
  map<T>(name: string): DurableMap<T> {
    let map = this.maps.get(name) as DurableMap<T> | undefined;
    if (map === undefined) {
      map = new DurableMap<T>(this);
      this.maps.set(name, map as DurableMap<unknown>);
    }
    return map;
  }

  /** The append-only log named `name` on this disk (created empty on first use). */
  log<T>(name: string): DurableLog<T> {
    let log = this.logs.get(name) as DurableLog<T> | undefined;
    if (log === undefined) {
      log = new DurableLog<T>(this);
      this.logs.set(name, log as DurableLog<unknown>);
    }
    return log;
  }

  /** True when a map or log of that name exists. */
  holds(name: string): boolean {
    return this.maps.has(name) || this.logs.has(name);
  }

  /** Makes every write so far durable (fsync): a crash after this loses none of them. */
  force(): void {
    this.probe.beforeForce();
    this.forces++;
    this.undo = [];
    this.probe.afterForce();
  }

  /** Writes not yet forced. */
  get unforced(): number {
    return this.undo.length;
  }

  /**
   * What a crash does to the disk: the first `kept` unforced writes reach it (a torn
   * write-back), every later one is lost. Returns how many writes were lost. Kernel only.
   */
  crash(kept = 0): number {
    assert(Number.isInteger(kept) && kept >= 0, 'kept is a non-negative integer');
    const lost = Math.max(0, this.undo.length - kept);
    for (let i = this.undo.length - 1; i >= kept; i--) this.undo[i]!();
    this.undo = [];
    return lost;
  }

  /** Counts a write and lets the kernel crash the node before it (internal to the disk's containers). */
  write(): void {
    this.probe.beforeWrite();
    this.writes++;
  }

  /** Records how to undo the write just made (internal to the disk's containers). */
  remember(undo: Undo): void {
    this.undo.push(undo);
  }
}

/** A key-value map on a disk: a database's table, a dedup index. Iteration is in insertion order. */
export class DurableMap<T> {
  private readonly entriesByKey = new Map<string, T>();

  constructor(private readonly disk: DurableStore) {}

  get(key: string): T | undefined {
    return this.entriesByKey.get(key);
  }

  has(key: string): boolean {
    return this.entriesByKey.has(key);
  }

  set(key: string, value: T): this {
    const rows = this.entriesByKey;
    this.disk.write();
    const had = rows.has(key);
    const old = rows.get(key) as T;
    rows.set(key, value);
    this.disk.remember(had ? () => rows.set(key, old) : () => rows.delete(key));
    return this;
  }

  delete(key: string): boolean {
    const rows = this.entriesByKey;
    if (!rows.has(key)) return false;
    this.disk.write();
    const old = rows.get(key) as T;
    rows.delete(key);
    this.disk.remember(() => rows.set(key, old));
    return true;
  }

  get size(): number {
    return this.entriesByKey.size;
  }

  keys(): IterableIterator<string> {
    return this.entriesByKey.keys();
  }

  values(): IterableIterator<T> {
    return this.entriesByKey.values();
  }

  entries(): IterableIterator<[string, T]> {
    return this.entriesByKey.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, T]> {
    return this.entriesByKey.entries();
  }
}

/** An append-only log on a disk: a write-ahead log, a partition's records, a queue. */
export class DurableLog<T> {
  private readonly records: T[] = [];

  constructor(private readonly disk: DurableStore) {}

  /** Appends one record; returns the new length. Durable once forced. */
  append(record: T): number {
    const records = this.records;
    this.disk.write();
    records.push(record);
    this.disk.remember(() => {
      records.pop();
    });
    return records.length;
  }

  /** Drops every record from index `length` on (a log truncated to a prefix). */
  truncate(length: number): void {
    assert(Number.isInteger(length) && length >= 0, 'truncate to a non-negative integer length');
    const records = this.records;
    if (length >= records.length) return;
    this.disk.write();
    const removed = records.splice(length);
    this.disk.remember(() => {
      records.push(...removed);
    });
  }

  /** Replaces record `index` (a compaction, a record marked done in place). */
  replace(index: number, record: T): void {
    const records = this.records;
    assert(Number.isInteger(index) && index >= 0 && index < records.length, 'replace an existing record');
    this.disk.write();
    const old = records[index]!;
    records[index] = record;
    this.disk.remember(() => {
      records[index] = old;
    });
  }

  get length(): number {
    return this.records.length;
  }

  /** Record `index` (negative counts from the end), or undefined. */
  at(index: number): T | undefined {
    return this.records.at(index);
  }

  /** The records from `start` to `end` (exclusive), as a new array. */
  slice(start?: number, end?: number): T[] {
    return this.records.slice(start, end);
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.records.values();
  }
}
