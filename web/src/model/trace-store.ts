/**
 * TraceStore: one run's trace events as the page receives them, with the indices every view
 * asks about at a given simulated time: which messages are in flight, what state and status
 * each node is in, which partitions cut which links, which note is current, each metric's
 * series, traffic per bucket. Events may arrive in batches (streamed) or all at once (run in
 * the page); every index is built incrementally as they are appended, and every query is a
 * binary search or a short scan, so a scrub step costs the same on a 100,000-event run.
 *
 * It reads the trace and nothing else: node states come from `state` events, faults from
 * fault events, never from re-running protocol logic.
 *
 * A run can be shown while it is still computed (streamed by the server, or made by the
 * page's engine in slices): the store then starts from the run's preview with a provisional
 * summary whose stats (states, message kinds, metric ranges, traffic maxima, longest flight)
 * it keeps up to date as events arrive, so every view can draw partial data; `settle` puts
 * the run's real summary in place when it is complete. Events are also folded into a trace
 * hash as they arrive, so the page re-checks the run's hash without a second pass.
 */
import { type Fault, type TraceEvent, TraceHasher } from '../../../engine/index.ts';
import { bucketMsFor, type RunPreview, type RunSummary } from '../../../wire/index.ts';
import { lowerBound, upperBound } from './bounds.ts';
import { Column, Steps } from './columns.ts';
import { applyPartition, partitionLabel } from './partition-cuts.ts';
import { correlationKeys } from './witnesses.ts';

export { lowerBound, upperBound };

export const STATUS_UP = 0;
export const STATUS_CRASHED = 1;
export const STATUS_PAUSED = 2;
export const END_OPEN = 0;
export const END_DELIVERED = 1;
export const END_DROPPED = 2;
export const DROP_REASONS = ['loss', 'partition', 'node-down'] as const;

/** A fault visible over an interval: a crashed, paused or slowed node, a partition, degraded links, an injection. */
export interface FaultSpan {
  kind: 'crash' | 'pause' | 'slow' | 'partition' | 'degrade' | 'inject';
  /** Lane (node index), or -1 for the whole network. */
  node: number;
  start: number;
  /** NaN while open. */
  end: number;
  label: string;
}

/**
 * The summary of a run not yet complete: its preview, with verdicts, metrics and hash still
 * unknown and stats that the store fills in as events arrive.
 */
export function provisionalSummary(preview: RunPreview): RunSummary {
  return {
    ...preview,
    simTimeMs: preview.endMs,
    events: 0,
    traceEvents: Number.POSITIVE_INFINITY,
    traceHash: '',
    ok: true,
    metrics: {},
    invariants: [],
    goals: [],
    messages: { sent: 0, delivered: 0, dropped: 0, duplicated: 0, inFlight: 0 },
    firstViolation: null,
    stats: { states: [], messageTypes: [], series: [], bucketMs: bucketMsFor(preview.endMs), sentPerBucketMax: 0, droppedPerBucketMax: 0, flightMsMax: 0 },
  };
}

export class TraceStore {
  /** The run's summary: provisional (see `final`) until the run is complete. */
  summary: RunSummary;
  /** True once `summary` is the run's own (complete) summary. */
  final: boolean;
  /** Bumped when the provisional stats gain a state, message kind or metric series, or a series leaves its range. */
  statsVersion = 0;
  private readonly hasher = new TraceHasher();
  /** The provisional stats' entries by name (see count). */
  private readonly counted = {
    types: new Map<string, { type: string; count: number }>(),
    states: new Map<string, { label: string; count: number; key: boolean }>(),
    series: new Map<string, { name: string; points: number; min: number; max: number }>(),
  };
  readonly nodes: readonly string[];
  readonly roles: readonly string[];
  private readonly nodeIndex = new Map<string, number>();
  readonly events: TraceEvent[] = [];
  private readonly timeCol = new Column((n) => new Float64Array(n));
  /** Bumped on every append: views rebuild caches when it changes. */
  version = 0;

