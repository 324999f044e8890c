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
 * - A share of the writes are deletes (`deleteShare`): the row is removed (a tombstone the
 *   database keeps, as a soft delete does), and a cache must stop serving what it held.
 * - A share of the writes are followed by a read of the same key (`readBackShare`): the user
 *   reloads the page once the write is acknowledged, through another app server — the
 *   read-your-writes sequence every invalidation scheme is judged by. The clients issue it
 *   when the acknowledgement arrives (it has no arrival time of its own).
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
  /** Of the writes, the share that delete the row (default 0). */
  deleteShare?: number;
  /** Of the writes and deletes, the share the user reads back once acknowledged (default 0). */
  readBackShare?: number;
  apps: number;
  bursts?: readonly Burst[];
}

export type RequestKind = 'read' | 'write' | 'delete';

export interface Request {
  /** Unique, increasing with arrival time. */
  id: number;
  atMs: number;
  app: number;
  key: string;
  /** The key's popularity rank (0: the hottest). */
  rank: number;
  kind: RequestKind;
  /** A write or delete the user reads back (through the next app server) once it is acknowledged. */
  readBack?: boolean;
  /** A read-back: the id of the write or delete it reads back. */
  readBackOf?: number;
}

export const keyName = (rank: number): string => `k${rank}`;

export function drawRequests(rng: Stream, spec: WorkloadSpec, firstId = 1): Request[] {
  assert(spec.ratePerMs > 0, 'ratePerMs is positive');
  assert(spec.toMs >= spec.fromMs, 'the workload window is not reversed');
  assert(spec.writeFraction >= 0 && spec.writeFraction <= 1, 'writeFraction is in [0, 1]');
  const deleteShare = spec.deleteShare ?? 0;
  const readBackShare = spec.readBackShare ?? 0;
  assert(deleteShare >= 0 && deleteShare <= 1, 'deleteShare is in [0, 1]');
  assert(readBackShare >= 0 && readBackShare <= 1, 'readBackShare is in [0, 1]');
  assert(Number.isInteger(spec.apps) && spec.apps >= 1, 'there is at least one app server');
  const times = poissonArrivals(rng, spec.ratePerMs, spec.fromMs, spec.toMs);
  let merged = false;
  for (const b of spec.bursts ?? []) {
    assert(b.factor >= 1, 'a burst multiplies the rate by at least 1');
    if (b.factor > 1) {
      times.push(...poissonArrivals(rng, spec.ratePerMs * (b.factor - 1), Math.max(spec.fromMs, b.atMs), Math.min(spec.toMs, b.atMs + b.durationMs)));
      merged = true;
    }
  }
  // Arrivals come in time order: only bursts' arrivals, appended, need sorting in.
  if (merged) times.sort((a, b) => a - b);
  const zipf = new Zipf(spec.keys, spec.zipfS);
  return times.map((atMs, i): Request => {
    const rank = zipf.sample(rng);
    const app = rng.int(spec.apps);
    // One draw decides the kind: below writeFraction a write, and below its deleteShare part a delete.
    const u = rng.next();
    const kind: RequestKind = u >= spec.writeFraction ? 'read' : u < spec.writeFraction * deleteShare ? 'delete' : 'write';
    const request: Request = { id: firstId + i, atMs, app, key: keyName(rank), rank, kind };
    if (kind !== 'read' && readBackShare > 0 && rng.next() < readBackShare) request.readBack = true;
    return request;
  });
}
