/**
 * Growth: does an event cost the same in a long run as in a short one, and in a large
 * topology as in a small one? The kernel's pingpong workload (bench/kernel-workloads.ts) at
 * 10,000, 1,000,000 and 10,000,000 events on 100 nodes and at 1,000,000 events on 1,000
 * nodes, with the trace off and kept in memory, each size in a fresh process after a warm-up
 * (growth-child.ts); and the bytes a MemoryTrace keeps per stored event.
 *
 * The cost per event counts everything a run of that size costs (setting the nodes up
 * included, since a short run pays it over fewer events), in CPU time of the measuring
 * process: the sizes differ a thousandfold in length, and on a busy machine a long run's
 * wall-clock time includes other processes' turns where a short one slips between them, which
 * would bias exactly the comparison made here. Wall-clock and run-only figures are reported
 * beside it. `spread` is the largest cost per event over the smallest, per trace mode: the
 * target is at most 1.2. Each size is measured `repetitions` times, the repetitions
 * interleaved so that a busy spell of the machine hits every size alike, and the cheapest kept
 * (as the kernel benchmark keeps the best of its runs): a ratio of the largest to the smallest
 * of four single measurements would otherwise mostly measure the machine's noise.
 */
import { runChild } from './child-process.ts';

export interface GrowthSize {
  events: number;
  nodes: number;
}

export interface GrowthRow extends GrowthSize {
  trace: 'off' | 'memory';
  /** Measurements of this size (child processes); the figures are the cheapest one's. */
  repetitions: number;
  /** Runs of this size measured (at least 2,000,000 events in all, or one run). */
  runs: number;
  /** CPU ns per event, the run's set-up included. */
  nsPerEvent: number;
  /** CPU ns per event of the run alone. */
  runNsPerEvent: number;
  /** CPU ms of one run's set-up (adding and starting the nodes). */
  setupMsPerRun: number;
  /** Wall-clock ns per event of the run alone. */
  wallNsPerEvent: number;
}

export interface GrowthReport {
  workload: 'pingpong';
  rows: GrowthRow[];
  /** Per trace mode: the largest nsPerEvent over the smallest (target: at most 1.2). */
  spread: { off: number; memory: number };
  /** The same without the set-up (runNsPerEvent). */
  runSpread: { off: number; memory: number };
  /** Bytes the heap keeps per stored trace event (MemoryTrace). */
  bytesPerTraceEvent: { pingpong: number; scenario: { scenario: string; params: Record<string, unknown>; rows: number; bytes: number } };
}

export interface GrowthOptions {
  sizes?: readonly GrowthSize[];
  bytesEvents?: number;
  bytesScenario?: { scenario: string; params: Record<string, unknown> };
  /** Measurements of each size, interleaved; the cheapest is kept. Default 3. */
  repetitions?: number;
  onProgress?: (line: string) => void;
}

export const GROWTH_SIZES: readonly GrowthSize[] = [
  { events: 10_000, nodes: 100 },
  { events: 1_000_000, nodes: 100 },
  { events: 10_000_000, nodes: 100 },
  { events: 1_000_000, nodes: 1_000 },
];

export function measureGrowth(options: GrowthOptions = {}): GrowthReport {
  const sizes = options.sizes ?? GROWTH_SIZES;
  const log = options.onProgress ?? (() => {});
  const repetitions = options.repetitions ?? 3;
  type ChildRow = Omit<GrowthRow, 'trace' | 'repetitions'> & { trace: string };
  const rows: GrowthRow[] = [];
  for (const trace of ['off', 'memory'] as const) {
    const best = new Map<GrowthSize, ChildRow>();
    for (let rep = 1; rep <= repetitions; rep++) {
      for (const size of sizes) {
        const r = runChild<ChildRow>('growth-child', ['cost', String(size.nodes), String(size.events), trace]);
        const kept = best.get(size);
        if (kept === undefined || r.nsPerEvent < kept.nsPerEvent) best.set(size, r);
        log(`growth ${fmt(size.events)} events on ${fmt(size.nodes)} nodes, trace ${trace}, ${rep}/${repetitions}: ${round1(r.nsPerEvent)} ns/event`);
      }
    }
    for (const size of sizes) {
      const r = best.get(size)!;
      const row: GrowthRow = {
        events: size.events,
        nodes: size.nodes,
        trace,
        repetitions,
        runs: r.runs,
        nsPerEvent: round1(r.nsPerEvent),
        runNsPerEvent: round1(r.runNsPerEvent),
        setupMsPerRun: round1(r.setupMsPerRun),
        wallNsPerEvent: round1(r.wallNsPerEvent),
      };
      rows.push(row);
      log(
        `growth ${fmt(size.events)} events on ${fmt(size.nodes)} nodes, trace ${trace}: ${row.nsPerEvent} ns/event (${row.runNsPerEvent} without set-up), the best of ${repetitions}`,
      );
    }
  }
  const spreadOf = (trace: 'off' | 'memory', key: 'nsPerEvent' | 'runNsPerEvent'): number => {
    const xs = rows.filter((r) => r.trace === trace).map((r) => r[key]);
    return Math.round((Math.max(...xs) / Math.min(...xs)) * 100) / 100;
  };
  const bytesEvents = options.bytesEvents ?? 1_000_000;
  const scenario = options.bytesScenario ?? { scenario: 'cache-strategies', params: { requestsPerSec: 20_000, workloadMs: 1_000 } };
  const pingpong = runChild<{ rows: number; bytesPerTraceEvent: number }>('growth-child', ['bytes', String(bytesEvents)], ['--expose-gc']);
  const scenarioBytes = runChild<{ rows: number; bytesPerTraceEvent: number }>(
    'growth-child',
    ['bytes', '0', scenario.scenario, JSON.stringify(scenario.params)],
    ['--expose-gc'],
  );
  log(`bytes per stored trace event: pingpong ${pingpong.bytesPerTraceEvent.toFixed(1)}, ${scenario.scenario} ${scenarioBytes.bytesPerTraceEvent.toFixed(1)}`);
  return {
    workload: 'pingpong',
    rows,
    spread: { off: spreadOf('off', 'nsPerEvent'), memory: spreadOf('memory', 'nsPerEvent') },
    runSpread: { off: spreadOf('off', 'runNsPerEvent'), memory: spreadOf('memory', 'runNsPerEvent') },
    bytesPerTraceEvent: {
      pingpong: round1(pingpong.bytesPerTraceEvent),
      scenario: { ...scenario, rows: scenarioBytes.rows, bytes: round1(scenarioBytes.bytesPerTraceEvent) },
    },
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
