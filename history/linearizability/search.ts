/**
 * The Wing–Gong–Lowe search for a linearization of one (sub-)history, with the accelerations
 * of Lowe and of Porcupine:
 *
 * - The history is a doubly linked list of call and return entries in real-time order. The
 *   search walks it: at a call, it tries to take the operation now (the model must allow it
 *   with the result it returned); if that works the operation's call and return are lifted
 *   out of the list and the walk restarts from the head; at a return, the operation whose
 *   return it is was not taken before its completion, so the search backtracks.
 * - Every (set of operations taken, model state) pair reached is remembered; reaching one
 *   again cannot lead anywhere new, so that branch is cut. This memo is what makes Jepsen-size
 *   histories with many indeterminate operations tractable.
 * - An indeterminate (`info`) operation returns at +infinity: it may be taken at any point
 *   after its invocation, or never (taking it last, after every other operation, is the same
 *   as never, since nothing observes the state after the end).
 * - Symmetry: indeterminate operations of the same kind (function and argument) are
 *   interchangeable, so they are only ever taken in the order they were invoked. Any
 *   linearization can be rearranged so (swap the earlier-invoked one into the later one's
 *   place: it was invoked earlier, so it may be taken there). Without this, k timed-out writes
 *   of a handful of values make 2^k sets of taken operations; with it, a product of small
 *   counts. Jepsen histories are full of such timeouts.
 *
 * The search is bounded: by a deadline on an injected clock and by the number of memoized
 * states. Reaching a bound is the honest verdict `unknown`, never a guess. When no
 * linearization exists, the search reports its deepest point: the longest prefix it could
 * linearize and the operation that could not be taken before its completion.
 */
import { assert } from '../assert.ts';
import type { LinearizabilityModel, ModelOperation } from './model.ts';

/** Bounds of one search. */
export interface SearchBudget {
  /** Returns the current time in ms; only read when `deadlineMs` is set. */
  clock?: () => number;
  /** Stop with `unknown` once `clock()` passes this. */
  deadlineMs?: number;
  /** Stop with `unknown` once this many (taken set, state) pairs are memoized. */
  statesMax: number;
}

/** What a search found. */
export type SearchResult =
  | { verdict: 'linearizable'; order: number[]; statesExplored: number }
  | {
      verdict: 'not-linearizable';
      /** Indices (into the operations searched) of the longest linearizable prefix, in order. */
      prefix: number[];
      /** Index of the operation that could not be taken before its completion. */
      stuck: number;
      /** Indices of the operations that were pending (invoked, not taken) at that point. */
      pending: number[];
      statesExplored: number;
    }
  | { verdict: 'unknown'; bound: 'time' | 'states'; statesExplored: number; prefix: number[] };

const NONE = -1;
/** The memo's bitsets may take at most this many 32-bit words (256 MB): a memory bound, reported like the state bound. */
const MEMO_WORDS_MAX = 64 * 1024 * 1024;

