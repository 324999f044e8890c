/**
 * The trace hash: a 64-bit digest of the canonical binary encoding of a run's trace events,
 * in order. Two runs hash the same exactly when their traces are the same event for event, in
 * any process, worker or browser: the encoding uses no platform API and no floating-point
 * arithmetic, only integer mixing of 32-bit words.
 *
 * The canonical encoding of one event is a sequence of 32-bit words:
 *  - the event type's index in TRACE_EVENT_TYPES, then its time as the two halves of its
 *    IEEE-754 bit pattern (low word first);
 *  - numbers (ids, factors, metric values) as their 64-bit patterns, -0 as 0;
 *  - node names and metric names interned: the first time a name appears its characters are
 *    encoded after a NEW marker, and every later mention is its index (in order of first
 *    appearance, which both a row and a materialized event know);
 *  - message payloads as a 64-bit digest of their canonical value encoding, a pure function
 *    of the payload, computed when the message is sent and reused for its deliveries and
 *    drops (found by message id in a small table of recent messages; computed again from the
 *    row's payload for a message older than that);
 *  - other values (timer tags, faults, texts) inline in the canonical value encoding, which
 *    follows JSON's semantics so that an event and its JSON round trip encode alike: object
 *    keys in insertion order with undefined values skipped, undefined in arrays and
 *    non-finite numbers as null, strings as UTF-16 code units.
 *
 * Events reach the hasher either as kernel rows (`addRow`, the fast path: no event object is
 * built) or as typed events (`add`, for traces read back from a file, a stream or the page);
 * both produce the same words, and a property test holds them to it.
 *
 * How it is computed (the words, and so the hash, are as described above; only the speed is
 * at stake here): an event's words are first written to a growable Int32Array (`Words`), and
 * the hasher folds that buffer into its lanes in one tight loop whenever it passes a
 * threshold, with the two lanes in local variables. A payload's words are written to the
 * same buffer after the pending ones and folded at once into a fresh pair of lanes, giving
 * its digest. Writing a word is a store; mixing it is a handful of integer operations with
 * no field access and no call, which is what makes hashing cheap beside the run.
 */
import type { Row } from './trace.ts';
import { TRACE_EVENT_TYPES, type TraceEvent } from './trace-event.ts';

// Value tags of the canonical value encoding.
const TAG_NULL = 1;
const TAG_FALSE = 2;
const TAG_TRUE = 3;
const TAG_NUMBER = 4;
const TAG_STRING = 5;
const TAG_ARRAY = 6;
const TAG_OBJECT = 7;
const TAG_END = 8;
const TAG_ABSENT = 9;
/** Marks a name's first appearance (its characters follow); 0xffffffff as a signed word. */
const NEW_NAME = -1;

const DROP_REASON_CODES: Readonly<Record<string, number>> = { loss: 0, partition: 1, 'node-down': 2 };
const NOTE_LEVEL_CODES: Readonly<Record<string, number>> = { info: 0, key: 1, warn: 2 };
const TYPE_CODES: Readonly<Record<string, number>> = Object.fromEntries(TRACE_EVENT_TYPES.map((t, i) => [t, i]));

// Bit access to doubles: one shared scratch, little- or big-endian decided once.
const f64 = new Float64Array(1);
const u32 = new Int32Array(f64.buffer);
f64[0] = 1;
const LO = u32[0] === 0 ? 0 : 1;
const HI = 1 - LO;

const SEED1 = 0x9e3779b9 | 0;
const SEED2 = 0x85ebca6b | 0;

/**
 * Words the value encoders (`chars`, `value`) leave free past the position they return, and
 * the start of every event has free past it (pending words stay below FLUSH_AT, the buffer
 * holds at least twice that): an event's fixed-size words (type, time, ids, interned names,
 * markers, a payload digest; fewer than SLACK - 8 between two encoder calls) are written
 * without a bounds check of their own, and an encoder may write a few words before checking.
 */
const SLACK = 64;
/** The hasher folds its pending words once they pass this many. */
const FLUSH_AT = 1 << 12;
/** Payload digests kept for messages' later rows (a power of two). */
const DIGESTS = 1 << 12;

const ownProperty = Object.prototype.hasOwnProperty;

/**
 * Folds words `buf[from..to)` into two 32-bit lanes (murmur3-style mixing, different
 * constants per lane) and returns the lanes as `h1` and `h2` of `into`. Mixing is
 * integer-only (`Math.imul`, shifts), so every JavaScript engine agrees.
 */
