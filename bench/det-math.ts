/**
 * Micro-benchmark of the deterministic transcendental functions (engine/math) against the
 * engine's own `Math.*`, in operations per second.
 *
 * Each (function, implementation) pair runs in its own child process, so that no call site
 * sees two targets and neither side's JIT feedback slows the other. Inputs are the ranges the
 * kernel feeds them: log of 1 - u (exponential latencies), exp of a normal draw (lognormal),
 * sin/cos of 2πv (Box–Muller), pow as Pareto and Zipf use it.
 *
 * Usage: node --import tsx bench/det-math.ts            (all, a table on stdout)
 *        node --import tsx bench/det-math.ts log det    (one pair, one JSON line)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DetMath } from '../engine/math/index.ts';

type Unary = (x: number) => number;
type Binary = (x: number, y: number) => number;

const INPUTS = 4096;
const ROUNDS = 7;
const CALLS_PER_ROUND = 4_000_000;

/** A small fixed generator (no Math.random), so every run sees the same inputs. */
function inputs(draw: (u: number, v: number) => number): Float64Array {
  let state = 0x2545f491;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const out = new Float64Array(INPUTS);
  for (let i = 0; i < INPUTS; i++) out[i] = draw(next(), next());
  return out;
}

const UNARY: Record<string, { det: Unary; math: Unary; xs: Float64Array }> = {
  log: { det: DetMath.log, math: Math.log, xs: inputs((u) => 1 - u) },
  exp: { det: DetMath.exp, math: Math.exp, xs: inputs((u, v) => 3 + 0.5 * (u + v - 1) * 4) },
  sin: { det: DetMath.sin, math: Math.sin, xs: inputs((u) => 2 * Math.PI * u) },
  cos: { det: DetMath.cos, math: Math.cos, xs: inputs((u) => 2 * Math.PI * u) },
  log1p: { det: DetMath.log1p, math: Math.log1p, xs: inputs((u) => -u) },
  expm1: { det: DetMath.expm1, math: Math.expm1, xs: inputs((u) => 2 * u - 1) },
  log10: { det: DetMath.log10, math: Math.log10, xs: inputs((u) => 1 + 1e6 * u) },
  'sin(huge)': { det: DetMath.sin, math: Math.sin, xs: inputs((u) => 1e6 + 1e12 * u) },
};

const BINARY: Record<string, { det: Binary; math: Binary; xs: Float64Array; ys: Float64Array }> = {
  'pow(pareto)': { det: DetMath.pow, math: Math.pow, xs: inputs((u) => 1 - u), ys: inputs((u) => 1 / (1.1 + 3 * u)) },
  'pow(zipf)': { det: DetMath.pow, math: Math.pow, xs: inputs((u) => 1 + Math.floor(1000 * u)), ys: inputs((u) => 0.5 + u) },
};

function timeUnary(fn: Unary, xs: Float64Array): number {
  let sink = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage().user;
    for (let i = 0; i < CALLS_PER_ROUND; i++) sink += fn(xs[i & (INPUTS - 1)]!);
    best = Math.min(best, (process.cpuUsage().user - start) * 1000);
  }
  if (sink === 42) console.error('');
  return (CALLS_PER_ROUND / best) * 1e9;
}

function timeBinary(fn: Binary, xs: Float64Array, ys: Float64Array): number {
  let sink = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage().user;
    for (let i = 0; i < CALLS_PER_ROUND; i++) sink += fn(xs[i & (INPUTS - 1)]!, ys[(i * 7) & (INPUTS - 1)]!);
    best = Math.min(best, (process.cpuUsage().user - start) * 1000);
  }
  if (sink === 42) console.error('');
  return (CALLS_PER_ROUND / best) * 1e9;
}

function runOne(name: string, impl: 'det' | 'math'): number {
  const unary = UNARY[name];
  if (unary !== undefined) return timeUnary(unary[impl], unary.xs);
  const binary = BINARY[name];
  if (binary === undefined) throw new Error(`unknown function ${name}; one of ${[...Object.keys(UNARY), ...Object.keys(BINARY)].join(', ')}`);
  return timeBinary(binary[impl], binary.xs, binary.ys);
}

function child(name: string, impl: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name, impl], { encoding: 'utf8' });
  return (JSON.parse(out) as { opsPerSec: number }).opsPerSec;
}

const [name, impl] = process.argv.slice(2);
if (name !== undefined) {
  if (impl !== 'det' && impl !== 'math') throw new Error(`implementation must be det or math, got ${impl}`);
  console.log(JSON.stringify({ name, impl, opsPerSec: runOne(name, impl) }));
} else {
  console.log(`node ${process.version}, best of ${ROUNDS} rounds of ${CALLS_PER_ROUND} calls`);
  console.log(`${'function'.padEnd(12)} ${'DetMath Mops/s'.padStart(15)} ${'Math Mops/s'.padStart(12)} ${'cost ratio'.padStart(11)}`);
  for (const fn of [...Object.keys(UNARY), ...Object.keys(BINARY)]) {
    const det = child(fn, 'det');
    const math = child(fn, 'math');
    console.log(`${fn.padEnd(12)} ${(det / 1e6).toFixed(1).padStart(15)} ${(math / 1e6).toFixed(1).padStart(12)} ${(math / det).toFixed(2).padStart(10)}×`);
  }
}
