/**
 * An open-loop workload: requests arrive on their own schedule, whether or not earlier ones
 * were answered, as users on the internet do (a closed loop would politely slow down when the
 * system does, and hide every overload).
 *
 * - Arrivals are a Poisson process of `ratePerMs`; a burst multiplies the rate by `factor`
 *   over its window (a non-homogeneous Poisson process: the extra arrivals are a second
 *   Poisson process over the burst, merged in).
 * - Keys follow a Zipf popularity over `keys` ranks (rank 0 the hottest), reads and writes
 *   mix in the ratio `writeFraction`, and each request goes to one of `apps` app servers.
 *
 * Drawn before the run from the scenario's `workload` stream, so every strategy sees the
 * very same requests at the very same moments.
 */
import { assert, type Stream, Zipf } from '../../../engine/index.ts';
import { poissonArrivals } from './arrivals.ts';

export interface Burst {
  atMs: number;
  durationMs: number;
  /** The arrival rate is multiplied by this during the burst (2 doubles it). */
  factor: number;
}

export interface WorkloadSpec {
  ratePerMs: number;
  fromMs: number;
  toMs: number;
  keys: number;
  zipfS: number;
  writeFraction: number;
  apps: number;
  bursts?: readonly Burst[];
}

export interface Request {
  /** Unique, increasing with arrival time. */
  id: number;
  atMs: number;
  app: number;
  key: string;
  /** The key's popularity rank (0: the hottest). */
  rank: number;
  kind: 'read' | 'write';
}

export const keyName = (rank: number): string => `k${rank}`;

export function drawRequests(rng: Stream, spec: WorkloadSpec, firstId = 1): Request[] {
  assert(spec.ratePerMs > 0, 'ratePerMs is positive');
  assert(spec.toMs >= spec.fromMs, 'the workload window is not reversed');
  assert(spec.writeFraction >= 0 && spec.writeFraction <= 1, 'writeFraction is in [0, 1]');
  assert(Number.isInteger(spec.apps) && spec.apps >= 1, 'there is at least one app server');
  const times = poissonArrivals(rng, spec.ratePerMs, spec.fromMs, spec.toMs);
  for (const b of spec.bursts ?? []) {
    assert(b.factor >= 1, 'a burst multiplies the rate by at least 1');
    if (b.factor > 1)
      times.push(...poissonArrivals(rng, spec.ratePerMs * (b.factor - 1), Math.max(spec.fromMs, b.atMs), Math.min(spec.toMs, b.atMs + b.durationMs)));
  }
  times.sort((a, b) => a - b);
  const zipf = new Zipf(spec.keys, spec.zipfS);
  return times.map((atMs, i) => {
    const rank = zipf.sample(rng);
    return {
      id: firstId + i,
      atMs,
      app: rng.int(spec.apps),
      key: keyName(rank),
      rank,
      kind: rng.next() < spec.writeFraction ? 'write' : 'read',
    };
  });
}