  // Messages, one record per send (and per duplicate), in send order.
  messageCount = 0;
  private readonly mSend = new Column((n) => new Float64Array(n));
  private readonly mEnd = new Column((n) => new Float64Array(n));
  private readonly mFrom = new Column((n) => new Int32Array(n));
  private readonly mTo = new Column((n) => new Int32Array(n));
  private readonly mType = new Column((n) => new Int32Array(n));
  private readonly mEndKind = new Column((n) => new Uint8Array(n));
  private readonly mReason = new Column((n) => new Uint8Array(n));
  private readonly mEvent = new Column((n) => new Int32Array(n));
  private readonly openById = new Map<number, number[]>();
  readonly messageTypes: string[] = [];
  private readonly typeIndex = new Map<string, number>();
  /** Directed pairs that ever exchanged a message: "from>to". */
  readonly pairs = new Set<string>();
  dropCount = 0;
  private readonly dropMsg: number[] = [];

  // Nodes over time.
  readonly status: Steps[];
  readonly labels: Steps[];
  readonly labelNames: string[] = [];
  private readonly labelIndex = new Map<string, number>();
  readonly slow: Steps[];

  // Network cuts over time: cuts[i] is an n*n matrix (1 = from row to column is cut).
  readonly cutTimes: number[] = [0];
  readonly cuts: Uint8Array[];
  readonly partitionFaults: (Fault | null)[] = [null];

  readonly spans: FaultSpan[] = [];
  private readonly openSpan = new Map<string, FaultSpan>();

  /** Event indices of notes and violations. */
  readonly notes: number[] = [];
  readonly noteTimes: number[] = [];
  readonly violations: number[] = [];

  readonly series = new Map<string, { t: number[]; v: number[] }>();

  /** Message records by correlation key (a transaction, a key, an item: see witnesses.ts), in send order. */
  readonly keyIndex = new Map<string, number[]>();
  /** Event indices of `state` events by their detail when it names a key (t5, list1), in order. */
  readonly statesOfKey = new Map<string, number[]>();
  private readonly keysScratch: string[] = [];

  /** Messages sent and dropped per bucket of summary.stats.bucketMs. */
  readonly sentPerBucket: number[] = [];
  readonly droppedPerBucket: number[] = [];

  constructor(summary: RunSummary, final = true) {
    this.summary = summary;
    this.final = final;
    this.nodes = summary.topology.map((n) => n.name);
    this.roles = summary.topology.map((n) => n.role);
    this.nodes.forEach((n, i) => {
      this.nodeIndex.set(n, i);
    });
    this.status = this.nodes.map(() => new Steps());
    this.labels = this.nodes.map(() => new Steps());
    this.slow = this.nodes.map(() => new Steps());
    this.cuts = [new Uint8Array(this.nodes.length * this.nodes.length)];
    for (const s of summary.stats.states) this.labelId(s.label);
    for (const m of summary.stats.messageTypes) this.typeId(m.type);
  }

  get length(): number {
    return this.events.length;
  }

  get complete(): boolean {
    return this.final && this.events.length >= this.summary.traceEvents;
  }

  /** A store for a run still being computed: its preview and a provisional summary. */
  static fromPreview(preview: RunPreview): TraceStore {
    return new TraceStore(provisionalSummary(preview), false);
  }

  /** The run is complete: its own summary replaces the provisional one. */
  settle(summary: RunSummary): void {
    this.summary = summary;
    this.final = true;
    this.version++;
  }

  /** The trace hash of the events received so far (equal to summary.traceHash once every event has arrived). */
  receivedHash(): string {
    return this.hasher.digest();
  }

  get times(): Float64Array {
    return this.timeCol.data;
  }

  nodeOf(name: string | undefined): number {
    return name === undefined ? -1 : (this.nodeIndex.get(name) ?? -1);
  }

  /** Number of events with time <= t. */
  countAt(t: number): number {
    return upperBound(this.timeCol.data, t, this.events.length);
  }

  /** Time of the last event received (or 0). */
  get lastTime(): number {
    return this.events.length === 0 ? 0 : this.timeCol.data[this.events.length - 1]!;
  }

  append(events: readonly TraceEvent[]): void {
    for (const e of events) this.add(e);
    this.version++;
  }

  // ---------------------------------------------------------------- queries

