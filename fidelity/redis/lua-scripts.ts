/**
 * The Lua scripts Redis users write for what the cache model does in one command: the
 * mutex unlock (delete only while the key still holds my token), the lease miss (GET, and on
 * a miss take the lease with SET NX PX under a token the client made up), the lease fill
 * (SET only while my lease is still there, and end the lease) and the DEL that also revokes
 * a lease (so a fill that read before the write cannot land). Scripts run atomically in
 * Redis, as one model command runs at one instant.
 */

/** KEYS: key; ARGV: token. The unlock every Redis mutex uses. */
export const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** KEYS: key, its lease key; ARGV: token. The unlock, also revoking any lease on the key (the model's DEL does both). */
export const UNLOCK_REVOKING_LEASE = `redis.call('DEL', KEYS[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** KEYS: key, its lease key. DEL, also revoking any lease; answers how many of the key (0 or 1) it deleted. */
export const DEL_REVOKING_LEASE = `local n = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
return n`;

/** KEYS: key, its lease key; ARGV: lease ms, a fresh token. {1, value} a hit; {2, token} a lease; {0} someone else holds it. */
export const LEASE_GET = `local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[1]) then return {2, ARGV[2]} end
return {0}`;

/** KEYS: key, its lease key; ARGV: token, value, '' | 'PX' | 'PXAT', expiry. 1 when the fill landed, 0 when the lease was gone. */
export const LEASE_SET = `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], ARGV[3], ARGV[4]) end
return 1`;

/** The key holding a key's lease (never one the generated sequences use as data). */
export const leaseKeyOf = (key: string): string => `lease:${key}`;
