/**
 * A `kv` history (each key a read/write register, every write a unique value) kept in columns
 * of numbers, for a simulation that judges one in every run: keys and values are small
 * integers, named only when the history is turned into operations (`[key value]` tuples, as
 * Jepsen's independent keys), and each operation is a few numbers pushed as it happens. A
 * scenario with a few hundred requests per run records them for about the cost of the calls.
 *
 * `prove` is the proof of write-order.ts on the columns: given the order in which the writes
 * took effect (`propose`), each read goes right after the write whose value it returned, and
 * the history is linearizable exactly when no operation completed before one ahead of it (of
 * its key) was invoked. When the proposal does not explain the history the answer is "not
 * proven": the caller turns the log into operations for the search.
 *
 * Names must be one-to-one (two ids never share a name), so that the columns and the
 * operations say the same thing.
 */
import type { ColumnarEntry, ColumnarHistory } from '../columnar-history.ts';
import type { Process } from '../history.ts';

/** An operation's outcome; OPEN until it completes (then it counts as `info`). */
const OPEN = 0;
const OK = 1;
const FAIL = 2;
const INFO = 3;
const TYPES = ['info', 'ok', 'fail', 'info'] as const;
/** A read's value: the key's initial nil, or not known (a read that did not complete ok). */
const NIL = -1;
const UNKNOWN = -2;
const NONE = -1;

/** How the log names its keys and values when it becomes operations. */
export interface KvNames {
  key(id: number): string | number;
  value(id: number): string | number;
}

/** Numbers per operation in the flat column: key × 2 + 1 for a write, value, outcome, invocation and completion positions. */
const OP = 5;
const KEY = 0;
const VALUE = 1;
const STATUS = 2;
const INVOKED = 3;
const COMPLETED = 4;

export class KvLog implements ColumnarHistory {
  readonly model = 'kv';
  /** Each operation's process. */
  private readonly processes: Process[] = [];
  /**
   * Per operation, OP numbers: its key × 2 (+1 for a write), its value (a write's; a read's
   * result, NIL or UNKNOWN), its outcome, and the positions of its invocation and completion
   * (-1: none). One flat array: a few arrays grow where an object per operation would be made.
   */
  private readonly ops: number[] = [];
  /** Each entry of the history: operation × 2 (+1 for its completion), and when it happened. */
  private readonly entries: number[] = [];
  private readonly times: number[] = [];
  private lastTimeMs = Number.NEGATIVE_INFINITY;
  private keyCount = 0;
  private valueSpan = 0;
  private proposed: readonly number[] | null = null;

  constructor(private readonly names: KvNames) {}

  get size(): number {
    return this.processes.length;
  }

  get order(): readonly number[] | null {
    return this.proposed;
  }

  /** `process` invokes a write of value `value` (a non-negative integer, unique per key) to key `key` (a non-negative integer). Returns the operation. */
  write(process: Process, key: number, value: number, timeMs: number): number {
    if (!(value >= 0 && (value | 0) === value)) throw new Error(`KvLog: a value is a non-negative integer, got ${value}`);
    if (value >= this.valueSpan) this.valueSpan = value + 1;
    return this.invoke(process, key * 2 + 1, value, timeMs);
  }

  /** `process` invokes a read of key `key`. Returns the operation. */
  read(process: Process, key: number, timeMs: number): number {
    return this.invoke(process, key * 2, UNKNOWN, timeMs);
  }

  /** The operation took effect; a read returned value `value` (-1: the key's initial nil). */
  ok(op: number, timeMs: number, value = NIL): void {
    this.complete(op, OK, timeMs);
    if ((this.ops[op * OP + KEY]! & 1) === 0) {
      if (!(value >= NIL && (value | 0) === value)) throw new Error(`KvLog: a read returns a non-negative integer or -1 (nil), got ${value}`);
      this.ops[op * OP + VALUE] = value;
    }
  }

  /** The operation certainly did not take effect. */
  fail(op: number, timeMs: number): void {
    this.complete(op, FAIL, timeMs);
  }

  /** The client cannot know whether the operation took effect. */
  info(op: number, timeMs: number): void {
    this.complete(op, INFO, timeMs);
  }

  /** Whether the operation has completed. */
  completed(op: number): boolean {
    return this.ops[op * OP + STATUS] !== OPEN;
  }

  /** The writes (their operations) in the order the system says they took effect: see `prove`. */
  propose(writes: readonly number[]): void {
    this.proposed = writes;
  }

  *operations(): Generator<ColumnarEntry> {
    const { key: keyName, value: valueName } = this.names;
    const ops = this.ops;
    for (let e = 0; e < this.entries.length; e++) {
      const op = this.entries[e]! >> 1;
      const completion = (this.entries[e]! & 1) === 1;
      const write = (ops[op * OP + KEY]! & 1) === 1;
      const key = keyName(ops[op * OP + KEY]! >> 1);
      const type = completion ? TYPES[ops[op * OP + STATUS]!]! : 'invoke';
      const v = ops[op * OP + VALUE]!;
      let value: unknown;
      if (write) value = [key, valueName(v)];
      else if (!completion) value = [key, null];
      else value = type === 'ok' ? [key, v === NIL ? null : valueName(v)] : null;
      yield { op, type, process: this.processes[op]!, f: write ? 'write' : 'read', timeMs: this.times[e]!, value };
    }
  }

