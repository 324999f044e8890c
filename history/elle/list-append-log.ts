/**
 * A list-append history kept in columns of numbers, for a simulation that judges one in every
 * run. Keys and appended values are small integers (named only when the history is turned
 * into operations), a read is a prefix of a list the log holds once (`list` + `length`: what
 * a log-structured store gives back is the first n entries of one key's log), and each entry
 * of the history is one number. Recording a few dozen transactions this way allocates a
 * handful of arrays instead of an object per operation and micro-op, which is what lets a
 * check judge a transactional claim in every run.
 *
 * It is the same history as the operations `operations()` yields, entry for entry (a position
 * is an entry's index in both), so a claim judged on it is judged on what `run --history`
 * writes. `proveOrder` is the proof by a proposed serial order of serial-order.ts on the
 * columns: when the proposed order explains the history it is decided in linear time; when it
 * does not, the caller turns the log into operations for the full analysis.
 *
 * Names must be one-to-one (two ids never share a name), so that the columns and the
 * operations say the same thing.
 */
import type { ColumnarEntry, ColumnarHistory } from '../columnar-history.ts';
import type { Process } from '../history.ts';
import { type ConsistencyLevel, DEFAULT_CONSISTENCY, needsRealtime } from './consistency.ts';

/** A transaction's outcome in the log; OPEN until it completes (then it counts as `info`). */
const OPEN = 0;
const OK = 1;
const FAIL = 2;
const INFO = 3;
const TYPES = ['info', 'ok', 'fail', 'info'] as const;

/** A micro-op's kind, in the low bit of its first number. */
const APPEND = 0;
const READ = 1;
/** Numbers per transaction and per micro-op in their flat arrays. */
const TXN = 4;
const MOP = 3;
/** The most (key, value) pairs the proof tracks in a bitset (16 KB of bits) rather than a set. */
const BITSET_MAX = 1 << 17;

/** How the log names its keys and values when it becomes operations. */
export interface ListAppendNames {
  key(id: number): string | number;
  value(id: number): string | number;
}

export class ListAppendLog implements ColumnarHistory {
  readonly model = 'list-append';
  /** Each transaction's process. */
  private readonly processes: Process[];
  /**
   * Per transaction, TXN numbers: its outcome, the positions of its invocation and completion
   * (-1: none, or `info`: it may take effect at any time), and where its micro-ops start. One
   * flat array of numbers, like the micro-ops' (MOP numbers each: key × 2 + kind, an append's
   * value or a read's list, a read's length or -1): a few arrays grow where an object per
   * operation would be made.
   */
  private readonly txns: number[];
  private readonly mops: number[];
  /** The lists reads are prefixes of. */
  private readonly lists: (readonly number[])[] = [];
  /** Each entry of the history: transaction × 2 (+1 for its completion), and when it happened. */
  private readonly entries: number[];
  private readonly times: number[];
  /** How much of each array is used (the arrays may be made to an expected size up front). */
  private txnCount = 0;
  private mopCount = 0;
  private entryCount = 0;
  private lastTimeMs = Number.NEGATIVE_INFINITY;
  private keyCount = 0;
  private valueSpan = 0;
  /** A proposed serial order (transactions), or null. */
  private proposed: readonly number[] | null = null;

  /**
   * `expect`: how many transactions and micro-ops the caller expects, when it knows: the
   * columns are then made at that size once instead of grown (and copied) as they fill.
   */
  constructor(
    private readonly names: ListAppendNames,
    expect?: { transactions: number; microOps: number },
  ) {
    const transactions = expect?.transactions ?? 0;
    this.processes = new Array(transactions);
    this.txns = new Array(transactions * TXN);
    this.mops = new Array((expect?.microOps ?? 0) * MOP);
    this.entries = new Array(transactions * 2);
    this.times = new Array(transactions * 2);
  }

  /** Transactions in the log. */
  get size(): number {
    return this.txnCount;
  }

  /** Entries of the history (invocations and completions). */
  get length(): number {
    return this.entryCount;
  }

  /** Holds a list of value ids that reads return prefixes of; returns its id. The log keeps it as given: do not change it afterwards. */
  list(values: readonly number[]): number {
    this.lists.push(values);
    return this.lists.length - 1;
  }

