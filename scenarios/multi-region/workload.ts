/**
 * The users' workload, drawn before the run from the `workload` stream so every strategy
 * sees the same changes at the same moments: in each region, users add items to shared lists
 * (a shared shopping list, a team's board) that users in the other region edit too, and take
 * some of them off again a little later. Each list has a home region where most of its edits
 * come from (`homeShare` of a region's adds go to its own lists), as people mostly share lists
 * with people near them.
 */
import type { Stream } from '../../engine/index.ts';
import { poissonArrivals } from '../parts/workload/arrivals.ts';

export interface Add {
  atMs: number;
  key: string;
  /** Unique across the run: `<region>-<n>`. */
  item: string;
  /** Once the add is acknowledged, the user removes the item again after this long (null: keeps it). */
  removeAfterMs: number | null;
}

export const listKey = (i: number): string => `list${i + 1}`;

export interface AddShape {
  addsPerSec: number;
  lists: number;
  homeShare: number;
  removeShare: number;
  removeAfterMeanMs: number;
  workloadMs: number;
  regionIndex: number;
  regions: number;
}

/** Region `r` of `regions` is home to lists r, r + regions, r + 2 * regions, ... */
export function drawAdds(rng: Stream, region: string, shape: AddShape): Add[] {
  const own: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < shape.lists; i++) (i % shape.regions === shape.regionIndex ? own : others).push(i);
  return poissonArrivals(rng, shape.addsPerSec / 1000, 0, shape.workloadMs).map((atMs, n) => {
    const home = rng.next() < shape.homeShare;
    const pool = (home && own.length > 0) || others.length === 0 ? own : others;
    const key = listKey(pool[rng.int(pool.length)]!);
    const removeAfterMs = rng.next() < shape.removeShare ? rng.exponential(shape.removeAfterMeanMs) : null;
    return { atMs, key, item: `${region}-${n + 1}`, removeAfterMs };
  });
}
