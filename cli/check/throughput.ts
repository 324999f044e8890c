/**
 * The check-throughput benchmark: runs per second of `faultline check` on one and on two
 * worker threads, through the same pool and runner the command uses. Measured honestly: a
 * sound strategy (so every run is executed and nothing stops early), thousands of runs, the
 * pool started and warmed (threads up, scenarios loaded and JIT-compiled on a different
 * seed) before the clock starts; pool start-up is reported apart. Repetitions interleave the
 * worker counts so that machine noise hits both alike; the best of each is kept.
 *
 * The same measurement on one worker for every scenario (measureScenarioThroughput) says how
 * close each scenario's check comes to the bare loop, in events per second.
 */
import { performance } from 'node:perf_hooks';
import { bareLoopEventsPerSec } from '../../bench/child-process.ts';
import { type AnyScenario, CheckPlan, findScenario, parseParams, runScenario, scenarios } from '../../scenarios/index.ts';
import { CheckPool } from './pool.ts';
import { scanInPool } from './runner.ts';
import type { PlanKey } from './tasks.ts';

export interface CheckThroughputOptions {
  scenario?: string;
  /** Default: the scenario's default strategy, which must be sound. */
  strategy?: string;
  runs?: number;
  warmupRuns?: number;
  repetitions?: number;
  workerCounts?: readonly number[];
  onProgress?: (line: string) => void;
}

export interface CheckThroughputReport {
  scenario: string;
  strategy: string;
  /** Runs per worker in each measurement. */
  runsPerWorker: number;
  warmupRunsPerWorker: number;
  repetitions: number;
  /** Best runs/s per worker count, keyed "1", "2". */
  runsPerSec: Record<string, number>;
  /** runsPerSec["2"] / runsPerSec["1"]. */
  speedup: number | null;
  /** Pool start-up (threads, tsx, loading the scenarios), not counted above. */
  poolStartMs: Record<string, number>;
  /**
   * Runs per second of CPU time the whole process used (all threads, GC included) during the
   * best measurement: flat across worker counts means the pool scales with the cores it gets.
   */
  runsPerCpuSec: Record<string, number>;
  /** Cores the process actually got during that measurement (CPU time / wall time): below the worker count, the machine was busy with other work. */
  coresUsed: Record<string, number>;
}

export async function measureCheckThroughput(options: CheckThroughputOptions = {}): Promise<CheckThroughputReport> {
  const scenario = findScenario(options.scenario ?? 'two-phase-commit');
  const strategy = options.strategy ?? scenario.defaultStrategy;
  const declared = scenario.strategies.find((s) => s.id === strategy);
  if (declared === undefined || declared.expectedViolations.length > 0)
    throw new Error(`check throughput is measured on a sound strategy; ${strategy} is not one`);
  const runs = options.runs ?? 16000;
  const warmupRuns = options.warmupRuns ?? Math.min(2000, Math.ceil(runs / 4));
  const repetitions = options.repetitions ?? 5;
  const counts = options.workerCounts ?? [1, 2];
  const log = options.onProgress ?? (() => {});
  const params = parseParams<Record<string, unknown>>(scenario, {});
  const best: Record<string, number> = {};
  const startMs: Record<string, number> = {};
  const perCpu: Record<string, number> = {};
  const coresUsed: Record<string, number> = {};

  for (let rep = 1; rep <= repetitions; rep++) {
    for (const workers of counts) {
      const t0 = performance.now();
      const pool = new CheckPool(workers);
      try {
        await pool.warm();
        const started = performance.now() - t0;
        startMs[workers] = Math.round(Math.min(startMs[workers] ?? Number.POSITIVE_INFINITY, started));
        await scanInPool(pool, { scenario: scenario.id, module: null, strategy, params, seed: 0x5eed }, warmupRuns * workers, null, () => {});
        const key: PlanKey = { scenario: scenario.id, module: null, strategy, params, seed: 1 };
        const cpu0 = process.cpuUsage();
        // The same number of runs per worker at every worker count: each measurement window covers
        // the same amount of steady-state work per thread, and the end-of-scan tail (the last
        // chunks, when one worker may wait for the other) weighs the same.
        const scan = await scanInPool(pool, key, runs * workers, null, () => {});
        const cpu = process.cpuUsage(cpu0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        if (scan.failure !== null) throw new Error(`${scenario.id}/${strategy} failed run ${scan.failure.index} during the benchmark: ${scan.failure.message}`);
        const rate = (scan.executedRuns * 1000) / scan.elapsedMs;
        const cores = cpuSeconds / (scan.elapsedMs / 1000);
        if (rate > (best[workers] ?? 0)) {
          best[workers] = rate;
          perCpu[workers] = Math.round(scan.executedRuns / cpuSeconds);
          coresUsed[workers] = Math.round(cores * 100) / 100;
        }
        log(
          `rep ${rep}/${repetitions} check ${scenario.id}/${strategy} on ${workers} worker${workers === 1 ? '' : 's'}: ${Math.round(rate).toLocaleString('en-US')} runs/s (${cores.toFixed(2)} cores used)`,
        );
      } finally {
        await pool.close();
      }
    }
  }
  const runsPerSec = Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Math.round(v)]));
  const one = best[1];
  const two = best[2];
  return {
    scenario: scenario.id,
    strategy,
    runsPerWorker: runs,
    warmupRunsPerWorker: warmupRuns,
    repetitions,
    runsPerSec,
    speedup: one !== undefined && two !== undefined ? Math.round((two / one) * 1000) / 1000 : null,
    poolStartMs: startMs,
    runsPerCpuSec: perCpu,
    coresUsed,
  };
}

