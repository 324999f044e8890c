/**
 * One run, executed where it is cheap to wait for: a server worker thread, or the page's Web
 * Worker (the same code, so a run made in the page has the same trace hash as one made by
 * the server or by `faultline run`). The scenario runs with a callback trace; each event is
 * serialized once, and that one string both feeds the trace hash (exactly what HashTrace
 * folds in) and becomes the event's wire form. Pure: no Node or DOM API.
 *
 * Output: the run's summary, its events as one string of comma-separated JSON objects with
 * the start offset of each (so a batch of events is one slice, never re-serialized), and
 * each event's time (so a playhead finds its position by binary search).
 */
import { type FaultPlan, HandlerError, InputError, nodesOfFault, parseFaultPlan, type TraceEvent, TraceHasher } from '../engine/index.ts';
import { findScenario, parseParams, resolvePreset, resolveStrategy, runScenario } from '../scenarios/index.ts';
import type { Divergence, RunSummary, TraceStats } from './protocol.ts';

/** A run request whose every field has been validated (see validateRun). */
export interface RunTask {
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: FaultPlan;
  /** Stop with an error past this many trace events. */
  traceEventsMax: number;
}

export interface RunOutput {
  summary: RunSummary;
  /** Events as JSON objects joined by ','. */
  json: string;
  /** offsets[i] = start of event i in `json`; offsets[n] = json.length + 1. */
  offsets: Float64Array;
  times: Float64Array;
}

/** The run has more trace events than the limit allows. */
export class TraceLimitError extends Error {
  override name = 'TraceLimitError';
}

/**
 * Resolves a request against the registry, throwing an InputError that names the field and
 * what is allowed. Params are parsed (defaults filled in); a preset becomes its fault plan.
 */
export function validateRun(request: {
  scenario: string;
  strategy?: string;
  seed: number;
  params?: unknown;
  faults?: unknown;
  preset?: string;
}): Omit<RunTask, 'traceEventsMax'> {
  const scenario = findScenarioOrFail(request.scenario);
  const strategy = withField('strategy', () => resolveStrategy(scenario, request.strategy));
  const params = withField('params', () => parseParams(scenario, request.params ?? {}));
  if (request.faults !== undefined && request.preset !== undefined) throw fieldError('faults', 'give either faults or preset, not both');
  let faults: FaultPlan;
  if (request.faults !== undefined) faults = withField('faults', () => parseFaultPlan(request.faults));
  else if (request.preset !== undefined) faults = withField('preset', () => resolvePreset(scenario, request.preset!, params));
  else faults = scenario.defaultPreset === undefined ? [] : resolvePreset(scenario, scenario.defaultPreset, params);
  const known = new Set(scenario.topology(params).nodes.map((n) => n.name));
  faults.forEach((fault, i) => {
    for (const node of nodesOfFault(fault)) {
      if (!known.has(node))
        throw fieldError(`faults[${i}]`, `names node '${node}', which ${scenario.id} does not have; its nodes are: ${[...known].join(', ')}`);
    }
  });
  return { scenario: scenario.id, strategy, seed: request.seed, params, faults };
}

/** An InputError that knows which request field it is about. */
export class FieldError extends InputError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function fieldError(field: string, message: string): FieldError {
  return new FieldError(field, `${field}: ${message}`);
}

function withField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof InputError) throw new FieldError(field, error.message.startsWith(field) ? error.message : `${field}: ${error.message}`);
    throw error;
  }
}

function findScenarioOrFail(id: string) {
  return withField('scenario', () => findScenario(id));
}

