/**
 * One run, executed where it is cheap to wait for: a server worker thread, or the page's Web
 * Worker (the same code, so a run made in the page has the same trace hash as one made by
 * the server or by `faultline run`). The scenario runs with a callback trace; each event is
 * folded into the trace hash (the same canonical encoding HashTrace folds in) and serialized
 * once into its wire form. Pure: no Node or DOM API.
 *
 * Output: the run's summary, its events as one string of comma-separated JSON objects with
 * the start offset of each (so a batch of events is one slice, never re-serialized), and
 * each event's time (so a playhead finds its position by binary search). `streamRun` hands
 * the same events over in batches while the run is computed (a viewer draws the first ones
 * at once), and `previewRun` says what is known before the first event.
 */
import { type FaultPlan, HandlerError, InputError, nodesOfFault, parseFaultPlan, type TraceEvent, TraceHasher } from '../engine/index.ts';
import { declaredSystem, findScenario, invariantsFor, parseParams, resolvePreset, resolveStrategy, runScenario } from '../scenarios/index.ts';
import type { EventBatch, RunPreview, RunSummary } from './protocol.ts';
import { summarizeHistory } from './run-history.ts';
import { summarizeRun } from './run-summary.ts';
import { StatsCollector } from './trace-stats.ts';

/** A run request whose every field has been validated (see validateRun). */
export interface RunTask {
  scenario: string;
  /** A user's scenario: the module the thread running it must load first (null or absent for a built-in). */
  module?: { label: string; file: string; version: number } | null;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: FaultPlan;
  /** Stop with an error past this many trace events. */
  traceEventsMax: number;
  /** Told every 65,536 trace events how many there are and the simulated time reached (a viewer's progress). */
  onProgress?: (events: number, tMs: number) => void;
  /**
   * In-process only (never crosses a thread): told each batch of events as the run computes
   * them (see streamRun). The server's run pool relays the batches from its thread here.
   */
  onBatch?: (batch: EventBatch) => void;
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
  /** Stops the run: not a failure of the scenario (see runScenario). */
  readonly stopsRun = true;
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
  const known = new Set(declaredSystem(scenario, params).nodes.map((n) => n.name));
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
  const batches: EventBatch[] = [];
  const summary = streamRun(task, (batch) => batches.push(batch));
  return { summary, ...joinBatches(batches, summary.traceEvents) };
}

/** A run's trace from its batches (in order, every event once): one string, each event's start, each event's time. */
export function joinBatches(batches: readonly EventBatch[], count: number): Omit<RunOutput, 'summary'> {
  const offsets = new Float64Array(count + 1);
  const times = new Float64Array(count);
  let shift = 0;
  let next = 0;
  for (const b of batches) {
    const n = b.times.length;
    if (b.from !== next) throw new Error(`joinBatches: a batch starts at event ${b.from}, expected ${next}`);
    for (let i = 0; i < n; i++) offsets[b.from + i] = b.offsets[i]! + shift;
    times.set(b.times, b.from);
    shift += b.json.length + 1;
    next += n;
  }
  if (next !== count) throw new Error(`joinBatches: the batches hold ${next} events, expected ${count}`);
  offsets[count] = shift;
  return { json: batches.map((b) => b.json).join(','), offsets, times };
}

/** Events in the first batch a run streams (a viewer's first frame waits for it), doubling up to BATCH_EVENTS_MAX. */
export const BATCH_EVENTS_FIRST = 256;
export const BATCH_EVENTS_MAX = 16_384;

/**
 * Runs one validated task, handing its trace to `onBatch` in batches as it is computed (the
 * first small, so a viewer can draw at once; each later one twice as large, up to
 * BATCH_EVENTS_MAX), and returns the summary. The batches hold every event once, in order.
 * Throws TraceLimitError past the limit.
 */
export function streamRun(task: RunTask, onBatch: (batch: EventBatch) => void): RunSummary {
  const scenario = findScenario(task.scenario);
  const hasher = new TraceHasher();
  const stats = new StatsCollector();
  let parts: string[] = [];
  let batchSize = BATCH_EVENTS_FIRST;
  let times = new Float64Array(batchSize);
  let offsets = new Float64Array(batchSize + 1);
  let from = 0;
  let length = 0;
  let count = 0;

  const flush = (): void => {
    const n = count - from;
    if (n === 0) return;
    offsets[n] = length;
    onBatch({ from, json: parts.join(','), offsets: offsets.slice(0, n + 1), times: times.slice(0, n) });
    from = count;
    length = 0;
    parts = [];
    if (batchSize < BATCH_EVENTS_MAX) {
      batchSize *= 2;
      times = new Float64Array(batchSize);
      offsets = new Float64Array(batchSize + 1);
    }
  };

  const onEvent = (event: TraceEvent): void => {
    if (count >= task.traceEventsMax) {
      throw new TraceLimitError(
        `the run records more than ${task.traceEventsMax.toLocaleString('en-US')} trace events, the limit of this server; lower the workload parameters`,
      );
    }
    hasher.add(event);
    const text = JSON.stringify(event);
    const i = count - from;
    times[i] = event.t;
    offsets[i] = length;
    parts.push(text);
    length += text.length + 1;
    count++;
    stats.add(event);
    if ((count & 0xffff) === 0) task.onProgress?.(count, event.t);
    if (count - from === batchSize) flush();
  };

  let result: ReturnType<typeof runScenario>;
  try {
    // The clients' history is recorded for the viewer's history view (recording changes no trace event).
    result = runScenario(scenario, { strategy: task.strategy, seed: task.seed, params: task.params, faults: task.faults, trace: onEvent, history: true });
  } catch (error) {
    if (error instanceof HandlerError && error.cause instanceof TraceLimitError) throw error.cause;
    throw error;
  }
  flush();
  const system = declaredSystem(scenario, result.params);
  return {
    ...summarizeRun(result, { hash: hasher.digest(), events: count }),
    topology: [...system.topology.nodes],
    charts: [...system.charts],
    stats: stats.finish(result.simTimeMs),
    history:
      result.history === null
        ? null
        : summarizeHistory(result.history, invariantsFor(scenario, result.strategy), result.invariants, undefined, result.historyJudgements),
  };
}

/**
 * What is known of a validated run before it runs (see RunPreview): computed as runScenario
 * computes its timing, and from the scenario's declared system at the run's parameters.
 */
export function previewRun(task: Omit<RunTask, 'traceEventsMax'>): RunPreview {
  const scenario = findScenario(task.scenario);
  const timing = scenario.timing(task.params);
  const lastFaultMs = task.faults.reduce((m, f) => Math.max(m, f.at), 0);
  const healAtMs = Math.max(timing.workloadMs, lastFaultMs);
  const system = declaredSystem(scenario, task.params);
  return {
    scenario: task.scenario,
    strategy: task.strategy,
    seed: task.seed,
    params: task.params,
    faults: task.faults,
    workloadMs: timing.workloadMs,
    healAtMs,
    endMs: healAtMs + timing.settleMs,
    topology: [...system.topology.nodes],
    charts: [...system.charts],
  };
}