  /** Invokes a transaction at `timeMs`; its micro-ops follow (`append`, `read`) before the next transaction is invoked. Returns its id. */
  invoke(process: Process, timeMs: number): number {
    this.at(timeMs);
    const txn = this.txnCount++;
    const { txns, entries } = this;
    this.processes[txn] = process;
    txns[txn * TXN] = OPEN;
    txns[txn * TXN + 1] = this.entryCount;
    txns[txn * TXN + 2] = -1;
    txns[txn * TXN + 3] = this.mopCount;
    entries[this.entryCount] = txn * 2;
    this.times[this.entryCount++] = timeMs;
    return txn;
  }

  /** The transaction invoked last appends value `value` to key `key` (non-negative integers). */
  append(key: number, value: number): void {
    this.mop(key * 2 + APPEND, value, 0);
    if (value >= this.valueSpan) this.valueSpan = value + 1;
  }

  /** The transaction invoked last reads key `key`: the first `length` values of list `list` when it commits (length -1: its result is not known, the list is not read, and the completion leaves the read out). */
  read(key: number, list: number, length: number): void {
    if (length !== -1) {
      const values = this.lists[list];
      if (values === undefined || !(length >= 0 && length <= values.length && (length | 0) === length))
        throw new Error(`ListAppendLog: a read of ${length} values of list ${list}, which has ${values?.length ?? 'none'}`);
    }
    this.mop(key * 2 + READ, length === -1 ? 0 : list, length);
  }

  /** The transaction committed. */
  ok(txn: number, timeMs: number): void {
    this.complete(txn, OK, timeMs);
  }

  /** The transaction certainly did not take effect. */
  fail(txn: number, timeMs: number): void {
    this.complete(txn, FAIL, timeMs);
  }

  /** The client cannot know whether the transaction took effect. */
  info(txn: number, timeMs: number): void {
    this.complete(txn, INFO, timeMs);
  }

  /** Whether the transaction has completed. */
  completed(txn: number): boolean {
    return this.txns[txn * TXN] !== OPEN;
  }

  /** The order in which the system says it serialized the transactions (their ids): see `proveOrder`. */
  propose(order: readonly number[]): void {
    this.proposed = order;
  }

  /** The proposed serial order, or null. */
  get order(): readonly number[] | null {
    return this.proposed;
  }

  *operations(): Generator<ColumnarEntry> {
    for (let e = 0; e < this.entryCount; e++) {
      const code = this.entries[e]!;
      const op = code >> 1;
      const process = this.processes[op]!;
      const timeMs = this.times[e]!;
      if ((code & 1) === 0) {
        yield { op, type: 'invoke', process, f: 'txn', timeMs, value: this.value(op, false) };
        continue;
      }
      const type = TYPES[this.txns[op * TXN]!]!;
      yield { op, type, process, f: 'txn', timeMs, value: type === 'ok' ? this.value(op, true) : null };
    }
  }

  /** Where transaction `txn`'s micro-ops end. */
  private mopEnd(txn: number): number {
    return txn + 1 < this.txnCount ? this.txns[(txn + 1) * TXN + 3]! : this.mopCount;
  }

  /** The micro-ops of a transaction as submitted (reads nil) or, `completed`, as committed (reads with their lists; unknown ones left out). */
  private value(txn: number, completed: boolean): unknown[] {
    const { key, value } = this.names;
    const mops = this.mops;
    const out: unknown[] = [];
    for (let m = this.txns[txn * TXN + 3]!; m < this.mopEnd(txn); m += MOP) {
      const k = key(mops[m]! >> 1);
      if ((mops[m]! & 1) === APPEND) {
        out.push(['append', k, value(mops[m + 1]!)]);
        continue;
      }
      const length = mops[m + 2]!;
      if (!completed) out.push(['r', k, null]);
      else if (length >= 0) {
        const list = this.lists[mops[m + 1]!]!;
        const read: (string | number)[] = [];
        for (let i = 0; i < length; i++) read.push(value(list[i]!));
        out.push(['r', k, read]);
      }
    }
    return out;
  }

  private mop(keyKind: number, arg: number, length: number): void {
    const txn = this.txnCount - 1;
    if (txn < 0 || this.txns[txn * TXN] !== OPEN) throw new Error('ListAppendLog: a micro-op belongs to the open transaction invoked last');
    if (!(keyKind >= 0 && arg >= 0 && (keyKind | 0) === keyKind && (arg | 0) === arg))
      throw new Error('ListAppendLog: keys and values are non-negative integers');
    const mops = this.mops;
    const at = this.mopCount;
    mops[at] = keyKind;
    mops[at + 1] = arg;
    mops[at + 2] = length;
    this.mopCount = at + MOP;
    if (keyKind >> 1 >= this.keyCount) this.keyCount = (keyKind >> 1) + 1;
  }