  messageSend(i: number): number {
    return this.mSend.data[i]!;
  }
  messageEnd(i: number): number {
    return this.mEnd.data[i]!;
  }
  messageFrom(i: number): number {
    return this.mFrom.data[i]!;
  }
  messageTo(i: number): number {
    return this.mTo.data[i]!;
  }
  messageType(i: number): number {
    return this.mType.data[i]!;
  }
  messageEndKind(i: number): number {
    return this.mEndKind.data[i]!;
  }
  messageReason(i: number): number {
    return this.mReason.data[i]!;
  }
  messageEvent(i: number): number {
    return this.mEvent.data[i]!;
  }
  /** Message records sent at or before t. */
  messagesSentBy(t: number): number {
    return upperBound(this.mSend.data, t, this.messageCount);
  }
  /** First message record sent at or after t. */
  messagesSentFrom(t: number): number {
    return lowerBound(this.mSend.data, t, this.messageCount);
  }
  /** The correlation keys of a message record (read from its send event). */
  messageKeys(m: number): string[] {
    const e = this.events[this.mEvent.data[m]!]!;
    return 'msg' in e ? correlationKeys(e.msg) : [];
  }
  /** Dropped message records, in drop order. */
  get drops(): readonly number[] {
    return this.dropMsg;
  }

  /**
   * Messages in flight at t (sent, not yet delivered or dropped), at most `max`, into `out`.
   * Scans back from t by the longest flight time the run ever had.
   */
  inFlightAt(t: number, out: number[], max = 400): number {
    out.length = 0;
    const hi = this.messagesSentBy(t);
    const windowMs = Math.max(this.summary.stats.flightMsMax, 0);
    const lo = this.messagesSentFrom(t - windowMs);
    for (let i = hi - 1; i >= lo && out.length < max; i--) {
      const end = this.mEnd.data[i]!;
      if (this.mEndKind.data[i] === END_OPEN || end > t) out.push(i);
    }
    return out.length;
  }

  statusAt(node: number, t: number): number {
    const s = this.status[node]!;
    const i = s.indexAt(t);
    return i < 0 ? STATUS_UP : s.v[i]!;
  }

  /** The node's last ctx.state label at t: [label index, detail, since] or null. */
  labelAt(node: number, t: number): { label: number; detail: string | undefined; since: number } | null {
    const s = this.labels[node]!;
    const i = s.indexAt(t);
    return i < 0 ? null : { label: s.v[i]!, detail: s.detail[i], since: s.t[i]! };
  }

  slowAt(node: number, t: number): number {
    const s = this.slow[node]!;
    const i = s.indexAt(t);
    return i < 0 ? 1 : s.v[i]!;
  }

  /** The cut matrix in force at t and the partition fault that made it (null when healed). */
  cutAt(t: number): { matrix: Uint8Array; fault: Fault | null } {
    const i = upperBound(this.cutTimes, t) - 1;
    return { matrix: this.cuts[Math.max(0, i)]!, fault: this.partitionFaults[Math.max(0, i)]! };
  }

  /** Index into `notes` of the last note at or before t (-1: none yet). */
  noteAt(t: number): number {
    return upperBound(this.noteTimes, t) - 1;
  }

  labelId(label: string): number {
    let i = this.labelIndex.get(label);
    if (i === undefined) {
      i = this.labelNames.length;
      this.labelNames.push(label);
      this.labelIndex.set(label, i);
    }
    return i;
  }

  // ---------------------------------------------------------------- ingestion

  private typeId(type: string): number {
    let i = this.typeIndex.get(type);
    if (i === undefined) {
      i = this.messageTypes.length;
      this.messageTypes.push(type);
      this.typeIndex.set(type, i);
    }
    return i;
  }

  private addMessage(e: { t: number; id: number; from: string; to: string }, type: number, index: number): number {
    const m = this.messageCount++;
    const from = this.nodeOf(e.from);
    const to = this.nodeOf(e.to);
    this.mSend.set(m, e.t);
    this.mEnd.set(m, Number.POSITIVE_INFINITY);
    this.mFrom.set(m, from);
    this.mTo.set(m, to);
    this.mType.set(m, type);
    this.mEndKind.set(m, END_OPEN);
    this.mReason.set(m, 0);
    this.mEvent.set(m, index);
    const open = this.openById.get(e.id);
    if (open === undefined) this.openById.set(e.id, [m]);
    else open.push(m);
    this.pairs.add(`${from}>${to}`);
    return m;
  }

