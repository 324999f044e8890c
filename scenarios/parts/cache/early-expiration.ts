/**
 * Probabilistic early expiration (XFetch: Vattani, Chierichetti and Lowenstein, "Optimal
 * Probabilistic Cache Stampede Prevention", VLDB 2015).
 *
 * Each reader that hits a key decides on its own to refresh it before it expires, with a
 * probability that grows as expiry nears: refresh when now + delta * beta * (-ln U) >= expiry,
 * where delta is how long the value takes to recompute and U is uniform in (0, 1]. The term
 * -ln U times delta * beta is an exponential variate with mean delta * beta, drawn from the
 * caller's stream. Under load, one reader almost surely refreshes a little ahead of expiry,
 * so the key never goes missing and no herd forms; a rarely read key simply expires.
 *
 * It cannot help a key that is already gone: after a flush or a restart every reader misses.
 */
import { assert, type Stream } from '../../../engine/index.ts';

export interface EarlyExpiration {
  nowMs: number;
  expiresAtMs: number;
  /** How long the value took to compute last time. */
  recomputeMs: number;
  /** Greater than 1 refreshes earlier, less than 1 later (1 is the paper's optimum). */
  beta: number;
}

export function shouldRefreshEarly(e: EarlyExpiration, rng: Stream): boolean {
  assert(e.beta > 0, 'beta is positive');
  if (e.recomputeMs <= 0) return e.nowMs >= e.expiresAtMs;
  return e.nowMs + rng.exponential(e.recomputeMs * e.beta) >= e.expiresAtMs;
}
