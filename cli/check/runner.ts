/**
 * Runs a check on the worker pool with a result that does not depend on the number of
 * workers: the check's positions are cut into chunks, dispatched in order (a few more in
 * flight than there are workers, so no worker waits for the main thread); each worker
 * scans its chunk and stops at its own first failure. The check's failure is the lowest
 * failing position; every chunk that starts at or before it is run to completion, the later
 * ones are never sent. The scan is then normalised to positions 0..failure (or all), the
 * failing run is shrunk in a worker, and `summarizeCheck` assembles exactly what one process
 * running `checkScenario` would.
 */
import { performance } from 'node:perf_hooks';
import type { ModuleRef } from '../../catalog/scenario-modules.ts';
import {
  CheckPlan,
  type CheckResult,
  type Counterexample,
  findScenario,
  type RunFailure,
  type ScanResult,
  type ShardSpec,
  summarizeCheck,
} from '../../scenarios/index.ts';
import type { CheckPool } from './pool.ts';
import { indexAt, type PlanKey, type ScanReply } from './tasks.ts';

/**
 * Chunk sizes: large enough that dispatch costs nothing (a run takes about a millisecond),
 * shrinking toward the end (guided scheduling: a share of what remains), so that the last
 * chunks of the two cores end together instead of one waiting out a long chunk.
 */
export const CHUNK_RUNS_MAX = 64;
export const CHUNK_RUNS_MIN = 8;

function chunkSize(remaining: number, workers: number): number {
  return Math.max(CHUNK_RUNS_MIN, Math.min(CHUNK_RUNS_MAX, Math.ceil(remaining / (4 * workers))));
}

export interface ScanOutcome {
  /** Goal masks of positions 0..failure (or of every position when nothing failed). */
  goalMasks: number[];
  /** Coverage items of the same positions. */
  coverage: number[][];
  failure: (RunFailure & { index: number }) | null;
  /** Runs the workers executed, including those past the failure in chunks already sent. */
  executedRuns: number;
  elapsedMs: number;
}

/** Where a shard's (or the whole check's) positions lie among run indices. */
export function sliceOf(runs: number, shard: ShardSpec | null): { offset: number; stride: number; positions: number } {
  const offset = shard === null ? 0 : shard.index - 1;
  const stride = shard === null ? 1 : shard.count;
  return { offset, stride, positions: offset >= runs ? 0 : Math.ceil((runs - offset) / stride) };
}

/** Scans a check's slice on the pool; `onRuns(n)` is told as runs complete. */
export async function scanInPool(pool: CheckPool, key: PlanKey, runs: number, shard: ShardSpec | null, onRuns: (n: number) => void): Promise<ScanOutcome> {
  const { offset, stride, positions } = sliceOf(runs, shard);
  const chunks: { from: number; to: number; reply?: ScanReply }[] = [];
  const inFlightMax = pool.workers * 2;
  const startMs = performance.now();
  let failurePosition = Number.POSITIVE_INFINITY;
  let executedRuns = 0;

  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let inFlight = 0;
    let failed = false;
    const pump = (): void => {
      while (!failed && inFlight < inFlightMax && next < positions && next <= failurePosition) {
        const chunk = { from: next, to: Math.min(positions, next + chunkSize(positions - next, pool.workers)) };
        chunks.push(chunk);
        next = chunk.to;
        launch(chunk);
      }
      if (inFlight === 0) resolve();
    };
    const launch = (chunk: (typeof chunks)[number]): void => {
      inFlight++;
      pool.run<ScanReply>({ kind: 'scan', ...key, offset, stride, from: chunk.from, to: chunk.to }).then(
        (reply) => {
          inFlight--;
          chunk.reply = reply;
          executedRuns += reply.goalMasks.length;
          onRuns(reply.goalMasks.length);
          if (reply.failure !== null) failurePosition = Math.min(failurePosition, (reply.failure.index - offset) / stride);
          pump();
        },
        (error: unknown) => {
          failed = true;
          reject(error);
        },
      );
    };
    pump();
  });

  // Chunks were cut in order; each one up to the failure ran to its end (or to the failure).
  const elapsedMs = performance.now() - startMs;
  const goalMasks: number[] = [];
  const coverage: number[][] = [];
  let failure: ScanOutcome['failure'] = null;
  for (const chunk of chunks) {
    if (failure !== null) break;
    if (chunk.reply === undefined)
      throw new Error(`check runner: chunk [${chunk.from}, ${chunk.to}) before the failure at position ${failurePosition} was not run`);
    goalMasks.push(...chunk.reply.goalMasks);
    coverage.push(...chunk.reply.coverage);
    failure = chunk.reply.failure;
  }
  if (failure === null && goalMasks.length !== positions) throw new Error(`check runner: scanned ${goalMasks.length} of ${positions} positions`);
  return { goalMasks, coverage, failure, executedRuns, elapsedMs };
}

/** The scan as `summarizeCheck` reads it: run indices with their goal masks and coverage. */
export function toScanResult(
  scan: { goalMasks: readonly number[]; coverage: readonly (readonly number[])[]; failure: ScanOutcome['failure'] },
  runs: number,
  shard: ShardSpec | null,
): ScanResult {
  const { offset, stride } = sliceOf(runs, shard);
  return {
    indices: scan.goalMasks.map((_, p) => indexAt(offset, stride, p)),
    goalMasks: [...scan.goalMasks],
    coverage: scan.coverage.map((items) => [...items]),
    failure: scan.failure,
  };
}

export interface PoolCheckRequest {
  scenario: string;
  /** The user's module the scenario comes from; null for a built-in. */
  module: ModuleRef | null;
  strategies: readonly string[];
  params: Record<string, unknown>;
  seed: number;
  runs: number;
  shard: ShardSpec | null;
  shrinkBudget: number;
  /** Told the runs completed so far, over all strategies. */
  onProgress?: (done: number) => void;
}

export interface StrategyCheck {
  result: CheckResult;
  scan: ScanOutcome;
  /** Runs executed per second of scanning (start-up and shrinking excluded). */
  runsPerSec: number;
}

/**
 * Checks each strategy in turn on the pool. A failing run is shrunk in a worker while the
 * next strategy's scan goes on, so the pool stays busy.
 */
export async function checkInPool(pool: CheckPool, request: PoolCheckRequest): Promise<StrategyCheck[]> {
  const scenario = findScenario(request.scenario);
  let done = 0;
  const pending: Promise<StrategyCheck>[] = [];
  for (const strategy of request.strategies) {
    const plan = new CheckPlan(scenario, strategy, request.params, request.seed);
    const key: PlanKey = { scenario: scenario.id, module: request.module, strategy: plan.strategy, params: plan.params, seed: request.seed };
    const scan = await scanInPool(pool, key, request.runs, request.shard, (n) => request.onProgress?.((done += n)));
    const shrunk: Promise<Counterexample | null> =
      scan.failure === null
        ? Promise.resolve(null)
        : pool.run<Counterexample>({ kind: 'shrink', ...key, index: scan.failure.index, budget: request.shrinkBudget });
    const entry = shrunk.then((counterexample) => ({
      result: summarizeCheck(plan, request.runs, [toScanResult(scan, request.runs, request.shard)], counterexample, request.shard),
      scan,
      runsPerSec: scan.elapsedMs > 0 ? (scan.executedRuns * 1000) / scan.elapsedMs : 0,
    }));
    // A failed shrink must not go unhandled while later scans run (or if one of them throws);
    // Promise.all below reports it.
    entry.catch(() => {});
    pending.push(entry);
  }
  return Promise.all(pending);
}
