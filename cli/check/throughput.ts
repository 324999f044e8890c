/**
 * The check-throughput benchmark: runs per second of `faultline check` on one and on two
 * worker threads, through the same pool and runner the command uses. Measured honestly: a
 * sound strategy (so every run is executed and nothing stops early), thousands of runs, the
 * pool started and warmed (threads up, scenarios loaded and JIT-compiled on a different
 * seed) before the clock starts; pool start-up is reported apart. Repetitions interleave the
 * worker counts so that machine noise hits both alike; the best of each is kept.
 */
import { performance } from 'node:perf_hooks';
import { findScenario, parseParams } from '../../scenarios/index.ts';
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
