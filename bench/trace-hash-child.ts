/**
 * One run of the trace-hash benchmark in a process of its own (see trace-hash.ts): the
 * scenario at the given parameters with the trace off or hashed, after a warm-up run of a
 * tenth of the workload in the same mode (so the JIT has compiled the run's code). Prints one
 * JSON line: events, wall-clock and CPU seconds of the measured run, and its trace hash.
 *
 * Usage: node trace-hash-child.mjs <off|hash> <scenario> <params JSON> <seed>
 */
import { performance } from 'node:perf_hooks';
import { findScenario, runScenario } from '../scenarios/index.ts';

const [mode = 'off', scenarioId = 'cache-strategies', paramsText = '{}', seedText = '1'] = process.argv.slice(2);
if (mode !== 'off' && mode !== 'hash') throw new Error(`mode must be off or hash, got ${mode}`);
const scenario = findScenario(scenarioId);
const params = JSON.parse(paramsText) as Record<string, unknown> & { workloadMs?: number };
const seed = Number(seedText);

const warmWorkloadMs = typeof params.workloadMs === 'number' ? Math.max(100, Math.round(params.workloadMs / 10)) : undefined;
runScenario(scenario, { seed: seed + 1, params: { ...params, ...(warmWorkloadMs === undefined ? {} : { workloadMs: warmWorkloadMs }) }, trace: mode });

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = runScenario(scenario, { seed, params, trace: mode });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({ mode, events: result.events, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, traceHash: result.traceHash, strategy: result.strategy }),
);