function fold(into: LaneState, buf: Int32Array, from: number, to: number): void {
  let h1 = into.h1;
  let h2 = into.h2;
  for (let i = from; i < to; i++) {
    const w = buf[i]!;
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h1 ^= Math.imul(k, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(w ^ 0x5bd1e995, 0x27d4eb2f);
    j = (j << 17) | (j >>> 15);
    h2 ^= Math.imul(j, 0x165667b1);
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 9) + 0x7feb352d) | 0;
  }
  into.h1 = h1;
  into.h2 = h2;
  into.words += to - from;
}

/** Two lanes and the number of words folded into them. */
interface LaneState {
  h1: number;
  h2: number;
  words: number;
}

function finish1(h1: number, count: number, words: number): number {
  let h = h1 ^ count ^ words;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function finish2(h2: number, count: number, words: number): number {
  let h = h2 ^ Math.imul(count, 0x27d4eb2d) ^ words;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** An empty object: for-in finds a key in it only if Object.prototype has an enumerable property. */
const NO_KEYS: Readonly<Record<string, never>> = Object.freeze({});

function inheritsEnumerable(): boolean {
  for (const _ in NO_KEYS) return true;
  return false;
}

/** A value JSON leaves out of an object (and writes as null in an array). */
const skipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

export class TraceHasher {
  /** The lanes everything folded so far went into. */
  private readonly lanes: LaneState = { h1: SEED1, h2: SEED2, words: 0 };
  /**
   * Words written but not yet folded: `buf[0..pending)`. Every encoder below takes the
   * position to write at and returns the position after what it wrote; `chars` and `value`
   * leave at least SLACK words of room past it (replacing `buf` with a larger copy when they
   * must), so callers read `buf` again after calling one.
   */
  private buf: Int32Array = new Int32Array(2 * FLUSH_AT);
  private pending = 0;
  /** Scratch lanes for payload digests. */
  private readonly payloadLanes: LaneState = { h1: SEED1, h2: SEED2, words: 0 };
  private count = 0;
  /** Interned names (nodes and metric series), by first appearance. */
  private readonly interned = new Map<string, number>();
  /** Row path: a node index's interned index, -1 until the node first appears. */
  private nodeRefs: Int32Array = new Int32Array(16).fill(-1);
  /** Whether for-in finds no inherited key on an object literal (see object()); looked up once per value. */
  private plainLiterals = true;
  /**
   * Recent payload digests (two words each) by message id modulo DIGESTS, `digestIds` saying
   * whose each is (-1: none). A digest is a pure function of the payload, so one pushed out by
   * a later message is simply computed again from the row's payload: the table stays small
   * (in cache) however many messages a run sends, where one kept for every message grew by
   * 9 bytes a message for the whole run.
   */
  private readonly digests = new Int32Array(2 * DIGESTS);
  private readonly digestIds = new Int32Array(DIGESTS).fill(-1);

  /** Folds one typed event (read back from a file, a stream or the page). */
  add(event: TraceEvent): void {
    let p = this.start();
    const b = this.buf;
    b[p] = TYPE_CODES[event.type]!;
    number(b, p + 1, event.t);
    p += 3;
    switch (event.type) {
      case 'send':
      case 'deliver':
      case 'duplicate':
        number(b, p, event.id);
        p = this.name(this.name(p + 2, event.from), event.to);
        if (event.type !== 'duplicate') p = this.payload(p, event.id, event.msg);
        break;
      case 'drop':
        number(b, p, event.id);
        p = this.name(this.name(p + 2, event.from), event.to);
        this.buf[p] = DROP_REASON_CODES[event.reason]!;
        p = this.payload(p + 1, event.id, event.msg);
        break;
      case 'timer':
        p = this.name(p, event.node);
        number(this.buf, p, event.id);
        p = this.value(p + 2, event.tag);
        break;
      case 'crash':
        p = this.name(p, event.node);
        number(this.buf, p, event.lostWrites);
        p += 2;
        break;
      case 'restart':
      case 'pause':
      case 'resume':
        p = this.name(p, event.node);
        break;
      case 'slow':
        p = this.name(p, event.node);
        number(this.buf, p, event.factor);
        p += 2;
        break;
      case 'partition':
      case 'degrade':
      case 'inject':
        p = this.value(p, event.fault);
        break;
      case 'heal':
      case 'restore':
        break;
      case 'state':
        p = this.chars(this.name(p, event.node), event.state);
        p = this.optionalText(p, event.detail);
        break;
      case 'metric':
        p = this.name(p, event.name);
        number(this.buf, p, event.value);
        p = this.optionalName(p + 2, event.node);
        break;
      case 'violation':
        p = this.chars(this.chars(p, event.invariant), event.message);
        p = this.optionalName(p, event.node);
        break;
      case 'note':
        p = this.chars(p, event.text);
        this.buf[p] = NOTE_LEVEL_CODES[event.level]!;
        p = this.optionalName(p + 1, event.node);
        break;
      case 'clock':
        p = this.value(this.name(p, event.node), event.fault);
        break;
    }
    this.pending = p;
    this.count++;
  }

  /**
   * Folds one kernel row (see TraceSink.record); `names` maps node indices to names. The
   * same words as `add(materialize(names, ...))`, without building the event.
   */
  addRow(names: readonly string[], t: number, kind: Row, a: number, b: number, n: number, o: unknown): void {
    let p = this.start();
    const w = this.buf;
    w[p] = kind;
    number(w, p + 1, t);
    p += 3;
    switch (kind) {
      case 0: // send
      case 1: // deliver
        number(w, p, n);
        p = this.payload(this.node(names, b, this.node(names, a, p + 2)), n, o);
        break;
      case 2: {
        // drop: o is { id, msg }, n the reason code
        const drop = o as { id: number; msg: unknown };
        number(w, p, drop.id);
        p = this.node(names, b, this.node(names, a, p + 2));
        this.buf[p] = n;
        p = this.payload(p + 1, drop.id, drop.msg);
        break;
      }
      case 3: // duplicate
        number(w, p, n);
        p = this.node(names, b, this.node(names, a, p + 2));
        break;
      case 4: // timer
        p = this.node(names, a, p);
        number(this.buf, p, n);
        p = this.value(p + 2, o);
        break;
      case 5: // crash: n is the count of writes it lost
      case 9: // slow: n is the factor
        p = this.node(names, a, p);
        number(this.buf, p, n);
        p += 2;
        break;
      case 6: // restart
      case 7: // pause
      case 8: // resume
        p = this.node(names, a, p);
        break;
      case 10: // partition
      case 12: // degrade
      case 14: // inject
        p = this.value(p, o);
        break;
      case 11: // heal
      case 13: // restore
        break;
      case 15: {
        // state
        const s = o as { state: string; detail?: string };
        p = this.optionalText(this.chars(this.node(names, a, p), s.state), s.detail);
        break;
      }
      case 16: // metric: o is the series name, n the value
        p = this.name(p, o as string);
        number(this.buf, p, n);
        p = this.optionalNode(names, a, p + 2);
        break;
      case 17: {
        // violation
        const v = o as { invariant: string; message: string };
        p = this.optionalNode(names, a, this.chars(this.chars(p, v.invariant), v.message));
        break;
      }
      case 18: {
        // note
        const note = o as { text: string; level: string };
        p = this.chars(p, note.text);
        this.buf[p] = NOTE_LEVEL_CODES[note.level]!;
        p = this.optionalNode(names, a, p + 1);
        break;
      }
      case 19: // clock
        p = this.value(this.node(names, a, p), o);
        break;
    }
    this.pending = p;
    this.count++;
  }

  /** 16 hex digits. */
  digest(): string {
    this.flush();
    const { h1, h2, words } = this.lanes;
    return finish1(h1, this.count, words).toString(16).padStart(8, '0') + finish2(h2, this.count, words).toString(16).padStart(8, '0');
  }

  /** Events folded so far. */
  get events(): number {
    return this.count;
  }

  /** Where the next event's words go (with SLACK words of room): folds what is pending first once it passes FLUSH_AT. */
  private start(): number {
    const p = this.pending;
    if (p < FLUSH_AT) return p;
    this.flush();
    return 0;
  }

  private flush(): void {
    fold(this.lanes, this.buf, 0, this.pending);
    this.pending = 0;
  }

  /** Position p, with SLACK words of room past it. */
  private fit(p: number): number {
    if (p + SLACK > this.buf.length) this.room(p, 0);
    return p;
  }

  /** Makes room for `more` words and SLACK past them from position p. */
  private room(p: number, more: number): void {
    const need = p + more + SLACK;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const grown = new Int32Array(cap);
    grown.set(this.buf.subarray(0, p));
    this.buf = grown;
  }

  /** A string: its length, then its UTF-16 code units two to a word (low unit first). */
  private chars(p: number, s: string): number {
    const n = s.length;
    if (p + (n >> 1) + 2 + SLACK > this.buf.length) this.room(p, (n >> 1) + 2);
    const b = this.buf;
    b[p++] = n;
    let i = 0;
    for (; i + 1 < n; i += 2) b[p++] = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    if (i < n) b[p++] = s.charCodeAt(i);
    return p;
  }

  /** The canonical value encoding (JSON semantics; see the file header). */
  private value(p: number, v: unknown): number {
    if (typeof v === 'object' && v !== null) {
      this.plainLiterals = !inheritsEnumerable();
      return Array.isArray(v) ? this.array(p, v) : this.object(p, v as Record<string, unknown>);
    }
    return this.fit(this.scalar(p, v));
  }

  /**
   * A value that is neither an array nor an object (null is one), in at most 3 words past p
   * (strings make their own room). Tests of `typeof v === '...'` compile to inline type checks;
   * a `switch (typeof v)` calls the Typeof builtin for every value.
   */
  private scalar(p: number, v: unknown): number {
    const b = this.buf;
    if (typeof v === 'number') {
      if (v - v === 0) {
        b[p] = TAG_NUMBER;
        number(b, p + 1, v);
        return p + 3;
      }
      b[p] = TAG_NULL;
      return p + 1;
    }
    if (typeof v === 'string') {
      b[p] = TAG_STRING;
      return this.chars(p + 1, v);
    }
    if (typeof v === 'boolean') {
      b[p] = v ? TAG_TRUE : TAG_FALSE;
      return p + 1;
    }
    if (typeof v === 'bigint') throw new TypeError('a traced value holds a bigint, which JSON cannot carry');
    // null, undefined, functions, symbols: what JSON.stringify writes as null (or leaves out of an object).
    b[p] = TAG_NULL;
    return p + 1;
  }

  /** An array, with SLACK words of room past the position it returns; the caller left SLACK at p. */
  private array(p: number, v: readonly unknown[]): number {
    const n = v.length;
    const b = this.buf;
    b[p] = TAG_ARRAY;
    b[p + 1] = n;
    p += 2;
    for (let i = 0; i < n; i++) {
      const item: unknown = v[i];
      if (typeof item === 'object' && item !== null) p = Array.isArray(item) ? this.array(p, item) : this.object(p, item as Record<string, unknown>);
      else p = this.fit(skipped(item) ? this.scalar(p, null) : this.scalar(p, item));
    }
    return this.fit(p);
  }

  /**
   * Own enumerable keys in for-in order (Object.keys' order), as JSON.stringify walks them,
   * with SLACK words of room past the position it returns; the caller left SLACK at p.
   */
  private object(p: number, record: Record<string, unknown>): number {
    this.buf[p++] = TAG_OBJECT;
    // For-in yields own keys, then inherited enumerable ones. On an object literal, while no one
    // has added an enumerable property to Object.prototype (value() looks once per value), every
    // key is its own: the test per key is skipped, which on a run's many message shapes is a
    // call to the HasOwnProperty builtin, not the map check it compiles to at a site that sees
    // few shapes.
    const proto: unknown = Object.getPrototypeOf(record);
    const ownOnly = proto === null || (proto === Object.prototype && this.plainLiterals);
    for (const key in record) {
      if (!ownOnly && !ownProperty.call(record, key)) continue;
      const item = record[key];
      if (skipped(item)) continue;
      // The key, then a string or number value inline: most of a payload's words.
      const n = key.length;
      const m = typeof item === 'string' ? item.length : 0;
      if (p + ((n + m) >> 1) + 5 + SLACK > this.buf.length) this.room(p, ((n + m) >> 1) + 5);
      const b = this.buf;
      b[p++] = n;
      let i = 0;
      for (; i + 1 < n; i += 2) b[p++] = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16);
      if (i < n) b[p++] = key.charCodeAt(i);
      if (typeof item === 'string') {
        b[p++] = TAG_STRING;
        b[p++] = m;
        let j = 0;
        for (; j + 1 < m; j += 2) b[p++] = item.charCodeAt(j) | (item.charCodeAt(j + 1) << 16);
        if (j < m) b[p++] = item.charCodeAt(j);
      } else if (typeof item === 'number') {
        if (item - item === 0) {
          b[p] = TAG_NUMBER;
          number(b, p + 1, item);
          p += 3;
        } else b[p++] = TAG_NULL;
      } else if (typeof item === 'object' && item !== null) p = Array.isArray(item) ? this.array(p, item) : this.object(p, item as Record<string, unknown>);
      else p = this.scalar(p, item);
    }
    this.buf[p] = TAG_END;
    return this.fit(p + 1);
  }

  private name(p: number, name: string): number {
    const index = this.interned.get(name);
    if (index !== undefined) {
      this.buf[p] = index;
      return p + 1;
    }
    this.interned.set(name, this.interned.size);
    this.buf[p] = NEW_NAME;
    return this.chars(p + 1, name);
  }

  private optionalName(p: number, name: string | undefined): number {
    if (name === undefined) {
      this.buf[p] = TAG_ABSENT;
      return p + 1;
    }
    this.buf[p] = 1;
    return this.name(p + 1, name);
  }

  private optionalText(p: number, text: string | undefined): number {
    if (text === undefined) {
      this.buf[p] = TAG_ABSENT;
      return p + 1;
    }
    this.buf[p] = 1;
    return this.chars(p + 1, text);
  }

  private optionalNode(names: readonly string[], index: number, p: number): number {
    if (index < 0) {
      this.buf[p] = TAG_ABSENT;
      return p + 1;
    }
    this.buf[p] = 1;
    return this.node(names, index, p + 1);
  }

  /** A node by index: its interned index once it has appeared (the fast path), else its name. */
  private node(names: readonly string[], index: number, p: number): number {
    const refs = this.nodeRefs;
    if (index < refs.length) {
      const ref = refs[index]!;
      if (ref >= 0) {
        this.buf[p] = ref;
        return p + 1;
      }
    }
    return this.firstNode(names, index, p);
  }

  private firstNode(names: readonly string[], index: number, p: number): number {
    if (index >= this.nodeRefs.length) {
      const grown = new Int32Array(Math.max(index + 1, this.nodeRefs.length * 2, 16)).fill(-1);
      grown.set(this.nodeRefs);
      this.nodeRefs = grown;
    }
    const name = names[index]!;
    const known = this.interned.get(name);
    if (known !== undefined) {
      this.nodeRefs[index] = known;
      this.buf[p] = known;
      return p + 1;
    }
    this.nodeRefs[index] = this.interned.size;
    return this.name(p, name);
  }

  /** A message's payload digest (two words): computed when the message is first seen, found again by its id after. */
  private payload(p: number, id: number, msg: unknown): number {
    if (id >= 0 && id < 1 << 30 && (id | 0) === id) {
      const slot = id & (DIGESTS - 1);
      const digests = this.digests;
      if (this.digestIds[slot] !== id) {
        this.digestPayload(p, msg);
        digests[2 * slot] = this.payloadLanes.h1;
        digests[2 * slot + 1] = this.payloadLanes.h2;
        this.digestIds[slot] = id;
      }
      const b = this.buf;
      b[p] = digests[2 * slot]!;
      b[p + 1] = digests[2 * slot + 1]!;
      return p + 2;
    }
    this.digestPayload(p, msg);
    const b = this.buf;
    b[p] = this.payloadLanes.h1;
    b[p + 1] = this.payloadLanes.h2;
    return p + 2;
  }

  /**
   * The digest of a payload (a pure function of its value) into payloadLanes' h1 and h2: its
   * words are written after the pending ones (from p on) and folded into fresh lanes.
   */
  private digestPayload(p: number, msg: unknown): void {
    const end = this.value(p, msg);
    const lanes = this.payloadLanes;
    lanes.h1 = SEED1;
    lanes.h2 = SEED2;
    lanes.words = 0;
    fold(lanes, this.buf, p, end);
    const n = end - p;
    lanes.h1 = finish1(lanes.h1, 0, n) | 0;
    lanes.h2 = finish2(lanes.h2, 0, n) | 0;
  }
}

/** A number's 64-bit pattern into b[p], b[p + 1] (low word first), -0 as 0. */
function number(b: Int32Array, p: number, x: number): void {
  f64[0] = x === 0 ? 0 : x;
  b[p] = u32[LO]!;
  b[p + 1] = u32[HI]!;
}

/** The hash of a list of events. */
export function hashEvents(events: Iterable<TraceEvent>): string {
  const h = new TraceHasher();
  for (const e of events) h.add(e);
  return h.digest();
}
