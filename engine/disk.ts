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

/**
 * What puts back one unforced write, kept as data (four slots of `DurableStore.undo` per
 * write: the kind, the container, a key or index, the old value) rather than as a closure per
 * write: a step of a database writes a handful of cells and forces them at once, and a
 * closure each was a large share of what a write cost.
 */
type Undo = number;
/** `container.set(key, old)`: a map entry (or cell) that existed, overwritten or deleted. */
const RESTORE: Undo = 0;
/** `container.delete(key)`: a map entry (or cell) that did not exist. */
const REMOVE: Undo = 1;
/** `container.pop()`: a record appended to a log. */
const POP: Undo = 2;
/** `container.push(...old)`: records a truncation removed. */
const PUSH_BACK: Undo = 3;
/** `container[key] = old`: a log record replaced. */
const PUT: Undo = 4;

/** Slots per undo record in `DurableStore.undo`. */
const UNDO_SLOTS = 4;

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
  /**
   * Undo records of the unforced writes, oldest first, UNDO_SLOTS slots each (see Undo): the
   * first `undoSlots` slots. A force only resets the count, so the array keeps its room for the
   * next writes instead of growing again from nothing after every force (most forces follow a
   * handful of writes); a stale slot beyond the count is overwritten before it is read again.
   */
  private readonly undo: unknown[] = [];
  private undoSlots = 0;
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
    this.setEntry(this.cells, key, this.cells.get(key), value);
  }

  /** Deletes a cell. Durable once forced. */
  delete(key: string): void {
    this.deleteEntry(this.cells, key);
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
    this.undoSlots = 0;
    this.probe.afterForce();
  }

  /** Writes not yet forced. */
  get unforced(): number {
    return this.undoSlots / UNDO_SLOTS;
  }

  /**
   * What a crash does to the disk: the first `kept` unforced writes reach it (a torn
   * write-back), every later one is lost. Returns how many writes were lost. Kernel only.
   */
  crash(kept = 0): number {
    assert(Number.isInteger(kept) && kept >= 0, 'kept is a non-negative integer');
    const undo = this.undo;
    const lost = Math.max(0, this.unforced - kept);
    for (let i = this.undoSlots - UNDO_SLOTS; i >= kept * UNDO_SLOTS; i -= UNDO_SLOTS) undoOne(undo[i] as Undo, undo[i + 1], undo[i + 2], undo[i + 3]);
    this.undoSlots = 0;
    return lost;
  }

  /** Counts a write and lets the kernel crash the node before it (internal to the disk's containers). */
  write(): void {
    this.probe.beforeWrite();
    this.writes++;
  }

  /**
   * Sets `key` in one of this disk's keyed containers (its cells, a map's rows), `old` being what
   * `entries.get(key)` returns now, and remembers how to undo it (internal to the disk's containers).
   */
  setEntry(entries: Map<string, unknown>, key: string, old: unknown, value: unknown): void {
    this.write();
    this.remember(old !== undefined || entries.has(key) ? RESTORE : REMOVE, entries, key, old);
    entries.set(key, value);
  }

  /** Deletes `key` from one of this disk's keyed containers, remembering how to undo it; false when it was not there. */
  deleteEntry(entries: Map<string, unknown>, key: string): boolean {
    if (!entries.has(key)) return false;
    this.write();
    this.remember(RESTORE, entries, key, entries.get(key));
    entries.delete(key);
    return true;
  }

  /** Records how to undo the write about to be made (internal to the disk's containers). */
  remember(kind: Undo, container: object, key: unknown, old: unknown): void {
    const undo = this.undo;
    const at = this.undoSlots;
    undo[at] = kind;
    undo[at + 1] = container;
    undo[at + 2] = key;
    undo[at + 3] = old;
    this.undoSlots = at + UNDO_SLOTS;
  }
}

/** Puts back what one unforced write changed. */
function undoOne(kind: Undo, container: unknown, key: unknown, old: unknown): void {
  switch (kind) {
    case RESTORE:
      (container as Map<unknown, unknown>).set(key, old);
      return;
    case REMOVE:
      (container as Map<unknown, unknown>).delete(key);
      return;
    case POP:
      (container as unknown[]).pop();
      return;
    case PUSH_BACK:
      (container as unknown[]).push(...(old as unknown[]));
      return;
    case PUT:
      (container as unknown[])[key as number] = old;
      return;
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
    this.disk.setEntry(this.entriesByKey, key, this.entriesByKey.get(key), value);
    return this;
  }

  /**
   * Writes the entry unless `get(key)` already returns `value`; true when it wrote. What a
   * recovery's redo does, in one lookup where a `get` and then a `set` took two.
   */
  setIfDifferent(key: string, value: T): boolean {
    const old = this.entriesByKey.get(key);
    if (old === value) return false;
    this.disk.setEntry(this.entriesByKey, key, old, value);
    return true;
  }

  delete(key: string): boolean {
    return this.disk.deleteEntry(this.entriesByKey, key);
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
    const disk = this.disk;
    disk.write();
    disk.remember(POP, records, undefined, undefined);
    return records.push(record);
  }

  /** Drops every record from index `length` on (a log truncated to a prefix). */
  truncate(length: number): void {
    assert(Number.isInteger(length) && length >= 0, 'truncate to a non-negative integer length');
    const records = this.records;
    if (length >= records.length) return;
    this.disk.write();
    this.disk.remember(PUSH_BACK, records, undefined, records.splice(length));
  }

  /** Replaces record `index` (a compaction, a record marked done in place). */
  replace(index: number, record: T): void {
    const records = this.records;
    assert(Number.isInteger(index) && index >= 0 && index < records.length, 'replace an existing record');
    this.disk.write();
    this.disk.remember(PUT, records, index, records[index]);
    records[index] = record;
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
