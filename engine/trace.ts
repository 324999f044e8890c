/**
 * Trace recording. The simulation reports each event to a `TraceSink` as a handful of
 * numbers and one object reference (`record`); with no sink attached it does no trace work
 * at all. Sinks:
 *  - `MemoryTrace` keeps the rows columnar (typed arrays plus one object column) and
 *    materializes typed `TraceEvent`s only when read;
 *  - `CallbackTrace` materializes each event and hands it to a function (streaming);
 *  - `HashTrace` folds each event's canonical encoding into the trace hash, storing nothing.
 */
import type { DropReason, NoteLevel, TraceEvent } from './trace-event.ts';
import { TraceHasher } from './trace-hash.ts';

/** Row kinds, in the order of TRACE_EVENT_TYPES. */
export const Row = {
  Send: 0,
  Deliver: 1,
  Drop: 2,
  Duplicate: 3,
  Timer: 4,
  Crash: 5,
  Restart: 6,
  Pause: 7,
  Resume: 8,
  Slow: 9,
  Partition: 10,
  Heal: 11,
  Degrade: 12,
  Restore: 13,
  Inject: 14,
  State: 15,
  Metric: 16,
  Violation: 17,
  Note: 18,
  Clock: 19,
} as const;
export type Row = (typeof Row)[keyof typeof Row];

const DROP_REASONS: readonly DropReason[] = ['loss', 'partition', 'node-down'];
export const DROP_LOSS = 0;
export const DROP_PARTITION = 1;
export const DROP_NODE_DOWN = 2;

/**
 * A row: time, kind, node `a` (sender / the node concerned, -1 for none), node `b` (receiver,
 * -1 for none), a number `n` (message id, timer id, drop reason, metric value, slow factor),
 * and an object `o` (payload, tag, fault, note...).
 */
export interface TraceSink {
  record(t: number, kind: Row, a: number, b: number, n: number, o: unknown): void;
  /**
   * False when the sink is done with a row's payload once `record` returns (it folds or copies
   * it), so a message may change after it was sent without rewriting what the sink holds. Unset
   * or true: the sink keeps payloads by reference, and the simulation freezes every sent message.
   */
  readonly keepsPayloads?: boolean;
}

/** Turns a row into a typed event. `names` maps node indices to node names. */
export function materialize(names: readonly string[], t: number, kind: Row, a: number, b: number, n: number, o: unknown): TraceEvent {
  const node = a >= 0 ? names[a]! : undefined;
  switch (kind) {
    case Row.Send:
      return { type: 'send', t, id: n, from: node!, to: names[b]!, msg: o };
    case Row.Deliver:
      return { type: 'deliver', t, id: n, from: node!, to: names[b]!, msg: o };
    case Row.Drop: {
      const drop = o as { id: number; msg: unknown };
      return { type: 'drop', t, id: drop.id, from: node!, to: names[b]!, reason: DROP_REASONS[n]!, msg: drop.msg };
    }
    case Row.Duplicate:
      return { type: 'duplicate', t, id: n, from: node!, to: names[b]! };
    case Row.Timer:
      return { type: 'timer', t, node: node!, id: n, tag: o };
    case Row.Crash:
      return { type: 'crash', t, node: node!, lostWrites: n };
    case Row.Restart:
      return { type: 'restart', t, node: node! };
    case Row.Pause:
      return { type: 'pause', t, node: node! };
    case Row.Resume:
      return { type: 'resume', t, node: node! };
    case Row.Slow:
      return { type: 'slow', t, node: node!, factor: n };
    case Row.Partition:
      return { type: 'partition', t, fault: o as never };
    case Row.Heal:
      return { type: 'heal', t };
    case Row.Degrade:
      return { type: 'degrade', t, fault: o as never };
    case Row.Restore:
      return { type: 'restore', t };
    case Row.Inject:
      return { type: 'inject', t, fault: o as never };
    case Row.State: {
      const s = o as { state: string; detail?: string };
      return s.detail === undefined ? { type: 'state', t, node: node!, state: s.state } : { type: 'state', t, node: node!, state: s.state, detail: s.detail };
    }
    case Row.Metric:
      return node === undefined ? { type: 'metric', t, name: o as string, value: n } : { type: 'metric', t, name: o as string, value: n, node };
    case Row.Violation: {
      const v = o as { invariant: string; message: string };
      return node === undefined
        ? { type: 'violation', t, invariant: v.invariant, message: v.message }
        : { type: 'violation', t, invariant: v.invariant, message: v.message, node };
    }
    case Row.Note: {
      const note = o as { text: string; level: NoteLevel };
      return node === undefined ? { type: 'note', t, text: note.text, level: note.level } : { type: 'note', t, text: note.text, level: note.level, node };
    }
    case Row.Clock:
      return { type: 'clock', t, node: node!, fault: o as never };
  }
}

/**
 * Rows per chunk of a MemoryTrace (a power of two: a row's chunk is its index shifted). Large
 * enough that a chunk's wide columns (512 KB) come from fresh zeroed pages rather than being
 * cleared by the allocator; the first chunk starts small and doubles up to it, so a short
 * trace stays small.
 */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const FIRST_CHUNK = 1 << 10;