/** Searches for a linearization of `ops` (in any order; positions come from their sources). */
export function searchLinearization<S>(model: LinearizabilityModel<S>, ops: readonly ModelOperation[], budget: SearchBudget): SearchResult {
  const n = ops.length;
  if (n === 0) return { verdict: 'linearizable', order: [], statesExplored: 0 };
  const list = buildEntries(ops);
  const { next, head } = list;
  const isCall = (entry: number) => entry < n; // entries 0..n-1 are calls of op i, n..2n-1 returns

  const zobrist = zobristKeys(n);
  const words = (n + 31) >>> 5;
  const taken = new Uint32Array(words);
  let takenHash = 0;
  const memo = new Memo(words);
  let memoSize = 0;

  const previousOfKind = sameKindChains(ops);

  const stackOp = new Int32Array(n);
  const stackState: S[] = new Array(n);
  let depth = 0;

  // The deepest point reached: its prefix (copied lazily from the stack) and the return it met.
  const deepest = new Int32Array(n);
  let deepestLength = 0;
  let lowWater = 0;
  let stuck = NONE;
  let stuckPending: number[] = [];

  let state = model.init();
  let entry = next[head]!;
  let steps = 0;
  while (next[head] !== NONE) {
    if (++steps % 4096 === 0 && budget.deadlineMs !== undefined && budget.clock!() > budget.deadlineMs) {
      return { verdict: 'unknown', bound: 'time', statesExplored: memoSize, prefix: Array.from(deepest.subarray(0, deepestLength)) };
    }
    if (isCall(entry)) {
      const op = entry;
      const earlier = previousOfKind[op]!;
      if (earlier !== NONE && (taken[earlier >>> 5]! & (1 << (earlier & 31))) === 0) {
        entry = next[entry]!;
        continue;
      }
      const after = model.step(state, ops[op]!);
      if (after !== undefined) {
        const bit = 1 << (op & 31);
        const word = op >>> 5;
        taken[word]! |= bit;
        const hash = (takenHash ^ zobrist[op]!) >>> 0;
        const stateKey = model.key(after);
        const fresh = memo.remember((hash ^ stringHash(stateKey)) >>> 0, taken, stateKey);
        if (fresh) {
          if (++memoSize > budget.statesMax || memoSize * words > MEMO_WORDS_MAX) {
            return { verdict: 'unknown', bound: 'states', statesExplored: memoSize, prefix: Array.from(deepest.subarray(0, deepestLength)) };
          }
          stackOp[depth] = op;
          stackState[depth] = state;
          depth++;
          takenHash = hash;
          state = after;
          lift(list, op);
          if (depth > deepestLength) {
            for (let i = lowWater; i < depth; i++) deepest[i] = stackOp[i]!;
            deepestLength = depth;
            lowWater = depth;
            stuck = NONE;
          }
          entry = next[head]!;
          continue;
        }
        taken[word]! &= ~bit;
      }
      entry = next[entry]!;
      continue;
    }
    // A return: its operation was not taken in time. Backtrack.
    if (depth === deepestLength && stuck === NONE) {
      stuck = entry - n;
      stuckPending = pendingCalls(list, n, entry);
    }
    if (depth === 0) {
      assert(stuck !== NONE, 'a failed search met a return it could not pass');
      return { verdict: 'not-linearizable', prefix: Array.from(deepest.subarray(0, deepestLength)), stuck, pending: stuckPending, statesExplored: memoSize };
    }
    depth--;
    if (depth < lowWater) lowWater = depth;
    const op = stackOp[depth]!;
    state = stackState[depth]!;
    taken[op >>> 5]! &= ~(1 << (op & 31));
    takenHash = (takenHash ^ zobrist[op]!) >>> 0;
    unlift(list, op);
    entry = next[op]!;
  }
  return { verdict: 'linearizable', order: Array.from(stackOp.subarray(0, depth)), statesExplored: memoSize };
}

/**
 * For each indeterminate operation, the previous indeterminate operation of the same kind
 * (function and argument) in order of invocation; NONE for the first of a kind and for every
 * determinate operation.
 */
function sameKindChains(ops: readonly ModelOperation[]): Int32Array {
  const previous = new Int32Array(ops.length).fill(NONE);
  const order = ops.map((_, i) => i).sort((a, b) => ops[a]!.source.invokePosition - ops[b]!.source.invokePosition);
  const last = new Map<string, number>();
  for (const i of order) {
    const op = ops[i]!;
    if (op.known) continue;
    const kind = `${op.f}\u0000${typeof op.input === 'string' ? op.input : JSON.stringify(op.input)}`;
    previous[i] = last.get(kind) ?? NONE;
    last.set(kind, i);
  }
  return previous;
}

/** The entry list: call of op i is entry i, its return entry n + i; `head` is a sentinel. */
interface EntryList {
  next: Int32Array;
  prev: Int32Array;
  head: number;
  match: Int32Array;
}

