/**
 * CacheStore: the keyspace of a Redis-like cache, in memory. It is what a cache node holds,
 * and what a restart loses.
 *
 * - Commands are Redis's, with Redis's answers: GET, SET with PX/PXAT expiry and NX, DEL
 *   (optionally only if the value still equals one given: the Lua unlock script every Redis
 *   mutex uses), INCR, PTTL, RPUSH and LPOP (a list as a queue), FLUSHALL.
 * - Leases (memcached's, from Facebook's "Scaling Memcache", NSDI 2013; on Redis a two-line
 *   Lua script): a GET that misses hands out a lease token, at most one per key at a time; a
 *   SET that presents it succeeds only if no DEL of the key came in between. That is what
 *   stops a slow reader from putting back a value a writer has already deleted.
 * - Expiry is by absolute time and lazy, as in Redis: an expired key is gone for every
 *   command, and its memory is reclaimed when it is next touched or evicted.
 * - Memory is bounded: each entry costs its declared size in bytes; a write that would pass
 *   `memoryBytesMax` first evicts the least recently used keys (`allkeys-lru`). Recency is
 *   the Map's insertion order (a touched key is moved to the end), so eviction order is
 *   exact and deterministic, where Redis samples.
 */
import { assert } from '../../../engine/index.ts';

/** One command, as plain JSON. `bytes` is the entry's size (default: key length + 64). */
export type CacheCommand =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: unknown; px?: number; pxat?: number; nx?: boolean; bytes?: number }
  | { op: 'del'; key: string; ifValue?: unknown }
  | { op: 'incr'; key: string }
  | { op: 'pttl'; key: string }
  | { op: 'lease-get'; key: string; leaseMs: number }
  | { op: 'lease-set'; key: string; token: number; value: unknown; px?: number; pxat?: number; bytes?: number }
  | { op: 'rpush'; key: string; value: unknown }
  | { op: 'lpop'; key: string; count: number }
  | { op: 'flushall' };

/**
 * One command's answer. `value` is null for a miss; `ok` is false when a conditional write
 * did nothing; `n` is a count (DEL, RPUSH) or a number (INCR) or a remaining time (PTTL: -2
 * no such key, -1 no expiry); `token` is a lease handed out (null: someone else holds it).
 */
export interface CacheResult {
  ok: boolean;
  value?: unknown;
  n?: number;
  token?: number | null;
  values?: unknown[];
}

interface Entry {
  value: unknown;
  /** Absolute expiry time in ms; Infinity for none. */
  expiresAt: number;
  bytes: number;
}

interface Lease {
  token: number;
  expiresAt: number;
}

export interface CacheStoreStats {
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
}

export class CacheStore {
  private readonly entries = new Map<string, Entry>();
  private readonly leases = new Map<string, Lease>();
  private nextToken = 1;
  /** Bytes held by live (and not yet reclaimed expired) entries. */
  memoryBytes = 0;
  readonly stats: CacheStoreStats = { hits: 0, misses: 0, evictions: 0, expirations: 0 };

  constructor(readonly memoryBytesMax = Number.POSITIVE_INFINITY) {
    assert(memoryBytesMax > 0, 'memoryBytesMax is positive');
  }

  /** Keys held (expired ones not yet reclaimed included). */
  get size(): number {
    return this.entries.size;
  }

  /** Runs one command at time `nowMs`. */
  execute(cmd: CacheCommand, nowMs: number): CacheResult {
    switch (cmd.op) {
      case 'get':
        return this.get(cmd.key, nowMs);
      case 'set':
        return this.set(cmd.key, cmd.value, expiryOf(cmd, nowMs), cmd.nx === true, cmd.bytes ?? defaultBytes(cmd.key), nowMs);
      case 'del':
        return this.del(cmd.key, cmd, nowMs);
      case 'incr':
        return this.incr(cmd.key, nowMs);
      case 'pttl':
        return this.pttl(cmd.key, nowMs);
      case 'lease-get':
        return this.leaseGet(cmd.key, cmd.leaseMs, nowMs);
      case 'lease-set':
        return this.leaseSet(cmd, nowMs);
      case 'rpush':
        return this.rpush(cmd.key, cmd.value, nowMs);
      case 'lpop':
        return this.lpop(cmd.key, cmd.count, nowMs);
      case 'flushall':
        this.entries.clear();
        this.leases.clear();
        this.memoryBytes = 0;
        return { ok: true };
    }
  }

  /** The live value of a key without touching recency or statistics (for checkers and tests). */
  peek(key: string, nowMs: number): unknown | null {
    const e = this.entries.get(key);
    return e === undefined || e.expiresAt <= nowMs ? null : e.value;
  }

  /** Live keys, least recently used first. */
  keys(nowMs: number): string[] {
    const out: string[] = [];
    for (const [key, e] of this.entries) if (e.expiresAt > nowMs) out.push(key);
    return out;
  }

  private get(key: string, nowMs: number): CacheResult {
    const e = this.live(key, nowMs);
    if (e === undefined) {
      this.stats.misses++;
      return { ok: true, value: null };
    }
    this.stats.hits++;
    this.touch(key, e);
    return { ok: true, value: e.value };
  }

