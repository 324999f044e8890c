/**
 * The sessions' workload, drawn before the run from the `workload` stream so every strategy
 * sees the same operations at the same moments. Each session (a logged-in user) reads rows
 * and now and then writes one; after a write it reads the same row back shortly after (post
 * a comment, then see the page reload), which is exactly where replica lag shows.
 */
import type { Stream } from '../../engine/index.ts';

export interface SessionOp {
  atMs: number;
  kind: 'read' | 'write';
  key: string;
  /** Write: the delay after the acknowledgement before the session reads the row back. */
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
  readBackMeanMs: number;
  workloadMs: number;
}

export const rowKey = (i: number): string => `row${i + 1}`;

export function drawSessions(rng: Stream, shape: WorkloadShape): SessionOp[][] {
  return Array.from({ length: shape.sessions }, () => {
    const ops: SessionOp[] = [];
    let t = rng.exponential(1000 / shape.opsPerSec);
    // Bounded: at most one op per 0.1 ms of workload.
    for (let n = 0; t < shape.workloadMs && n < shape.workloadMs * 10; n++) {
      ops.push({
        atMs: t,
        kind: rng.next() < shape.writeShare ? 'write' : 'read',
        key: rowKey(rng.int(shape.rows)),
        readBackMs: rng.exponential(shape.readBackMeanMs),
        pick: rng.next(),
        readBackPick: rng.next(),
      });
      t += rng.exponential(1000 / shape.opsPerSec);
    }
    return ops;
  });
}