// ------------------------------------------------------------------ every scenario's check

export interface ScenarioThroughputOptions {
  /** Scenario ids (default: every registered scenario, in registry order). */
  scenarios?: readonly string[];
  /** Wall-clock seconds each measurement aims at (default 1.5); the warm-up lasts as long. */
  seconds?: number;
  repetitions?: number;
  /** Events of each bare-loop reference run (default 2,000,000). */
  bareEvents?: number;
  onProgress?: (line: string) => void;
}

/** One scenario's check on one worker, beside the bare loop measured in the same bench run. */
export interface ScenarioThroughputRow {
  scenario: string;
  strategy: string;
  /** Runs in each measurement (the same run indices, seed 1, in every repetition). */
  runs: number;
  /** Best runs per second of the repetitions. */
  runsPerSec: number;
  /** Simulation events of those runs, divided by their number (counted once, in-process: runs are deterministic). */
  eventsPerRun: number;
  eventsPerSec: number;
  /** eventsPerSec over the bare loop's (scenarioBareLoop). */
  ratioToBare: number;
}

/** A scenario that could not be measured: it failed to load, has no sound strategy, or broke during the benchmark. */
export interface ScenarioThroughputFailure {
  scenario: string;
  strategy: string | null;
  error: string;
}

export interface ScenarioThroughputReport {
  /** The bare hand-written loop (bench/bare-loop.mjs) on the message workload, best of the repetitions. */
  bareLoop: { workload: 'pingpong'; eventsPerSec: number };
  secondsPerMeasurement: number;
  repetitions: number;
  rows: (ScenarioThroughputRow | ScenarioThroughputFailure)[];
}

/**
 * Every scenario's check throughput on one worker, measured as `check.runsPerSec["1"]` is: a
 * fresh pool of one worker (the check command's pool and bundle) per measurement, warmed on
 * another seed before the clock starts; a sound strategy (the default when it is sound, else
 * the first sound one), so every run is executed. Repetitions interleave the scenarios and the
 * bare loop, so machine noise hits them alike; the best of each is kept. Events per second are
 * runs per second times the runs' mean events (counted in-process, after the timing: the runs
 * are pure functions of the check seed and index). The bare reference is the pingpong workload
 * of bench/bare-loop.mjs, messages between 100 nodes with sampled latencies: the fastest of the
 * bare workloads, and the one that does what scenarios do.
 */
