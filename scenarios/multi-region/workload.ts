/**
 * The users' workload, drawn before the run from the `workload` stream so every strategy
 * sees the same adds at the same moments: in each region, users add items to shared lists
 * (a shared shopping list, a team's board) that users in the other region edit too. Each
 * list has a home region where most of its edits come from (`homeShare` of a region's adds
 * go to its own lists), as people mostly share lists with people near them.
 */
import type { Stream } from '../../engine/index.ts';

export interface Add {
  atMs: number;
  key: string;
  /** Unique across the run: `<region>-<n>`. */
  item: string;
}

export const listKey = (i: number): string => `list${i + 1}`;

/** Region `r` of `regions` is home to lists r, r + regions, r + 2 * regions, ... */
export function drawAdds(
  rng: Stream,
  region: string,
  shape: { addsPerSec: number; lists: number; homeShare: number; workloadMs: number; regionIndex: number; regions: number },
): Add[] {
  const adds: Add[] = [];
  const own: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < shape.lists; i++) (i % shape.regions === shape.regionIndex ? own : others).push(i);
  let t = rng.exponential(1000 / shape.addsPerSec);
  for (let n = 1; t < shape.workloadMs && n <= shape.workloadMs * 10; n++) {
    const home = rng.next() < shape.homeShare;
    const pool = (home && own.length > 0) || others.length === 0 ? own : others;
    adds.push({ atMs: t, key: listKey(pool[rng.int(pool.length)]!), item: `${region}-${n}` });
    t += rng.exponential(1000 / shape.addsPerSec);
  }
  return adds;
}