  private complete(txn: number, status: number, timeMs: number): void {
    if (this.txns[txn * TXN] !== OPEN) throw new Error(`ListAppendLog: transaction ${txn} is not open`);
    this.at(timeMs);
    this.txns[txn * TXN] = status;
    if (status !== INFO) this.txns[txn * TXN + 2] = this.entryCount;
    this.entries[this.entryCount] = txn * 2 + 1;
    this.times[this.entryCount++] = timeMs;
  }

  private at(timeMs: number): void {
    if (!(timeMs >= this.lastTimeMs) || timeMs === Number.POSITIVE_INFINITY)
      throw new Error(`ListAppendLog: time must be finite and never go back (${timeMs} ms after ${this.lastTimeMs} ms)`);
    this.lastTimeMs = timeMs;
  }

  /** True when the claim is list-append and the proposed order proves it (`proveOrder`, with real time for strict serializability). */
  prove(claim: { model: string; consistency?: ConsistencyLevel }): boolean {
    return claim.model === 'list-append' && this.proveOrder(needsRealtime(claim.consistency ?? DEFAULT_CONSISTENCY));
  }

  /**
   * The proof of serial-order.ts on the columns: true when replaying the proposed order
   * explains the history — every committed transaction in it once, no failed one, an
   * indeterminate one or not; every committed read exactly what the order appended before it;
   * no value appended twice to a key by transactions that may have taken effect; and, with
   * `realtime`, no transaction completed before one ahead of it was invoked. False means "not
   * proven", never "violated".
   */
  proveOrder(realtime: boolean): boolean {
    const order = this.proposed;
    if (order === null) return false;
    const n = this.txnCount;
    const txns = this.txns;
    const mops = this.mops;
    const used: boolean[] = [];
    for (let t = 0; t < n; t++) used.push(false);
    let latestInvoke = -1;
    for (let i = 0; i < order.length; i++) {
      const t = order[i]!;
      if (!(t >= 0 && t < n) || used[t] || txns[t * TXN] === FAIL) return false;
      used[t] = true;
      // Completed at -1: indeterminate, at the end of time.
      const completed = txns[t * TXN + 2]!;
      if (realtime && completed >= 0 && completed < latestInvoke) return false;
      if (txns[t * TXN + 1]! > latestInvoke) latestInvoke = txns[t * TXN + 1]!;
    }

    const span = this.valueSpan;
    // Each (key, value) appended once: a bitset over key × span + value while that is small (a
    // few words for a run's dozens of appends, where a set cost a third of the proof), else a set.
    const pairs = this.keyCount * span;
    const bits = pairs <= BITSET_MAX ? new Int32Array((pairs + 31) >>> 5) : null;
    const appended = bits === null ? new Set<number>() : null;
    for (let t = 0; t < n; t++) {
      const status = txns[t * TXN];
      if (status === FAIL) continue;
      if (status === OK && !used[t]) return false;
      for (let m = txns[t * TXN + 3]!, end = this.mopEnd(t); m < end; m += MOP) {
        if ((mops[m]! & 1) !== APPEND) continue;
        const id = (mops[m]! >> 1) * span + mops[m + 1]!;
        if (bits !== null) {
          const bit = 1 << (id & 31);
          if ((bits[id >>> 5]! & bit) !== 0) return false;
          bits[id >>> 5]! |= bit;
        } else {
          if (appended!.has(id)) return false;
          appended!.add(id);
        }
      }
    }

    const replayed: number[][] = [];
    for (let k = 0; k < this.keyCount; k++) replayed.push([]);
    for (let i = 0; i < order.length; i++) {
      const t = order[i]!;
      const ok = txns[t * TXN] === OK;
      for (let m = txns[t * TXN + 3]!, end = this.mopEnd(t); m < end; m += MOP) {
        const list = replayed[mops[m]! >> 1]!;
        if ((mops[m]! & 1) === APPEND) {
          list.push(mops[m + 1]!);
          continue;
        }
        const length = mops[m + 2]!;
        // An indeterminate transaction's reads, and a committed one's unknown reads, say nothing.
        if (!ok || length < 0) continue;
        if (length !== list.length) return false;
        const read = this.lists[mops[m + 1]!]!;
        for (let v = 0; v < length; v++) if (read[v] !== list[v]) return false;
      }
    }
    return true;
  }
}
