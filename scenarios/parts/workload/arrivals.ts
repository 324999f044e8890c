/**
 * Arrival processes: when a workload's requests arrive, drawn before the run from the
 * workload's own stream so every strategy sees the same arrivals (common random numbers).
 * The one way every scenario draws them.
 *  - `poissonArrivals`: a Poisson process of a given rate (exponential gaps);
 *  - `uniformArrivals`: a Poisson process conditioned on its count — that many points
 *    uniform in the window, sorted (a fixed number of transfers spread over the workload).
 */
import type { Stream } from '../../../engine/index.ts';

/** Arrival times of a Poisson process of `ratePerMs` over [fromMs, toMs), in order. */
export function poissonArrivals(rng: Stream, ratePerMs: number, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  if (!(ratePerMs > 0) || toMs <= fromMs) return out;
  const meanGapMs = 1 / ratePerMs;
  // Bounded: the expected count is (toMs - fromMs) * ratePerMs; ten times that plus a margin never happens.
  const max = Math.ceil((toMs - fromMs) * ratePerMs * 10) + 100;
  for (let t = fromMs + rng.exponential(meanGapMs); t < toMs && out.length < max; t += rng.exponential(meanGapMs)) out.push(t);
  return out;
}

/** `count` arrival times uniform in [fromMs, toMs), sorted: a Poisson process conditioned on its count. */
export function uniformArrivals(rng: Stream, count: number, fromMs: number, toMs: number): number[] {
  // Sorted as doubles (a typed array's sort is numeric, with no comparator call per step); the same order.
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) times[i] = rng.uniform(fromMs, toMs);
  times.sort();
  // Copied by index: Array.from walks a typed array through its iterator.
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(times[i]!);
  return out;
}
