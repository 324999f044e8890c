/**
 * One run, executed where it is cheap to wait for: a server worker thread, or the page's Web
 * Worker (the same code, so a run made in the page has the same trace hash as one made by
 * the server or by `faultline run`). The scenario runs with a callback trace; each event is
 * folded into the trace hash (the same canonical encoding HashTrace folds in) and serialized
 * once into its wire form. Pure: no Node or DOM API.
 *
 * Output: the run's summary, its events as one string of comma-separated JSON objects with
 * the start offset of each (so a batch of events is one slice, never re-serialized), and
 * each event's time (so a playhead finds its position by binary search).
 */
import { type FaultPlan, HandlerError, InputError, nodesOfFault, parseFaultPlan, type TraceEvent, TraceHasher } from '../engine/index.ts';
import { declaredSystem, findScenario, parseParams, resolvePreset, resolveStrategy, runScenario } from '../scenarios/index.ts';
import type { RunSummary } from './protocol.ts';
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
    hasher.add(event);
    const text = JSON.stringify(event);
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
    if ((count & 0xffff) === 0) task.onProgress?.(count, event.t);
  };

  let result: ReturnType<typeof runScenario>;
  try {
    result = runScenario(scenario, { strategy: task.strategy, seed: task.seed, params: task.params, faults: task.faults, trace: onEvent });
  } catch (error) {
    if (error instanceof HandlerError && error.cause instanceof TraceLimitError) throw error.cause;
    throw error;
  }
  offsets[count] = length;
  const system = declaredSystem(scenario, result.params);
  const summary: RunSummary = {
    ...summarizeRun(result, { hash: hasher.digest(), events: count }),
    topology: [...system.topology.nodes],
    charts: [...system.charts],
    stats: stats.finish(result.simTimeMs),
  };
  return { summary, json: parts.join(','), offsets: offsets.slice(0, count + 1), times: times.slice(0, count) };
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
