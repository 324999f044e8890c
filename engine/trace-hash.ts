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
 *    of the payload, computed once when the message is sent and reused for its deliveries and
 *    drops (keyed by message id);
 *  - other values (timer tags, faults, texts) inline in the canonical value encoding, which
 *    follows JSON's semantics so that an event and its JSON round trip encode alike: object
 *    keys in insertion order with undefined values skipped, undefined in arrays and
 *    non-finite numbers as null, strings as UTF-16 code units.
 *
 * Events reach the hasher either as kernel rows (`addRow`, the fast path: no event object is
 * built) or as typed events (`add`, for traces read back from a file, a stream or the page);
 * both produce the same words, and a property test holds them to it.
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
/** Marks a name's first appearance (its characters follow). */
const NEW_NAME = 0xffffffff;

const DROP_REASON_CODES: Readonly<Record<string, number>> = { loss: 0, partition: 1, 'node-down': 2 };
const NOTE_LEVEL_CODES: Readonly<Record<string, number>> = { info: 0, key: 1, warn: 2 };
const TYPE_CODES: Readonly<Record<string, number>> = Object.fromEntries(TRACE_EVENT_TYPES.map((t, i) => [t, i]));

// Bit access to doubles: one shared scratch, little- or big-endian decided once.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
f64[0] = 1;
const LO = u32[0] === 0 ? 0 : 1;
const HI = 1 - LO;

const SEED1 = 0x9e3779b9;
const SEED2 = 0x85ebca6b;

/**
 * Folds canonical words into two 32-bit lanes (murmur3-style mixing, different constants per
 * lane). Mixing is integer-only (`Math.imul`, shifts), so every JavaScript engine agrees.
 */
class Lanes {
  h1 = SEED1;
  h2 = SEED2;
  words = 0;

  word(w: number): void {
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h1 = this.h1 ^ k;
    h1 = (h1 << 13) | (h1 >>> 19);
    this.h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(w ^ 0x5bd1e995, 0x27d4eb2f);
    j = (j << 17) | (j >>> 15);
    let h2 = this.h2 ^ Math.imul(j, 0x165667b1);
    h2 = (h2 << 11) | (h2 >>> 21);
    this.h2 = (Math.imul(h2, 9) + 0x7feb352d) | 0;
    this.words++;
  }

  number(x: number): void {
    f64[0] = x === 0 ? 0 : x;
    this.word(u32[LO]!);
    this.word(u32[HI]!);
  }

  chars(s: string): void {
    const n = s.length;
    this.word(n);
    let i = 0;
    for (; i + 1 < n; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) this.word(s.charCodeAt(i));
  }

  /** The canonical value encoding (JSON semantics; see the file header). */
  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if (Number.isFinite(v)) {
          this.word(TAG_NUMBER);
          this.number(v);
        } else this.word(TAG_NULL);
        return;
      case 'string':
        this.word(TAG_STRING);
        this.chars(v);
        return;
      case 'boolean':
        this.word(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'object': {
        if (v === null) return this.word(TAG_NULL);
        if (Array.isArray(v)) {
          this.word(TAG_ARRAY);
          this.word(v.length);
          for (const item of v) {
            if (item === undefined || typeof item === 'function' || typeof item === 'symbol') this.word(TAG_NULL);
            else this.value(item);
          }
          return;
        }
        this.word(TAG_OBJECT);
        const record = v as Record<string, unknown>;
        for (const key in record) {
          if (!Object.hasOwn(record, key)) continue;
          const item = record[key];
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
          this.chars(key);
          this.value(item);
        }
        this.word(TAG_END);
        return;
      }
      case 'bigint':
        throw new TypeError('a traced value holds a bigint, which JSON cannot carry');
      default:
        // undefined, functions, symbols: what JSON.stringify leaves out or writes as null.
        this.word(TAG_NULL);
    }
  }

  digest(count: number): [number, number] {
    let h1 = this.h1 ^ count ^ this.words;
    let h2 = this.h2 ^ Math.imul(count, 0x27d4eb2d) ^ this.words;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
    h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
    h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    return [h1 >>> 0, h2 >>> 0];
  }

  reset(): void {
    this.h1 = SEED1;
    this.h2 = SEED2;
    this.words = 0;
  }
}