  private closeMessage(id: number, t: number, kind: number, reason: number): number {
    const open = this.openById.get(id);
    if (open === undefined || open.length === 0) return -1;
    const m = open.shift()!;
    if (open.length === 0) this.openById.delete(id);
    this.mEnd.set(m, t);
    this.mEndKind.set(m, kind);
    this.mReason.set(m, reason);
    if (!this.final && t - this.mSend.data[m]! > this.summary.stats.flightMsMax) this.summary.stats.flightMsMax = t - this.mSend.data[m]!;
    return m;
  }

  private bucket(list: number[], t: number): void {
    const b = Math.floor(t / this.summary.stats.bucketMs);
    while (list.length <= b) list.push(0);
    const n = ++list[b]!;
    if (this.final) return;
    const stats = this.summary.stats;
    if (list === this.sentPerBucket) stats.sentPerBucketMax = Math.max(stats.sentPerBucketMax, n);
    else stats.droppedPerBucketMax = Math.max(stats.droppedPerBucketMax, n);
  }

  private openSpanFor(key: string, span: FaultSpan): void {
    this.closeSpanFor(key, span.start);
    this.openSpan.set(key, span);
    this.spans.push(span);
  }

  private closeSpanFor(key: string, t: number): void {
    const span = this.openSpan.get(key);
    if (span === undefined) return;
    span.end = t;
    this.openSpan.delete(key);
  }

  private pushCut(t: number, matrix: Uint8Array, fault: Fault | null): void {
    this.cutTimes.push(t);
    this.cuts.push(matrix);
    this.partitionFaults.push(fault);
  }

  /** Keeps the provisional stats of a run being computed up to date (what the server's StatsCollector gathers). */
  private count(e: TraceEvent): void {
    const stats = this.summary.stats;
    switch (e.type) {
      case 'send': {
        const type = messageTypeOf(e.msg);
        const entry = this.counted.types.get(type);
        if (entry !== undefined) entry.count++;
        else {
          const added = { type, count: 1 };
          this.counted.types.set(type, added);
          stats.messageTypes.push(added);
          this.statsVersion++;
        }
        return;
      }
      case 'state': {
        const entry = this.counted.states.get(e.state);
        if (entry !== undefined) entry.count++;
        else {
          const added = { label: e.state, count: 1, key: false };
          this.counted.states.set(e.state, added);
          stats.states.push(added);
          this.statsVersion++;
        }
        return;
      }
      case 'metric': {
        const entry = this.counted.series.get(e.name);
        if (entry === undefined) {
          const added = { name: e.name, points: 1, min: e.value, max: e.value };
          this.counted.series.set(e.name, added);
          stats.series.push(added);
          this.statsVersion++;
          return;
        }
        entry.points++;
        if (e.value < entry.min || e.value > entry.max) {
          entry.min = Math.min(entry.min, e.value);
          entry.max = Math.max(entry.max, e.value);
          this.statsVersion++;
        }
        return;
      }
      default:
        return;
    }
  }

