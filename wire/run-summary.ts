/**
 * A run's outcome as its front ends report it: the CLI's `run --json`, the server's run
 * summary and the page's. One shape and one function, so the three cannot drift apart (the
 * same traceHash, events and verdicts under the same names everywhere).
 */
import type { FaultPlan, MessageStats } from '../engine/index.ts';
import type { InvariantResult, RunResult } from '../scenarios/index.ts';

/** What every front end says about one finished run. */
export interface RunOutcome {
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: FaultPlan;
  workloadMs: number;
  healAtMs: number;
  /** Simulated time at which the run ended, in ms. */
  simTimeMs: number;
  /** Simulation events processed. */
  events: number;
  /** Trace events recorded (what a trace file or the page receives). */
  traceEvents: number;
  /** The hash of the run's trace: equal for the same run in every process and page. */
  traceHash: string;
  ok: boolean;
  metrics: Record<string, number>;
  invariants: InvariantResult[];
  goals: { name: string; reached: boolean }[];
  messages: MessageStats;
  firstViolation: RunResult['firstViolation'];
}

/** The outcome of a run whose trace was hashed as it was recorded. */
export function summarizeRun(result: RunResult, trace: { hash: string; events: number }): RunOutcome {
  return {
    scenario: result.scenario,
    strategy: result.strategy,
    seed: result.seed,
    params: result.params,
    faults: result.faults,
    workloadMs: result.workloadMs,
    healAtMs: result.healAtMs,
    simTimeMs: result.simTimeMs,
    events: result.events,
    traceEvents: trace.events,
    traceHash: trace.hash,
    ok: result.ok,
    metrics: result.metrics,
    invariants: result.invariants,
    goals: result.goals,
    messages: result.messages,
    firstViolation: result.firstViolation,
  };
}
