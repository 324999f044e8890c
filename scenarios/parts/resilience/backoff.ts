/**
 * Exponential backoff with jitter: how long to wait before the n-th retry.
 *
 * The wait doubles (by `factor`) from `baseMs` up to `capMs`, so a dependency that is down is
 * not hammered, and jitter spreads the retries of many clients apart so they do not return
 * in lock-step the moment it recovers. The jitter is drawn from the caller's own random
 * stream (`ctx.rng`), never a global one, so a run stays reproducible.
 *
 * - `none`: exactly the exponential wait.
 * - `full`: uniform in [0, wait) (AWS's "full jitter": the widest spread).
 * - `equal`: half the wait plus uniform in [0, wait / 2) (never shorter than half).
 */
import { assert, type Stream } from '../../../engine/index.ts';

export type Jitter = 'none' | 'full' | 'equal';

export interface Backoff {
  /** The wait before the first retry, before jitter. */
  baseMs: number;
  /** Each further retry waits this many times longer (2 doubles it; 1 makes it a fixed delay). */
  factor: number;
  /** No wait is longer than this, before jitter. */
  capMs: number;
  jitter: Jitter;
}

/** Retries are at most this many doublings apart from the first: past it the cap has long been reached. */
const EXPONENT_MAX = 64;

/** The exponential wait before retry `retry` (1 for the first retry), capped, without jitter. */
export function backoffCeilingMs(backoff: Backoff, retry: number): number {
  assert(Number.isInteger(retry) && retry >= 1, `retry is a positive integer (got ${retry})`);
  assert(backoff.baseMs >= 0 && backoff.capMs >= 0, 'backoff times are not negative');
  assert(backoff.factor >= 1, 'backoff factor is at least 1');
  // Repeated multiplication instead of `**`: the loop is bounded and stops at the cap.
  let waitMs = backoff.baseMs;
  for (let i = 1; i < retry && i < EXPONENT_MAX && waitMs < backoff.capMs; i++) waitMs *= backoff.factor;
  return Math.min(waitMs, backoff.capMs);
}

/** The wait before retry `retry` (1 for the first retry), jitter drawn from `rng`. */
export function backoffDelayMs(backoff: Backoff, retry: number, rng: Stream): number {
  const ceilingMs = backoffCeilingMs(backoff, retry);
  switch (backoff.jitter) {
    case 'none':
      return ceilingMs;
    case 'full':
      return rng.uniform(0, ceilingMs);
    case 'equal':
      return ceilingMs / 2 + rng.uniform(0, ceilingMs / 2);
  }
}