  private add(e: TraceEvent): void {
    const index = this.events.length;
    this.events.push(e);
    this.timeCol.set(index, e.t);
    this.hasher.add(e);
    if (!this.final) this.count(e);
    switch (e.type) {
      case 'send': {
        const type = this.typeId(messageTypeOf(e.msg));
        const m = this.addMessage(e, type, index);
        this.bucket(this.sentPerBucket, e.t);
        for (const key of correlationKeys(e.msg, this.keysScratch)) {
          const list = this.keyIndex.get(key);
          if (list === undefined) this.keyIndex.set(key, [m]);
          else if (list[list.length - 1] !== m) list.push(m);
        }
        return;
      }
      case 'duplicate': {
        const open = this.openById.get(e.id);
        const type = open !== undefined && open.length > 0 ? this.mType.data[open[0]!]! : this.typeId('duplicate');
        this.addMessage(e, type, index);
        return;
      }
      case 'deliver':
        this.closeMessage(e.id, e.t, END_DELIVERED, 0);
        return;
      case 'drop': {
        const m = this.closeMessage(e.id, e.t, END_DROPPED, Math.max(0, DROP_REASONS.indexOf(e.reason)));
        if (m >= 0) this.dropMsg.push(m);
        this.dropCount++;
        this.bucket(this.droppedPerBucket, e.t);
        return;
      }
      case 'crash': {
        const n = this.nodeOf(e.node);
        if (n < 0) return;
        this.status[n]!.push(e.t, STATUS_CRASHED);
        this.openSpanFor(`crash:${n}`, { kind: 'crash', node: n, start: e.t, end: Number.NaN, label: `${e.node} crashed` });
        return;
      }
      case 'restart': {
        const n = this.nodeOf(e.node);
        if (n < 0) return;
        this.status[n]!.push(e.t, STATUS_UP);
        this.closeSpanFor(`crash:${n}`, e.t);
        return;
      }
      case 'pause': {
        const n = this.nodeOf(e.node);
        if (n < 0) return;
        this.status[n]!.push(e.t, STATUS_PAUSED);
        this.openSpanFor(`pause:${n}`, { kind: 'pause', node: n, start: e.t, end: Number.NaN, label: `${e.node} paused` });
        return;
      }
      case 'resume': {
        const n = this.nodeOf(e.node);
        if (n < 0) return;
        this.status[n]!.push(e.t, STATUS_UP);
        this.closeSpanFor(`pause:${n}`, e.t);
        return;
      }
      case 'slow': {
        const n = this.nodeOf(e.node);
        if (n < 0) return;
        this.slow[n]!.push(e.t, e.factor);
        if (e.factor === 1) this.closeSpanFor(`slow:${n}`, e.t);
        else this.openSpanFor(`slow:${n}`, { kind: 'slow', node: n, start: e.t, end: Number.NaN, label: `${e.node} ${e.factor}x slower` });
        return;
      }
      case 'partition': {
        const size = this.nodes.length;
        const matrix = this.cuts[this.cuts.length - 1]!.slice();
        applyPartition(matrix, size, e.fault, (name) => this.nodeOf(name));
        this.pushCut(e.t, matrix, e.fault);
        if (!this.openSpan.has('partition')) {
          this.openSpanFor('partition', { kind: 'partition', node: -1, start: e.t, end: Number.NaN, label: partitionLabel(e.fault) });
        }
        return;
      }
      case 'heal':
        if (this.partitionFaults[this.partitionFaults.length - 1] !== null) this.pushCut(e.t, new Uint8Array(this.nodes.length ** 2), null);
        this.closeSpanFor('partition', e.t);
        return;
      case 'degrade':
        if (!this.openSpan.has('degrade')) this.openSpanFor('degrade', { kind: 'degrade', node: -1, start: e.t, end: Number.NaN, label: 'links degraded' });
        return;
      case 'restore':
        this.closeSpanFor('degrade', e.t);
        return;
      case 'inject': {
        const n = this.nodeOf(e.fault.node);
        this.spans.push({ kind: 'inject', node: n, start: e.t, end: e.t, label: e.fault.name });
        return;
      }
      case 'state': {
        const n = this.nodeOf(e.node);
        if (n >= 0) this.labels[n]!.push(e.t, this.labelId(e.state), e.detail);
        if (e.detail !== undefined && e.detail.length <= 40 && !/\s/.test(e.detail)) {
          const list = this.statesOfKey.get(e.detail);
          if (list === undefined) this.statesOfKey.set(e.detail, [index]);
          else list.push(index);
        }
        return;
      }
      case 'metric': {
        let s = this.series.get(e.name);
        if (s === undefined) this.series.set(e.name, (s = { t: [], v: [] }));
        s.t.push(e.t);
        s.v.push(e.value);
        return;
      }
      case 'violation':
        this.violations.push(index);
        return;
      case 'note':
        this.notes.push(index);
        this.noteTimes.push(e.t);
        return;
      default:
        return;
    }
  }
}

/** A message's kind: its `type` field when it has one (the same rule as the server's stats). */
export function messageTypeOf(msg: unknown): string {
  if (msg !== null && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string') return (msg as { type: string }).type;
  if (typeof msg === 'string') return msg.length <= 24 ? msg : 'text';
  return msg === null || msg === undefined ? 'empty' : typeof msg;
}