export async function measureScenarioThroughput(options: ScenarioThroughputOptions = {}): Promise<ScenarioThroughputReport> {
  const ids = options.scenarios ?? scenarios.map((s) => s.id);
  const seconds = options.seconds ?? 1.5;
  const repetitions = options.repetitions ?? 3;
  const log = options.onProgress ?? (() => {});
  const state = ids.map((id) => ({ id, strategy: null as string | null, runs: 0, warmRuns: 0, best: 0, eventsPerRun: 0, error: null as string | null }));
  let bare = 0;

  for (let rep = 1; rep <= repetitions; rep++) {
    bare = Math.max(bare, bareLoopEventsPerSec('pingpong', options.bareEvents ?? 2_000_000));
    log(`rep ${rep}/${repetitions} bare loop (pingpong): ${fmtRate(bare)} events/s`);
    for (const s of state) {
      if (s.error !== null) continue;
      try {
        const rate = await measureOneScenario(s, seconds);
        s.best = Math.max(s.best, rate);
        if (s.eventsPerRun === 0) s.eventsPerRun = countEventsPerRun(s.id, s.strategy!, s.runs);
        log(`rep ${rep}/${repetitions} check ${s.id}/${s.strategy}: ${fmtRate(rate)} runs/s, ${fmtRate(rate * s.eventsPerRun)} events/s`);
      } catch (error) {
        s.error = (error as Error).message.split('\n')[0]!.slice(0, 500);
        log(`check ${s.id}: not measured: ${s.error}`);
      }
    }
  }
  const rows = state.map((s): ScenarioThroughputRow | ScenarioThroughputFailure => {
    if (s.error !== null) return { scenario: s.id, strategy: s.strategy, error: s.error };
    const eventsPerSec = s.best * s.eventsPerRun;
    return {
      scenario: s.id,
      strategy: s.strategy!,
      runs: s.runs,
      runsPerSec: Math.round(s.best),
      eventsPerRun: Math.round(s.eventsPerRun * 10) / 10,
      eventsPerSec: Math.round(eventsPerSec),
      ratioToBare: Math.round((eventsPerSec / bare) * 1000) / 1000,
    };
  });
  return { bareLoop: { workload: 'pingpong', eventsPerSec: Math.round(bare) }, secondsPerMeasurement: seconds, repetitions, rows };
}

/** The strategy a scenario's check is measured on: its default when sound, else its first sound one. */
export function soundStrategyOf(scenario: AnyScenario): string {
  const sound = scenario.strategies.filter((s) => s.expectedViolations.length === 0);
  const chosen = sound.find((s) => s.id === scenario.defaultStrategy) ?? sound[0];
  if (chosen === undefined) throw new Error(`${scenario.id} has no sound strategy (every strategy declares a flaw), so no check of it runs to the end`);
  return chosen.id;
}

/**
 * One measurement: a fresh one-worker pool, warmed on seed 0x5eed, then `runs` runs of seed 1
 * timed. The first repetition sizes both from the speed the warm-up reaches.
 */
async function measureOneScenario(s: { id: string; strategy: string | null; runs: number; warmRuns: number }, seconds: number): Promise<number> {
  const scenario = findScenario(s.id);
  s.strategy ??= soundStrategyOf(scenario);
  const params = parseParams<Record<string, unknown>>(scenario, {});
  const pool = new CheckPool(1);
  try {
    await pool.warm();
    const warm: PlanKey = { scenario: scenario.id, module: null, strategy: s.strategy, params, seed: 0x5eed };
    if (s.warmRuns === 0) {
      // Sized by the scenario's own speed: scans of 16, 32, 64... runs until as much time as
      // the measurement's has passed (the JIT has compiled the scenario by then); the last one's rate sizes the measurement, and later
      // repetitions warm up with as many runs in all.
      let n = 16;
      let spentMs = 0;
      let rate = 0;
      for (;;) {
        const scan = await scanInPool(pool, warm, n, null, () => {});
        throwOnFailure(s.id, s.strategy, scan);
        s.warmRuns += scan.executedRuns;
        spentMs += scan.elapsedMs;
        rate = (scan.executedRuns * 1000) / Math.max(1, scan.elapsedMs);
        if (spentMs >= seconds * 1000 || n >= 20_000) break;
        n *= 2;
      }
      s.runs = Math.max(32, Math.min(50_000, Math.round(rate * seconds)));
    } else throwOnFailure(s.id, s.strategy, await scanInPool(pool, warm, s.warmRuns, null, () => {}));
    const scan = await scanInPool(pool, { ...warm, seed: 1 }, s.runs, null, () => {});
    throwOnFailure(s.id, s.strategy, scan);
    return (scan.executedRuns * 1000) / scan.elapsedMs;
  } finally {
    await pool.close();
  }
}

function throwOnFailure(scenario: string, strategy: string, scan: { failure: { index: number; invariant: string; message: string } | null }): void {
  if (scan.failure !== null)
    throw new Error(`the sound strategy ${strategy} of ${scenario} broke ${scan.failure.invariant} in run ${scan.failure.index}: ${scan.failure.message}`);
}

/** Mean simulation events of runs 0..runs-1 of the check (seed 1), run in this thread. */
function countEventsPerRun(id: string, strategy: string, runs: number): number {
  const plan = new CheckPlan(findScenario(id), strategy, {}, 1);
  let events = 0;
  for (let i = 0; i < runs; i++) {
    const { seed, plan: faults } = plan.input(i);
    events += runScenario(plan.scenario, { strategy, seed, faults: faults.value, parsedParams: plan.params, trace: 'off' }).events;
  }
  return events / runs;
}

const fmtRate = (x: number): string => Math.round(x).toLocaleString('en-US');
