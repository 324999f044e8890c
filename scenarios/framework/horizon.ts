/**
 * A run's horizon: how long it lasts in simulated time when no fault stretches it — the
 * workload, then the time to settle. Every fault of a plan must happen within it, and every
 * duration a fault carries (a latency's `ms`/`meanMs`/..., a clock skew's `byMs`, an
 * inject's `...Ms` argument) must be no longer than it — unless the scenario's own fault
 * space reaches further: the checker draws faults up to the space's window (some scenarios
 * put faults in the settling time: 1.2 × the workload), latency spikes up to its
 * `latencySpikeMsMax` (twice a timeout, so the timeout fires), skews up to `clockSkewMsMax`
 * and inject arguments within their declared ranges, whatever the parameters. What the
 * scenario itself would draw is never refused.
 *
 * Why: the run heals its faults at the later of the workload's end and the last fault, then
 * settles. A fault at 1e300 ms therefore stretched a run to 1e300 ms, and the workload's
 * timers ran until some other bound stopped it — 78 s, 2.4 GB and a 1.77 GB trace later. A
 * plan is data, so it can be judged before a single event runs: runScenario does, and so do
 * the server's request handler and the CLI before they queue or start anything, so such a
 * plan is refused at once with a message naming the fault and the horizon.
 *
 * Cheap on the checker's hot path: the fault space is read, and messages are built, only for
 * a value past the plain horizon.
 */
import { type Fault, type FaultPlan, InputError } from '../../engine/index.ts';
import type { AnyScenario, Timing } from './scenario.ts';

/** A fault (or one of its durations) beyond the horizon. `field` is its path in the plan, e.g. `faults[2].latency.meanMs`. */
export class FaultBeyondHorizonError extends InputError {
  override name = 'FaultBeyondHorizonError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The run's length without faults, in simulated ms: workload plus settling. */
export function horizonMs(timing: Timing): number {
  return timing.workloadMs + timing.settleMs;
}

/** How far the scenario's own fault space reaches at some parameters (each at least the horizon). */
interface SpaceReach {
  atMs: number;
  latencyMs: number;
  skewMs: number;
  /** The largest value of each numeric inject argument, keyed `inject/arg`. */
  args: Map<string, number>;
}

/**
 * Throws a FaultBeyondHorizonError naming the first fault that happens after the horizon of
 * `scenario` at `params` (parsed), or carries a duration longer than allowed.
 */
export function checkPlanHorizon(scenario: AnyScenario, params: Record<string, unknown>, plan: FaultPlan): void {
  const timing: Timing = scenario.timing(params);
  const horizon = horizonMs(timing);
  let reach: SpaceReach | null = null;
  const space = (): SpaceReach => (reach ??= spaceReach(scenario, params, horizon));
  // Messages are built only when a fault is refused: a check judges thousands of plans that pass.
  const lasts = (): string =>
    `${scenario.id} at these parameters lasts ${fmt(horizon)} ms (workload ${fmt(timing.workloadMs)} ms + settling ${fmt(timing.settleMs)} ms` +
    `${space().atMs > horizon ? `; its fault window reaches ${fmt(space().atMs)} ms` : ''})`;
  plan.forEach((fault, i) => {
    const name = (): string => `faults[${i}] (${fault.kind} at ${fmt(fault.at)} ms)`;
    if (!(fault.at <= horizon) && !(fault.at <= space().atMs)) {
      throw new FaultBeyondHorizonError(
        `faults[${i}]`,
        `${name()} is past the run's horizon: ${lasts()}; a fault must happen within it (for a longer run, raise the workload's duration parameter)`,
      );
    }
    // The common case first, with no path built: every duration within the plain horizon.
    if (longestDuration(fault as unknown as Record<string, unknown>, 0) <= horizon) return;
    for (const [path, ms] of durations(fault as unknown as Record<string, unknown>, '')) {
      if (Math.abs(ms) <= horizon || Math.abs(ms) <= durationMax(space(), fault, path)) continue;
      throw new FaultBeyondHorizonError(
        `faults[${i}].${path}`,
        `${name()}: ${path} ${fmt(ms)} ms is longer than the run's horizon: ${lasts()}; a fault's durations must fit within it`,
      );
    }
  });
}

/** The largest |duration| among the fields `durations` yields (0 for none; Infinity for a NaN, so that the slow path judges it). */
function longestDuration(value: Record<string, unknown>, depth: number): number {
  if (depth > 4) return 0;
  let longest = 0;
  for (const key of Object.keys(value)) {
    if (depth === 0 && key === 'at') continue;
    const v = value[key];
    let ms = 0;
    if (typeof v === 'number') {
      if (key === 'ms' || key.endsWith('Ms')) ms = Number.isNaN(v) ? Number.POSITIVE_INFINITY : Math.abs(v);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) ms = longestDuration(v as Record<string, unknown>, depth + 1);
    if (ms > longest) longest = ms;
  }
  return longest;
}

/** The longest a duration at `path` of `fault` may be, by what the fault space draws. */
function durationMax(reach: SpaceReach, fault: Fault, path: string): number {
  if (fault.kind === 'degrade' && path.startsWith('latency.')) return reach.latencyMs;
  if (fault.kind === 'skew' && path === 'byMs') return reach.skewMs;
  if (fault.kind === 'inject' && path.startsWith('args.')) return reach.args.get(`${fault.name}/${path.slice(5)}`) ?? reach.atMs;
  return reach.atMs;
}

function spaceReach(scenario: AnyScenario, params: Record<string, unknown>, horizon: number): SpaceReach {
  const space = scenario.faultSpace(params);
  const args = new Map<string, number>();
  for (const inject of space.injects ?? []) {
    for (const [arg, spec] of Object.entries(inject.args ?? {})) {
      if ('max' in spec) args.set(`${inject.name}/${arg}`, Math.max(horizon, Math.abs(spec.min), Math.abs(spec.max)));
    }
  }
  return {
    atMs: Math.max(horizon, space.windowMs),
    latencyMs: Math.max(horizon, space.latencySpikeMsMax ?? 0),
    skewMs: Math.max(horizon, space.clockSkewMsMax ?? 0),
    args,
  };
}

/** Every number of a fault (at any depth) whose key says it is a duration in ms (`ms`, `byMs`, `meanMs`...), `at` excepted. */
function* durations(value: Record<string, unknown>, prefix: string, depth = 0): Generator<[string, number]> {
  if (depth > 4) return;
  for (const key of Object.keys(value)) {
    if (depth === 0 && key === 'at') continue;
    const v = value[key];
    const path = `${prefix}${key}`;
    if (typeof v === 'number' && (key === 'ms' || key.endsWith('Ms'))) yield [path, v];
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) yield* durations(v as Record<string, unknown>, `${path}.`, depth + 1);
  }
}

function fmt(ms: number): string {
  return Math.abs(ms) >= 1e15 ? ms.toExponential(3) : ms.toLocaleString('en-US', { maximumFractionDigits: 3 });
}
