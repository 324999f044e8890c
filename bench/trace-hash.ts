/**
 * What hashing the trace costs a run: a large cache-strategies run (about a million events)
 * with the trace off and with the trace hashed (`trace: 'hash'`, what `faultline run` does),
 * each in a fresh process (trace-hash-child.ts), the two modes interleaved in every
 * repetition so machine noise hits both alike, the best of each kept. The ratio is hashed
 * events per second over unhashed events per second: 1 means hashing is free.
 *
 * A traced run also does what a trace asks of the scenario beyond hashing (metric samplers
 * run, notes are worded), so the ratio is what a user pays for a traced run, all of it.
 * Events per second are each run's own (a traced run has its samplers' metric events).
 * Wall-clock figures are the ones that count; CPU-time figures are reported beside them,
 * since on a busy machine a multi-second run's wall time includes other processes' turns.
 */
import { runChild } from './child-process.ts';

export interface TraceHashOptions {
  scenario?: string;
  params?: Record<string, unknown>;
  seed?: number;
  repetitions?: number;
  onProgress?: (line: string) => void;
}

export interface TraceHashReport {
  scenario: string;
  strategy: string;
  params: Record<string, unknown>;
  seed: number;
  /** Events of the hashed run (the unhashed one lacks the samplers' metric events). */
  events: number;
  traceHash: string;
  repetitions: number;
  hashedEventsPerSec: number;
  unhashedEventsPerSec: number;
  /** hashedEventsPerSec / unhashedEventsPerSec. */
  ratio: number;
  /** The same by CPU time of the measuring process. */
  cpu: { hashedEventsPerSec: number; unhashedEventsPerSec: number; ratio: number };
}

interface ChildResult {
  mode: 'off' | 'hash';
  events: number;
  seconds: number;
  cpuSeconds: number;
  traceHash: string | null;
  strategy: string;
}

/** About a million events: 20,000 requests/s for 3.3 s of workload. */
export const TRACE_HASH_PARAMS: Readonly<Record<string, unknown>> = { requestsPerSec: 20_000, workloadMs: 3_300 };

export function measureTraceHash(options: TraceHashOptions = {}): TraceHashReport {
  const scenario = options.scenario ?? 'cache-strategies';
  const params = { ...(options.params ?? TRACE_HASH_PARAMS) };
  const seed = options.seed ?? 1;
  const repetitions = options.repetitions ?? 5;
  const log = options.onProgress ?? (() => {});
  const best = { off: { wall: 0, cpu: 0 }, hash: { wall: 0, cpu: 0 } };
  let hashed: ChildResult | null = null;
  for (let rep = 1; rep <= repetitions; rep++) {
    // Alternate which mode goes first, so neither always follows the other.
    const modes = rep % 2 === 1 ? (['off', 'hash'] as const) : (['hash', 'off'] as const);
    for (const mode of modes) {
      const r = runChild<ChildResult>('trace-hash-child', [mode, scenario, JSON.stringify(params), String(seed)]);
      if (mode === 'hash') {
        if (hashed !== null && r.traceHash !== hashed.traceHash)
          throw new Error(`trace hash differs between repetitions: ${hashed.traceHash} then ${r.traceHash}`);
        hashed = r;
      }
      best[mode].wall = Math.max(best[mode].wall, r.events / r.seconds);
      best[mode].cpu = Math.max(best[mode].cpu, r.events / r.cpuSeconds);
    }
    log(
      `rep ${rep}/${repetitions} trace hash ${scenario}: hashed ${fmt(best.hash.wall)} ev/s, unhashed ${fmt(best.off.wall)} ev/s (${(best.hash.wall / best.off.wall).toFixed(2)}x)`,
    );
  }
  const h = hashed!;
  return {
    scenario,
    strategy: h.strategy,
    params,
    seed,
    events: h.events,
    traceHash: h.traceHash ?? '',
    repetitions,
    hashedEventsPerSec: Math.round(best.hash.wall),
    unhashedEventsPerSec: Math.round(best.off.wall),
    ratio: round(best.hash.wall / best.off.wall),
    cpu: { hashedEventsPerSec: Math.round(best.hash.cpu), unhashedEventsPerSec: Math.round(best.off.cpu), ratio: round(best.hash.cpu / best.off.cpu) },
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