/** Runs one validated task and collects its trace. Throws TraceLimitError past the limit. */
export function executeRun(task: RunTask): RunOutput {
  const scenario = findScenario(task.scenario);
  const hasher = new TraceHasher();
  const parts: string[] = [];
  let times: Float64Array<ArrayBuffer> = new Float64Array(4096);
  let offsets: Float64Array<ArrayBuffer> = new Float64Array(4097);
  let length = 0;
  let count = 0;
  const stats = new StatsCollector();

  const onEvent = (event: TraceEvent): void => {
    if (count >= task.traceEventsMax) {
      throw new TraceLimitError(
        `the run records more than ${task.traceEventsMax.toLocaleString('en-US')} trace events, the limit of this server; lower the workload parameters`,
      );
    }
    const text = JSON.stringify(event);
    hasher.addText(text);
    if (count + 1 >= times.length) {
      times = grow(times);
      offsets = grow(offsets);
    }
    times[count] = event.t;
    offsets[count] = length;
    parts.push(text);
    length += text.length + 1;
    count++;
    stats.add(event);
  };

  let result: ReturnType<typeof runScenario>;
  try {
    result = runScenario(scenario, { strategy: task.strategy, seed: task.seed, params: task.params, faults: task.faults, trace: onEvent });
  } catch (error) {
    if (error instanceof HandlerError && error.cause instanceof TraceLimitError) throw error.cause;
    throw error;
  }
  offsets[count] = length;
  const summary: RunSummary = {
    scenario: result.scenario,
    strategy: result.strategy,
    seed: result.seed,
    params: result.params,
    faults: result.faults,
    topology: [...scenario.topology(result.params).nodes],
    charts: [...(scenario.charts?.(result.params) ?? [])],
    workloadMs: result.workloadMs,
    healAtMs: result.healAtMs,
    endMs: result.simTimeMs,
    events: result.events,
    traceEvents: count,
    traceHash: hasher.digest(),
    ok: result.ok,
    metrics: result.metrics,
    invariants: result.invariants,
    goals: result.goals,
    messages: result.messages,
    firstViolation: result.firstViolation,
    stats: stats.finish(result.simTimeMs),
  };
  return { summary, json: parts.join(','), offsets: offsets.slice(0, count + 1), times: times.slice(0, count) };
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Width of a traffic bucket for a run of this length: about 200 buckets, on a 1-2-5 grid. */
export function bucketMsFor(endMs: number): number {
  const raw = Math.max(endMs, 1) / 200;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** Gathers TraceStats in one pass over the events as they are recorded. */
class StatsCollector {
  private readonly states = new Map<string, { label: string; count: number; key: boolean }>();
  private readonly messageTypes = new Map<string, { type: string; count: number }>();
  private readonly series = new Map<string, { name: string; points: number; min: number; max: number }>();
  private readonly sendTimes: number[] = [];
  private readonly dropTimes: number[] = [];
  private readonly sentAt = new Map<number, number>();
  private flightMsMax = 0;
  private lastState: { node: string; t: number; label: string } | null = null;
  private lastKeyNote: { node: string; t: number } | null = null;

  add(event: TraceEvent): void {
    switch (event.type) {
      case 'send': {
        this.sendTimes.push(event.t);
        this.sentAt.set(event.id, event.t);
        const type = messageType(event.msg);
        const entry = this.messageTypes.get(type);
        if (entry === undefined) this.messageTypes.set(type, { type, count: 1 });
        else entry.count++;
        return;
      }
      case 'deliver':
      case 'drop': {
        if (event.type === 'drop') this.dropTimes.push(event.t);
        const sent = this.sentAt.get(event.id);
        if (sent !== undefined) this.flightMsMax = Math.max(this.flightMsMax, event.t - sent);
        return;
      }
      case 'state': {
        let entry = this.states.get(event.state);
        if (entry === undefined) this.states.set(event.state, (entry = { label: event.state, count: 0, key: false }));
        entry.count++;
        const k = this.lastKeyNote;
        if (k !== null && k.node === event.node && k.t === event.t) entry.key = true;
        this.lastState = { node: event.node, t: event.t, label: event.state };
        return;
      }
      case 'note': {
        if (event.level !== 'key' || event.node === undefined) return;
        this.lastKeyNote = { node: event.node, t: event.t };
        const s = this.lastState;
        if (s !== null && s.node === event.node && s.t === event.t) this.states.get(s.label)!.key = true;
        return;
      }
      case 'metric': {
        const entry = this.series.get(event.name);
        if (entry === undefined) this.series.set(event.name, { name: event.name, points: 1, min: event.value, max: event.value });
        else {
          entry.points++;
          if (event.value < entry.min) entry.min = event.value;
          if (event.value > entry.max) entry.max = event.value;
        }
        return;
      }
      default:
        return;
    }
  }

  finish(endMs: number): TraceStats {
    const bucketMs = bucketMsFor(endMs);
    return {
      states: [...this.states.values()],
      messageTypes: [...this.messageTypes.values()],
      series: [...this.series.values()],
      bucketMs,
      sentPerBucketMax: busiest(this.sendTimes, bucketMs),
      droppedPerBucketMax: busiest(this.dropTimes, bucketMs),
      flightMsMax: this.flightMsMax,
    };
  }
}

function busiest(times: readonly number[], bucketMs: number): number {
  let max = 0;
  let bucket = -1;
  let n = 0;
  for (const t of times) {
    const b = Math.floor(t / bucketMs);
    if (b !== bucket) {
      bucket = b;
      n = 0;
    }
    n++;
    if (n > max) max = n;
  }
  return max;
}

/** A message's kind for legends: its `type` field when it has one. */
export function messageType(msg: unknown): string {
  if (msg !== null && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string') return (msg as { type: string }).type;
  if (typeof msg === 'string') return msg.length <= 24 ? msg : 'text';
  return msg === null || msg === undefined ? 'empty' : typeof msg;
}

/** The first event where two traces differ, comparing their canonical encodings. */
export function firstDivergence(
  a: { json: string; offsets: ArrayLike<number>; times: ArrayLike<number> },
  b: { json: string; offsets: ArrayLike<number>; times: ArrayLike<number> },
): Divergence | null {
  const na = a.times.length;
  const nb = b.times.length;
  const n = Math.min(na, nb);
  const text = (r: typeof a, i: number): string => r.json.slice(r.offsets[i]!, r.offsets[i + 1]! - 1);
  for (let i = 0; i < n; i++) {
    if (a.times[i] !== b.times[i] || text(a, i) !== text(b, i)) {
      return { index: i, t: Math.min(a.times[i]!, b.times[i]!), a: JSON.parse(text(a, i)), b: JSON.parse(text(b, i)) };
    }
  }
  if (na === nb) return null;
  const longer = na > nb ? a : b;
  const event = JSON.parse(text(longer, n));
  return { index: n, t: longer.times[n]!, a: na > nb ? event : null, b: na > nb ? null : event };
}
