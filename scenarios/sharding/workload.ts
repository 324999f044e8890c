/**
 * The application's requests, drawn before the run from the `workload` stream so every
 * strategy sees the same requests at the same moments. An insert creates a new row; a read
 * fetches an existing one. Ids are either sequential (an auto-increment primary key: every
 * new row has the largest id so far) or uniform over a large id space (random ids, UUID-like).
 */
import type { Stream } from '../../engine/index.ts';

export type KeyPattern = 'sequential' | 'uniform';

export interface Request {
  atMs: number;
  kind: 'insert' | 'read';
  /** Insert with uniform ids: the new id. Read: which existing row, as a uniform draw in [0, 1). */
  draw: number;
}

export interface WorkloadShape {
  requestsPerSec: number;
  insertShare: number;
  workloadMs: number;
}

export function drawRequests(rng: Stream, shape: WorkloadShape): Request[] {
  const out: Request[] = [];
  let t = rng.exponential(1000 / shape.requestsPerSec);
  for (let n = 0; t < shape.workloadMs && n < shape.workloadMs * 10; n++) {
    out.push({ atMs: t, kind: rng.next() < shape.insertShare ? 'insert' : 'read', draw: rng.next() });
    t += rng.exponential(1000 / shape.requestsPerSec);
  }
  return out;
}

/** The ids stored before the run: 1..n (sequential) or n distinct ids spread over [1, idSpace) (uniform). */
export function preloadIds(rng: Stream, pattern: KeyPattern, n: number, idSpace: number): number[] {
  if (pattern === 'sequential') return Array.from({ length: n }, (_, i) => i + 1);
  const ids = new Set<number>();
  // Bounded: distinct draws from a space much larger than n.
  for (let tries = 0; ids.size < n && tries < n * 20; tries++) ids.add(1 + rng.int(idSpace - 1));
  return [...ids];
}