/** One chunk of rows, column by column. */
class TraceChunk {
  readonly t: Float64Array;
  readonly kind: Uint8Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly n: Float64Array;
  readonly o: unknown[];

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.n = new Float64Array(capacity);
    this.o = new Array(capacity);
  }

  /** A copy with room for `capacity` rows. */
  grown(capacity: number): TraceChunk {
    const c = new TraceChunk(capacity);
    c.t.set(this.t);
    c.kind.set(this.kind);
    c.a.set(this.a);
    c.b.set(this.b);
    c.n.set(this.n);
    for (let i = 0; i < this.capacity; i++) c.o[i] = this.o[i];
    return c;
  }
}

/**
 * Keeps every row in columns, in fixed-size chunks (past the first, a full chunk is never
 * copied: recording stays constant-time however long the run); events are materialized on read.
 */
export class MemoryTrace implements TraceSink {
  private readonly chunks: TraceChunk[] = [new TraceChunk(FIRST_CHUNK)];
  private current = this.chunks[0]!;
  private fill = 0;
  private count = 0;
  /** Node names by index; the simulation appends to it as nodes are added. */
  names: readonly string[] = [];

  get length(): number {
    return this.count;
  }

  record(t: number, kind: Row, a: number, b: number, n: number, o: unknown): void {
    let j = this.fill;
    if (j === this.current.capacity) j = this.grow(j);
    const c = this.current;
    c.t[j] = t;
    c.kind[j] = kind;
    c.a[j] = a;
    c.b[j] = b;
    c.n[j] = n;
    c.o[j] = o;
    this.fill = j + 1;
    this.count++;
  }

  /** Room for the next row: the first chunk doubles until it is full size, then a new chunk starts. Returns the row's index in its chunk. */
  private grow(j: number): number {
    if (j < CHUNK) {
      this.current = this.current.grown(2 * j);
      this.chunks[0] = this.current;
      return j;
    }
    this.current = new TraceChunk(CHUNK);
    this.chunks.push(this.current);
    return 0;
  }

  /** The time of row i (cheap: no materialization). */
  timeAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]!.t[i & CHUNK_MASK]!;
  }

  /** The type of row i (cheap: no materialization). */
  kindAt(i: number): Row {
    return this.chunks[i >>> CHUNK_BITS]!.kind[i & CHUNK_MASK]! as Row;
  }

  /** Row i as a typed event. */
  at(i: number): TraceEvent {
    const c = this.chunks[i >>> CHUNK_BITS]!;
    const j = i & CHUNK_MASK;
    return materialize(this.names, c.t[j]!, c.kind[j]! as Row, c.a[j]!, c.b[j]!, c.n[j]!, c.o[j]);
  }

  /** Every event, in order. */
  events(): TraceEvent[] {
    const out = new Array<TraceEvent>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.at(i);
    return out;
  }

  /** The trace hash of everything recorded so far. */
  hash(): string {
    const h = new TraceHasher();
    for (let i = 0; i < this.count; i++) {
      const c = this.chunks[i >>> CHUNK_BITS]!;
      const j = i & CHUNK_MASK;
      h.addRow(this.names, c.t[j]!, c.kind[j]! as Row, c.a[j]!, c.b[j]!, c.n[j]!, c.o[j]);
    }
    return h.digest();
  }
}

/** Materializes each event and passes it on as it happens. */
export class CallbackTrace implements TraceSink {
  names: readonly string[] = [];
  constructor(private readonly onEvent: (event: TraceEvent) => void) {}

  record(t: number, kind: Row, a: number, b: number, n: number, o: unknown): void {
    this.onEvent(materialize(this.names, t, kind, a, b, n, o));
  }
}

/** Folds every event into the trace hash and keeps nothing else. */
export class HashTrace implements TraceSink {
  names: readonly string[] = [];
  /** Each row is folded into the hash as it is recorded: what is hashed is what was sent. */
  readonly keepsPayloads = false;
  private readonly hasher = new TraceHasher();
  count = 0;

  record(t: number, kind: Row, a: number, b: number, n: number, o: unknown): void {
    this.count++;
    this.hasher.addRow(this.names, t, kind, a, b, n, o);
  }

  hash(): string {
    return this.hasher.digest();
  }
}

/** Sends every row to several sinks (e.g. a trace file and a hash for the CLI). */
export class TeeTrace implements TraceSink {
  private _names: readonly string[] = [];
  readonly keepsPayloads: boolean;
  constructor(private readonly sinks: readonly (TraceSink & { names: readonly string[] })[]) {
    this.keepsPayloads = sinks.some((s) => s.keepsPayloads !== false);
  }

  get names(): readonly string[] {
    return this._names;
  }
  set names(names: readonly string[]) {
    this._names = names;
    for (const s of this.sinks) s.names = names;
  }

  record(t: number, kind: Row, a: number, b: number, n: number, o: unknown): void {
    for (const s of this.sinks) s.record(t, kind, a, b, n, o);
  }
}