function buildEntries(ops: readonly ModelOperation[]): EntryList {
  const n = ops.length;
  const events: { entry: number; position: number; order: number }[] = [];
  for (let i = 0; i < n; i++) {
    const source = ops[i]!.source;
    const returnPosition = ops[i]!.known ? source.completePosition : Number.POSITIVE_INFINITY;
    assert(source.invokePosition < returnPosition, 'an operation returns after it is invoked');
    events.push({ entry: i, position: source.invokePosition, order: 0 });
    events.push({ entry: n + i, position: returnPosition, order: i });
  }
  events.sort((a, b) => a.position - b.position || a.order - b.order);
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(NONE);
  const prev = new Int32Array(2 * n + 1).fill(NONE);
  let last = head;
  for (const event of events) {
    next[last] = event.entry;
    prev[event.entry] = last;
    last = event.entry;
  }
  const match = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    match[i] = n + i;
    match[n + i] = i;
  }
  return { next, prev, head, match };
}

/** Takes operation `op`'s call and return out of the list. */
function lift(list: EntryList, op: number): void {
  const { next, prev, match } = list;
  const ret = match[op]!;
  next[prev[op]!] = next[op]!;
  if (next[op] !== NONE) prev[next[op]!] = prev[op]!;
  next[prev[ret]!] = next[ret]!;
  if (next[ret] !== NONE) prev[next[ret]!] = prev[ret]!;
}

/** Puts operation `op`'s call and return back where they were (undoes the last `lift`). */
function unlift(list: EntryList, op: number): void {
  const { next, prev, match } = list;
  const ret = match[op]!;
  next[prev[ret]!] = ret;
  if (next[ret] !== NONE) prev[next[ret]!] = ret;
  next[prev[op]!] = op;
  if (next[op] !== NONE) prev[next[op]!] = op;
}

/** The operations whose calls precede `returnEntry` in the list: the candidates at that point. */
function pendingCalls(list: EntryList, n: number, returnEntry: number): number[] {
  const pending: number[] = [];
  for (let e = list.next[list.head]!; e !== NONE && e !== returnEntry; e = list.next[e]!) if (e < n) pending.push(e);
  return pending;
}

/**
 * The set of (taken operations, state) pairs reached: a chained hash table whose bitsets live
 * in one growing arena, so that remembering a state allocates nothing per state (a typed array
 * per state made the garbage collector the search's main cost).
 */
class Memo {
  private arena: Uint32Array;
  private readonly heads = new Map<number, number>();
  private readonly nextEntry: number[] = [];
  private readonly states: string[] = [];

  constructor(private readonly words: number) {
    this.arena = new Uint32Array(Math.max(1024, words * 1024));
  }

  /** Records (taken, state); false when it was there already. */
  remember(hash: number, taken: Uint32Array, state: string): boolean {
    const words = this.words;
    const head = this.heads.get(hash);
    for (let e = head ?? NONE; e !== NONE; e = this.nextEntry[e]!) {
      if (this.states[e] !== state) continue;
      const offset = e * words;
      let same = true;
      for (let i = 0; i < words; i++) {
        if (this.arena[offset + i] !== taken[i]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    const entry = this.states.length;
    if ((entry + 1) * words > this.arena.length) {
      const grown = new Uint32Array(this.arena.length * 2);
      grown.set(this.arena);
      this.arena = grown;
    }
    this.arena.set(taken, entry * words);
    this.states.push(state);
    this.nextEntry.push(head ?? NONE);
    this.heads.set(hash, entry);
    return true;
  }
}

/** Fixed pseudo-random 32-bit keys per operation (Zobrist hashing of the taken set). */
function zobristKeys(n: number): Uint32Array {
  const keys = new Uint32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    keys[i] = x >>> 0;
  }
  return keys;
}

/** FNV-1a of a string. */
function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