  private set(key: string, value: unknown, expiresAt: number, nx: boolean, bytes: number, nowMs: number): CacheResult {
    if (nx && this.live(key, nowMs) !== undefined) return { ok: false };
    this.remove(key);
    // Redis: SET with an expiry already in the past deletes the key and stores nothing.
    if (expiresAt <= nowMs) return { ok: true };
    this.makeRoom(bytes);
    this.entries.set(key, { value, expiresAt, bytes });
    this.memoryBytes += bytes;
    return { ok: true };
  }

  private del(key: string, cmd: { ifValue?: unknown }, nowMs: number): CacheResult {
    // A write's DEL also revokes any lease on the key: a fill that read before it must not land.
    this.leases.delete(key);
    const e = this.live(key, nowMs);
    if (e === undefined) return { ok: true, n: 0 };
    if ('ifValue' in cmd && !sameValue(e.value, cmd.ifValue)) return { ok: false, n: 0 };
    this.remove(key);
    return { ok: true, n: 1 };
  }

  private incr(key: string, nowMs: number): CacheResult {
    const e = this.live(key, nowMs);
    const current = e === undefined ? 0 : e.value;
    if (typeof current !== 'number' || !Number.isInteger(current)) return { ok: false };
    const n = current + 1;
    if (e === undefined) this.set(key, n, Number.POSITIVE_INFINITY, false, defaultBytes(key), nowMs);
    else {
      e.value = n;
      this.touch(key, e);
    }
    return { ok: true, n };
  }

  private pttl(key: string, nowMs: number): CacheResult {
    const e = this.live(key, nowMs);
    if (e === undefined) return { ok: true, n: -2 };
    return { ok: true, n: e.expiresAt === Number.POSITIVE_INFINITY ? -1 : e.expiresAt - nowMs };
  }

  private leaseGet(key: string, leaseMs: number, nowMs: number): CacheResult {
    assert(leaseMs > 0, 'leaseMs is positive');
    const hit = this.get(key, nowMs);
    if (hit.value !== null) return hit;
    const held = this.leases.get(key);
    if (held !== undefined && held.expiresAt > nowMs) return { ok: true, value: null, token: null };
    const token = this.nextToken++;
    this.leases.set(key, { token, expiresAt: nowMs + leaseMs });
    return { ok: true, value: null, token };
  }

  private leaseSet(cmd: Extract<CacheCommand, { op: 'lease-set' }>, nowMs: number): CacheResult {
    const held = this.leases.get(cmd.key);
    if (held === undefined || held.token !== cmd.token || held.expiresAt <= nowMs) return { ok: false };
    this.leases.delete(cmd.key);
    return this.set(cmd.key, cmd.value, expiryOf(cmd, nowMs), false, cmd.bytes ?? defaultBytes(cmd.key), nowMs);
  }

  private rpush(key: string, value: unknown, nowMs: number): CacheResult {
    const e = this.live(key, nowMs);
    if (e !== undefined && !Array.isArray(e.value)) return { ok: false };
    const list = (e?.value as unknown[] | undefined) ?? [];
    const bytes = (e?.bytes ?? defaultBytes(key)) + 64;
    // The list grows in place: its entry is re-costed so eviction sees its real size.
    this.set(key, list, e?.expiresAt ?? Number.POSITIVE_INFINITY, false, bytes, nowMs);
    list.push(value);
    return { ok: true, n: list.length };
  }

  private lpop(key: string, count: number, nowMs: number): CacheResult {
    assert(Number.isInteger(count) && count >= 1, 'LPOP count is a positive integer');
    const e = this.live(key, nowMs);
    if (e === undefined) return { ok: true, values: [] };
    if (!Array.isArray(e.value)) return { ok: false };
    const list = e.value as unknown[];
    const values = list.splice(0, count);
    if (list.length === 0) this.remove(key);
    else {
      const freed = Math.min(e.bytes - defaultBytes(key), values.length * 64);
      e.bytes -= freed;
      this.memoryBytes -= freed;
    }
    return { ok: true, values };
  }

  /** The entry if it exists and has not expired; an expired one is reclaimed on the way. */
  private live(key: string, nowMs: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt > nowMs) return e;
    this.remove(key);
    this.stats.expirations++;
    return undefined;
  }

  private touch(key: string, e: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, e);
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.memoryBytes -= e.bytes;
  }

  /** Evicts least recently used keys until `bytes` more fit (a single oversized entry still goes in, alone). */
  private makeRoom(bytes: number): void {
    while (this.memoryBytes + bytes > this.memoryBytesMax && this.entries.size > 0) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
      this.stats.evictions++;
    }
  }
}

function expiryOf(cmd: { px?: number; pxat?: number }, nowMs: number): number {
  assert(cmd.px === undefined || cmd.pxat === undefined, 'SET takes PX or PXAT, not both');
  if (cmd.px !== undefined) {
    assert(cmd.px > 0, 'PX is positive');
    return nowMs + cmd.px;
  }
  return cmd.pxat ?? Number.POSITIVE_INFINITY;
}

function defaultBytes(key: string): number {
  return key.length + 64;
}

/** Values are JSON: equal when their JSON is (numbers and strings, the lock tokens, compare directly). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
