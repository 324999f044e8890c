/**
 * The users' traffic. The everyday part is drawn before the run from the `workload` stream
 * (every strategy sees the same requests): views and likes spread evenly over many posts,
 * plus a trickle on the celebrity's post. A celebrity surge (an injected fault) adds a storm
 * of views and likes on that one post; its arrivals are drawn when it strikes, from the
 * users' own stream, the same for every strategy.
 */
import type { Stream } from '../../engine/index.ts';

export const CELEBRITY = 'post:celebrity';

export interface Visit {
  atMs: number;
  kind: 'view' | 'like';
  key: string;
  /** Which piece of a split key a like goes to, as a uniform draw in [0, 1). */
  salt: number;
}

/** Poisson arrivals of one kind at `perSec` over [fromMs, toMs), keys from `keyOf`. */
export function drawVisits(rng: Stream, kind: Visit['kind'], perSec: number, fromMs: number, toMs: number, keyOf: () => string): Visit[] {
  const out: Visit[] = [];
  if (perSec <= 0) return out;
  let t = fromMs + rng.exponential(1000 / perSec);
  for (let n = 0; t < toMs && n < (toMs - fromMs) * 10; n++) {
    out.push({ atMs: t, kind, key: keyOf(), salt: rng.next() });
    t += rng.exponential(1000 / perSec);
  }
  return out;
}

/** Merges visit lists by time (stable). */
export function byTime(...lists: Visit[][]): Visit[] {
  return lists.flat().sort((a, b) => a.atMs - b.atMs);
}
