/**
 * A mutex on the cache: `SET lock:<key> <owner> NX PX <ttl>` takes it, and releasing it
 * deletes the lock only if it still holds the owner's token (the compare-and-delete Lua
 * script), so an owner whose lock already expired cannot release someone else's.
 *
 * The expiry is what keeps a crashed owner from holding the lock forever, and also its
 * weakness: an owner slower than the TTL loses the lock without knowing, and a second owner
 * starts the same work. Callers that lose the race wait and look again.
 */
import { assert } from '../../../engine/index.ts';
import type { CacheCommand } from './cache-store.ts';

export function lockKeyOf(key: string): string {
  return `lock:${key}`;
}

/** The command that takes the lock on `key` for `owner` (its result's `ok` says whether it did). */
export function lockCommand(key: string, owner: string, ttlMs: number): CacheCommand {
  assert(ttlMs > 0, 'a lock expires after a positive time');
  return { op: 'set', key: lockKeyOf(key), value: owner, nx: true, px: ttlMs, bytes: 48 };
}

/** The command that releases the lock on `key` if `owner` still holds it. */
export function unlockCommand(key: string, owner: string): CacheCommand {
  return { op: 'del', key: lockKeyOf(key), ifValue: owner };
}
