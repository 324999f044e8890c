/**
 * One size of the growth benchmark in a process of its own (see growth.ts).
 *
 *   node growth-child.mjs cost <nodes> <events> <off|memory>
 *     pingpong on <nodes> nodes, after three warm-up runs: runs of <events> events, each on a new
 *     simulation, until at least 2,000,000 events (or one run) have been measured. Prints the
 *     CPU time per event with the set-up (adding the nodes, starting them) and without it,
 *     the set-up's CPU time per run, and the run's wall-clock time per event.
 *
 *   node --expose-gc growth-child.mjs bytes <events> [scenario JSON params]
 *     bytes the heap keeps per stored trace event (MemoryTrace): pingpong's rows (numbers
 *     only), or a scenario's run, whose trace also keeps each message payload alive.
 */
import { performance } from 'node:perf_hooks';
import { MemoryTrace } from '../engine/index.ts';
import { findScenario, runScenario } from '../scenarios/index.ts';
import { buildPingpong } from './kernel-workloads.ts';

const [what = 'cost', ...rest] = process.argv.slice(2);
const cpuMicros = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

if (what === 'cost') {
  const [nodesText = '100', eventsText = '10000', trace = 'off'] = rest;
  const nodes = Number(nodesText);
  const events = Number(eventsText);
  const traced = trace === 'memory';
  const once = (n: number, seed: number): { setupMicros: number; runMicros: number; wallSeconds: number; events: number } => {
    const c0 = cpuMicros();
    const { sim } = buildPingpong(nodes, traced ? new MemoryTrace() : null, seed);
    sim.start();
    const c1 = cpuMicros();
    const t1 = performance.now();
    sim.run({ stopAfterEvents: n, timeMaxMs: Number.POSITIVE_INFINITY });
    const wallSeconds = (performance.now() - t1) / 1000;
    return { setupMicros: c1 - c0, runMicros: cpuMicros() - c1, wallSeconds, events: sim.events };
  };
  // The warm-up builds three simulations, not one: V8 treats a field that only one object has
  // ever set (every context's host, every node's stream source) as a constant, and the second
  // simulation makes it throw away and redo the code built on that. Once per process, not per
  // event: a size measured in one or two runs would pay it in its figure, one measured in 200
  // runs would not.
  for (let i = 0; i < 3; i++) once(Math.min(100_000, Math.max(events, 30_000)), 7 + i);
  const runs = Math.max(1, Math.round(2_000_000 / events));
  let setup = 0;
  let run = 0;
  let wall = 0;
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const r = once(events, 12_345 + i);
    setup += r.setupMicros;
    run += r.runMicros;
    wall += r.wallSeconds;
    total += r.events;
  }
  console.log(
    JSON.stringify({
      nodes,
      events,
      trace,
      runs,
      nsPerEvent: ((setup + run) * 1000) / total,
      runNsPerEvent: (run * 1000) / total,
      setupMsPerRun: setup / runs / 1000,
      wallNsPerEvent: (wall * 1e9) / total,
    }),
  );
} else if (what === 'bytes') {
  const [eventsText = '1000000', scenarioId, paramsText = '{}'] = rest;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const used = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const before = used();
  let rows: number;
  let keep: unknown;
  if (scenarioId === undefined) {
    const trace = new MemoryTrace();
    const { sim } = buildPingpong(100, trace, 1);
    sim.start();
    sim.run({ stopAfterEvents: Number(eventsText), timeMaxMs: Number.POSITIVE_INFINITY });
    rows = trace.length;
    keep = trace;
  } else {
    const result = runScenario(findScenario(scenarioId), { seed: 1, params: JSON.parse(paramsText), trace: 'memory' });
    rows = result.trace!.length;
    keep = result.trace;
  }
  const after = used();
  console.log(JSON.stringify({ rows, bytesPerTraceEvent: (after - before) / rows, kept: keep !== null }));
} else {
  throw new Error(`unknown measurement '${what}': cost or bytes`);
}