/** The payload digest of a message: a pure function of the payload's value. */
const payloadLanes = new Lanes();
function payloadDigest(msg: unknown): [number, number] {
  payloadLanes.reset();
  payloadLanes.value(msg);
  return payloadLanes.digest(0);
}

export class TraceHasher {
  private readonly lanes = new Lanes();
  private count = 0;
  /** Interned names (nodes and metric series), by first appearance. */
  private readonly interned = new Map<string, number>();
  /** Row path: a node index's interned index, -1 until the node first appears. */
  private nodeRefs = new Int32Array(0);
  /** Payload digests by message id (two words each); `known` marks the filled ones. */
  private digests = new Uint32Array(256);
  private known = new Uint8Array(128);

  /** Folds one typed event (read back from a file, a stream or the page). */
  add(event: TraceEvent): void {
    const lanes = this.lanes;
    lanes.word(TYPE_CODES[event.type]!);
    lanes.number(event.t);
    switch (event.type) {
      case 'send':
      case 'deliver':
      case 'duplicate':
        lanes.number(event.id);
        this.name(event.from);
        this.name(event.to);
        if (event.type !== 'duplicate') this.payload(event.id, event.msg);
        break;
      case 'drop':
        lanes.number(event.id);
        this.name(event.from);
        this.name(event.to);
        lanes.word(DROP_REASON_CODES[event.reason]!);
        this.payload(event.id, event.msg);
        break;
      case 'timer':
        this.name(event.node);
        lanes.number(event.id);
        lanes.value(event.tag);
        break;
      case 'crash':
        this.name(event.node);
        lanes.number(event.lostWrites);
        break;
      case 'restart':
      case 'pause':
      case 'resume':
        this.name(event.node);
        break;
      case 'slow':
        this.name(event.node);
        lanes.number(event.factor);
        break;
      case 'partition':
      case 'degrade':
      case 'inject':
        lanes.value(event.fault);
        break;
      case 'heal':
      case 'restore':
        break;
      case 'state':
        this.name(event.node);
        lanes.chars(event.state);
        this.optionalText(event.detail);
        break;
      case 'metric':
        this.name(event.name);
        lanes.number(event.value);
        this.optionalName(event.node);
        break;
      case 'violation':
        lanes.chars(event.invariant);
        lanes.chars(event.message);
        this.optionalName(event.node);
        break;
      case 'note':
        lanes.chars(event.text);
        lanes.word(NOTE_LEVEL_CODES[event.level]!);
        this.optionalName(event.node);
        break;
      case 'clock':
        this.name(event.node);
        lanes.value(event.fault);
        break;
    }
    this.count++;
  }

