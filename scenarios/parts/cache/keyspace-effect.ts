/**
 * KeyspaceEffect: one change a command made to a cache's keyspace, as plain JSON — what a
 * Redis append-only file holds once Redis has rewritten each command into its effect.
 *
 * Redis does not log commands as the client sent them: it propagates their effects, so that
 * replaying the file rebuilds the same keyspace whenever it is replayed (SET ... PX becomes
 * SET ... PXAT, a key that expired or was evicted is logged as a DEL, a SET NX that did
 * nothing is not logged). An effect here is that, one level simpler: the entry as it now is
 * (`put`), a key gone (`drop`), or everything gone (`flush`). Replaying effects in order
 * rebuilds the keyspace exactly, at any later time, because expiry times in them are
 * absolute.
 *
 * Leases are not effects: they live in the cache process's memory and a restart loses them.
 */

/** What a key holds: a string (any scalar or JSON value the model stores) or a list (RPUSH/LPOP). */
export type CacheValueType = 'string' | 'list';

export type KeyspaceEffect =
  | { kind: 'put'; key: string; value: unknown; type: CacheValueType; expiresAt: number | null; bytes: number }
  | { kind: 'drop'; key: string }
  | { kind: 'flush' };
