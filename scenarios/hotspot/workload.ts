/**
 * The users' traffic. The everyday part is drawn before the run from the `workload` stream
 * (every strategy sees the same requests): views and likes spread evenly over many posts,
 * plus a trickle on the celebrity's post. A celebrity surge (an injected fault) adds a storm
 * of views and likes on that one post; its arrivals are drawn when it strikes, from the
 * users' own stream, the same for every strategy. Every like has its own id, which a retry
 * repeats.
 */
import type { Stream } from '../../engine/index.ts';
import { poissonArrivals } from '../parts/workload/arrivals.ts';

export const CELEBRITY = 'post:celebrity';

export interface Visit {
  atMs: number;
  kind: 'view' | 'like';
  key: string;
  /** Which replica a view reads, or which piece of a split key a like goes to, as a uniform draw in [0, 1). */
  salt: number;
}

/** Poisson arrivals of one kind at `perSec` over [fromMs, toMs), keys from `keyOf`. */
export function drawVisits(rng: Stream, kind: Visit['kind'], perSec: number, fromMs: number, toMs: number, keyOf: () => string): Visit[] {
  return poissonArrivals(rng, perSec / 1000, fromMs, toMs).map((atMs) => ({ atMs, kind, key: keyOf(), salt: rng.next() }));
}

/**
 * Merges visit lists, each already in time order (as drawVisits makes them), by time; stable:
 * visits at the same time keep the order of the lists, as sorting their concatenation would.
 */
export function byTime(...lists: Visit[][]): Visit[] {
  let out: Visit[] = lists[0]?.slice() ?? [];
  for (let l = 1; l < lists.length; l++) out = merge(out, lists[l]!);
  return out;
}

function merge(a: readonly Visit[], b: readonly Visit[]): Visit[] {
  const out: Visit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(b[j]!.atMs < a[i]!.atMs ? b[j++]! : a[i++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
