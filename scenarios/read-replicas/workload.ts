/**
 * The sessions' workload, drawn before the run from the `workload` stream so every strategy
 * sees the same operations at the same moments. Each session (a logged-in user) reads rows
 * and now and then writes one or deletes one; after a write it reads the same row back
 * shortly after (post a comment, then see the page reload), which is exactly where replica
 * lag shows.
 */
import type { Stream } from '../../engine/index.ts';
import { poissonArrivals } from '../parts/workload/arrivals.ts';

export interface SessionOp {
  atMs: number;
  kind: 'read' | 'write' | 'delete';
  key: string;
  /** Write or delete: the delay after the acknowledgement before the session reads the row back. */
  readBackMs: number;
  /** Which replica a replica read picks, as a uniform draw in [0, 1). */
  pick: number;
  /** The pick for the read-back. */
  readBackPick: number;
}

export interface WorkloadShape {
  sessions: number;
  rows: number;
  opsPerSec: number;
  writeShare: number;
  deleteShare: number;
  readBackMeanMs: number;
  workloadMs: number;
}

export const rowKey = (i: number): string => `row${i + 1}`;

export function drawSessions(rng: Stream, shape: WorkloadShape): SessionOp[][] {
  return Array.from({ length: shape.sessions }, () =>
    poissonArrivals(rng, shape.opsPerSec / 1000, 0, shape.workloadMs).map((atMs): SessionOp => {
      const write = rng.next() < shape.writeShare;
      return {
        atMs,
        kind: !write ? 'read' : rng.next() < shape.deleteShare ? 'delete' : 'write',
        key: rowKey(rng.int(shape.rows)),
        readBackMs: rng.exponential(shape.readBackMeanMs),
        pick: rng.next(),
        readBackPick: rng.next(),
      };
    }),
  );
}