  /**
   * Folds one kernel row (see TraceSink.record); `names` maps node indices to names. The
   * same words as `add(materialize(names, ...))`, without building the event.
   */
  addRow(names: readonly string[], t: number, kind: Row, a: number, b: number, n: number, o: unknown): void {
    const lanes = this.lanes;
    lanes.word(kind);
    lanes.number(t);
    switch (kind) {
      case 0: // send
      case 1: // deliver
        lanes.number(n);
        this.node(names, a);
        this.node(names, b);
        this.payload(n, o);
        break;
      case 2: {
        // drop: o is { id, msg }, n the reason code
        const drop = o as { id: number; msg: unknown };
        lanes.number(drop.id);
        this.node(names, a);
        this.node(names, b);
        lanes.word(n);
        this.payload(drop.id, drop.msg);
        break;
      }
      case 3: // duplicate
        lanes.number(n);
        this.node(names, a);
        this.node(names, b);
        break;
      case 4: // timer
        this.node(names, a);
        lanes.number(n);
        lanes.value(o);
        break;
      case 5: // crash: n is the count of writes it lost
        this.node(names, a);
        lanes.number(n);
        break;
      case 6: // restart
      case 7: // pause
      case 8: // resume
        this.node(names, a);
        break;
      case 9: // slow
        this.node(names, a);
        lanes.number(n);
        break;
      case 10: // partition
      case 12: // degrade
      case 14: // inject
        lanes.value(o);
        break;
      case 11: // heal
      case 13: // restore
        break;
      case 15: {
        // state
        const s = o as { state: string; detail?: string };
        this.node(names, a);
        lanes.chars(s.state);
        this.optionalText(s.detail);
        break;
      }
      case 16: // metric: o is the series name, n the value
        this.name(o as string);
        lanes.number(n);
        if (a >= 0) {
          lanes.word(1);
          this.node(names, a);
        } else lanes.word(TAG_ABSENT);
        break;
      case 17: {
        // violation
        const v = o as { invariant: string; message: string };
        lanes.chars(v.invariant);
        lanes.chars(v.message);
        if (a >= 0) {
          lanes.word(1);
          this.node(names, a);
        } else lanes.word(TAG_ABSENT);
        break;
      }
      case 18: {
        // note
        const note = o as { text: string; level: string };
        lanes.chars(note.text);
        lanes.word(NOTE_LEVEL_CODES[note.level]!);
        if (a >= 0) {
          lanes.word(1);
          this.node(names, a);
        } else lanes.word(TAG_ABSENT);
        break;
      }
      case 19: // clock
        this.node(names, a);
        lanes.value(o);
        break;
    }
    this.count++;
  }

  /** 16 hex digits. */
  digest(): string {
    const [h1, h2] = this.lanes.digest(this.count);
    return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
  }

  /** Events folded so far. */
  get events(): number {
    return this.count;
  }

  private name(name: string): void {
    const index = this.interned.get(name);
    if (index !== undefined) return this.lanes.word(index);
    this.interned.set(name, this.interned.size);
    this.lanes.word(NEW_NAME);
    this.lanes.chars(name);
  }

  private optionalName(name: string | undefined): void {
    if (name === undefined) return this.lanes.word(TAG_ABSENT);
    this.lanes.word(1);
    this.name(name);
  }

  private optionalText(text: string | undefined): void {
    if (text === undefined) return this.lanes.word(TAG_ABSENT);
    this.lanes.word(1);
    this.lanes.chars(text);
  }

  private node(names: readonly string[], index: number): void {
    if (index >= this.nodeRefs.length) {
      const grown = new Int32Array(Math.max(index + 1, this.nodeRefs.length * 2, 16)).fill(-1);
      grown.set(this.nodeRefs);
      this.nodeRefs = grown;
    }
    const ref = this.nodeRefs[index]!;
    if (ref >= 0) return this.lanes.word(ref);
    const name = names[index]!;
    const known = this.interned.get(name);
    if (known !== undefined) {
      this.nodeRefs[index] = known;
      return this.lanes.word(known);
    }
    this.nodeRefs[index] = this.interned.size;
    this.name(name);
  }

  private payload(id: number, msg: unknown): void {
    if (Number.isInteger(id) && id >= 0 && id < 1 << 30) {
      if (id >= this.known.length) this.growDigests(id);
      if (this.known[id] === 0) {
        const [d1, d2] = payloadDigest(msg);
        this.digests[2 * id] = d1;
        this.digests[2 * id + 1] = d2;
        this.known[id] = 1;
      }
      this.lanes.word(this.digests[2 * id]!);
      this.lanes.word(this.digests[2 * id + 1]!);
      return;
    }
    const [d1, d2] = payloadDigest(msg);
    this.lanes.word(d1);
    this.lanes.word(d2);
  }

  private growDigests(id: number): void {
    let cap = this.known.length;
    while (cap <= id) cap *= 2;
    const known = new Uint8Array(cap);
    known.set(this.known);
    const digests = new Uint32Array(2 * cap);
    digests.set(this.digests);
    this.known = known;
    this.digests = digests;
  }
}

/** The hash of a list of events. */
export function hashEvents(events: Iterable<TraceEvent>): string {
  const h = new TraceHasher();
  for (const e of events) h.add(e);
  return h.digest();
}
