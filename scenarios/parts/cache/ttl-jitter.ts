/**
 * TTL jitter: each entry's time to live is drawn around the nominal one, uniformly in
 * ttl * [1 - jitter, 1 + jitter). Keys cached at the same moment (after a deploy, a warm-up,
 * a restart) then expire spread over a window instead of in one instant, so their misses
 * reach the database a few at a time instead of all at once.
 */
import { assert, type Stream } from '../../../engine/index.ts';

export function jitteredTtlMs(ttlMs: number, jitter: number, rng: Stream): number {
  assert(ttlMs > 0, 'ttlMs is positive');
  assert(jitter >= 0 && jitter < 1, 'jitter is a fraction in [0, 1)');
  return jitter === 0 ? ttlMs : ttlMs * rng.uniform(1 - jitter, 1 + jitter);
}
