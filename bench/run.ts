/**
 * The kernel benchmark: faultline's three workloads with the trace off and on, side by side
 * in one run with the bare hand-written loop (bench/bare-loop.mjs) and SimPy where it is
 * installed. Each measurement runs in its own process; repetitions are interleaved so that
 * machine noise hits every implementation alike, and the best of the repetitions is kept.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKLOADS = ['hold', 'hold-large', 'pingpong'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface WorkloadFigure {
  name: WorkloadName;
  trace: 'off' | 'memory';
  events: number;
  eventsPerSec: number;
  bareLoopEventsPerSec: number;
  ratioToBare: number;
  simpyEventsPerSec: number | null;
  ratioToSimpy: number | null;
}

export interface KernelBenchReport {
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  repetitions: number;
  workloads: WorkloadFigure[];
}

export interface BenchOptions {
  events?: number;
  simpyEvents?: number;
  repetitions?: number;
  onProgress?: (line: string) => void;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function runJson(cmd: string, args: string[]): { eventsPerSec: number; events: number } {
  const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  const line = out.trim().split('\n').pop()!;
  return JSON.parse(line);
}

/** The python that has SimPy (the PATH one, else Debian's), or null. */
export function findSimpyPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import simpy'], { stdio: 'ignore' });
      return py;
    } catch {
      // not this one
    }
  }
  return null;
}

export function runKernelBench(options: BenchOptions = {}): KernelBenchReport {
  const events = options.events ?? 2_000_000;
  const simpyEvents = options.simpyEvents ?? 200_000;
  const reps = options.repetitions ?? 5;
  const log = options.onProgress ?? (() => {});
  const python = findSimpyPython();
  const best = new Map<string, number>();
  const keep = (key: string, value: number): void => {
    best.set(key, Math.max(best.get(key) ?? 0, value));
  };
  for (let rep = 1; rep <= reps; rep++) {
    for (const w of WORKLOADS) {
      for (const trace of ['off', 'memory'] as const) {
        const r = runJson(process.execPath, ['--import', 'tsx', path.join(here, 'workload-child.ts'), w, trace, String(events)]);
        keep(`faultline/${w}/${trace}`, r.eventsPerSec);
      }
      const bare = runJson(process.execPath, [path.join(here, 'bare-loop.mjs'), w, String(events)]);
      keep(`bare/${w}`, bare.eventsPerSec);
      if (python !== null && rep === 1) {
        const simpy = runJson(python, [path.join(here, 'simpy_bench.py'), w, String(simpyEvents)]);
        keep(`simpy/${w}`, simpy.eventsPerSec);
      }
      log(`rep ${rep}/${reps} ${w}: faultline ${fmt(best.get(`faultline/${w}/off`)!)} ev/s, bare ${fmt(best.get(`bare/${w}`)!)} ev/s`);
    }
  }
  const workloads: WorkloadFigure[] = [];
  for (const w of WORKLOADS) {
    for (const trace of ['off', 'memory'] as const) {
      const eps = best.get(`faultline/${w}/${trace}`)!;
      const bare = best.get(`bare/${w}`)!;
      const simpy = best.get(`simpy/${w}`) ?? null;
      workloads.push({
        name: w,
        trace,
        events,
        eventsPerSec: Math.round(eps),
        bareLoopEventsPerSec: Math.round(bare),
        ratioToBare: round(eps / bare),
        simpyEventsPerSec: simpy === null ? null : Math.round(simpy),
        ratioToSimpy: simpy === null ? null : round(eps / simpy),
      });
    }
  }
  const cpus = os.cpus();
  return {
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` },
    repetitions: reps,
    workloads,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