  /**
   * True when the claim is `kv` and the writes taking effect in the proposed order explain the
   * history (write-order.ts): every acknowledged write in the order, no failed one, no value
   * written twice to a key by writes that may have taken effect, every read of a value whose
   * write is in the order (or of nil), and along each key — its reads of nil, then each write
   * followed by the reads of its value in order of invocation — nothing completed before
   * something ahead of it was invoked.
   */
  prove(claim: { model: string }): boolean {
    const order = this.proposed;
    if (claim.model !== 'kv' || order === null) return false;
    const n = this.processes.length;
    const ops = this.ops;
    const keys = this.keyCount;
    const w = order.length;
    // The writes in order are groups 0..w-1 (a write and the reads of its value), the keys' reads of nil groups w..w+keys-1.
    const groupOf: number[] = new Array(n).fill(NONE);
    const firstOfKey: number[] = new Array(keys).fill(NONE);
    const lastOfKey: number[] = new Array(keys).fill(NONE);
    const nextOfKey: number[] = new Array(w).fill(NONE);
    for (let g = 0; g < w; g++) {
      const op = order[g]!;
      if (!(op >= 0 && op < n) || (ops[op * OP + KEY]! & 1) === 0 || groupOf[op] !== NONE || ops[op * OP + STATUS] === FAIL) return false;
      groupOf[op] = g;
      const k = ops[op * OP + KEY]! >> 1;
      if (lastOfKey[k] === NONE) firstOfKey[k] = g;
      else nextOfKey[lastOfKey[k]!] = g;
      lastOfKey[k] = g;
    }
    const span = this.valueSpan;
    /** key × span + value → the write of it that may have taken effect. */
    const writerOf = new Map<number, number>();
    for (let op = 0; op < n; op++) {
      const at = op * OP;
      if ((ops[at + KEY]! & 1) === 0 || ops[at + STATUS] === FAIL) continue;
      if (ops[at + STATUS] === OK && groupOf[op] === NONE) return false;
      const id = (ops[at + KEY]! >> 1) * span + ops[at + VALUE]!;
      if (writerOf.has(id)) return false;
      writerOf.set(id, op);
    }
    // Each group keeps its reads' earliest completion and latest invocation.
    const readsDone: number[] = new Array(w + keys).fill(Number.POSITIVE_INFINITY);
    const readsBegun: number[] = new Array(w + keys).fill(NONE);
    for (let op = 0; op < n; op++) {
      const at = op * OP;
      if ((ops[at + KEY]! & 1) === 1 || ops[at + STATUS] !== OK) continue;
      const k = ops[at + KEY]! >> 1;
      let g = w + k;
      if (ops[at + VALUE] !== NIL) {
        const writer = writerOf.get(k * span + ops[at + VALUE]!);
        if (writer === undefined || groupOf[writer] === NONE) return false;
        g = groupOf[writer]!;
      }
      if (ops[at + COMPLETED]! < readsDone[g]!) readsDone[g] = ops[at + COMPLETED]!;
      if (ops[at + INVOKED]! > readsBegun[g]!) readsBegun[g] = ops[at + INVOKED]!;
    }
    for (let k = 0; k < keys; k++) {
      let latest = readsBegun[w + k]!;
      for (let g = firstOfKey[k]!; g !== NONE; g = nextOfKey[g]!) {
        const at = order[g]! * OP;
        // Completed at -1: not at all (indeterminate), at the end of time.
        if (ops[at + COMPLETED]! >= 0 && ops[at + COMPLETED]! < latest) return false;
        if (ops[at + INVOKED]! > latest) latest = ops[at + INVOKED]!;
        if (readsDone[g]! < latest) return false;
        if (readsBegun[g]! > latest) latest = readsBegun[g]!;
      }
    }
    return true;
  }

  private invoke(process: Process, keyKind: number, value: number, timeMs: number): number {
    if (!(keyKind >= 0 && (keyKind | 0) === keyKind)) throw new Error(`KvLog: a key is a non-negative integer, got ${keyKind >> 1}`);
    this.at(timeMs);
    const op = this.processes.length;
    this.processes.push(process);
    this.ops.push(keyKind, value, OPEN, this.entries.length, NONE);
    this.entries.push(op * 2);
    this.times.push(timeMs);
    if (keyKind >> 1 >= this.keyCount) this.keyCount = (keyKind >> 1) + 1;
    return op;
  }

  private complete(op: number, outcome: number, timeMs: number): void {
    if (this.ops[op * OP + STATUS] !== OPEN) throw new Error(`KvLog: operation ${op} is not open`);
    this.at(timeMs);
    this.ops[op * OP + STATUS] = outcome;
    if (outcome !== INFO) this.ops[op * OP + COMPLETED] = this.entries.length;
    this.entries.push(op * 2 + 1);
    this.times.push(timeMs);
  }

  private at(timeMs: number): void {
    if (!(timeMs >= this.lastTimeMs) || timeMs === Number.POSITIVE_INFINITY)
      throw new Error(`KvLog: time must be finite and never go back (${timeMs} ms after ${this.lastTimeMs} ms)`);
    this.lastTimeMs = timeMs;
  }
}
