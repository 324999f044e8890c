/**
 * CacheStore: the keyspace of a Redis-like cache, in memory. It is what a cache node holds,
 * and what a restart loses (unless the node keeps an append-only file).
 *
 * - Commands are Redis's, with Redis's answers: GET; SET with PX/PXAT/KEEPTTL expiry, NX/XX
 *   conditions and the GET option; DEL (optionally only if the value still equals one given:
 *   the Lua unlock script every Redis mutex uses); INCR and INCRBY over exact 64-bit
 *   integers; EXPIRE, PEXPIRE and PEXPIREAT with NX/XX/GT/LT; PERSIST; PTTL and TTL; MGET and
 *   MSET; RPUSH and LPOP (a list as a queue); FLUSHALL. A command against a key of the wrong
 *   type fails with Redis's WRONGTYPE error, and INCR of a non-integer with Redis's error
 *   text. tests/fidelity/ runs generated command sequences against this store and a live
 *   redis-server and compares every reply (docs/fidelity.md).
 * - Leases (memcached's, from Facebook's "Scaling Memcache", NSDI 2013; on Redis a two-line
 *   Lua script): a GET that misses hands out a lease token, at most one per key at a time; a
 *   SET that presents it succeeds only if no DEL of the key came in between. That is what
 *   stops a slow reader from putting back a value a writer has already deleted.
 * - Expiry is by absolute time and lazy, as in Redis: an expired key is gone for every
 *   command, and its memory is reclaimed when it is next touched or evicted.
 * - Memory is bounded: each entry costs its declared size in bytes; a write that would pass
 *   `memoryBytesMax` first evicts the least recently used keys (`allkeys-lru`). Recency is
 *   the Map's insertion order (a touched key is moved to the end), so eviction order is
 *   exact and deterministic, where Redis samples (and counts real memory).
 * - An optional journal hears every change as a `KeyspaceEffect`: what an append-only file
 *   logs, and what `restore` replays into an empty store after a restart.
 */
import { assert } from '../../../engine/index.ts';
import type { CacheValueType, KeyspaceEffect } from './keyspace-effect.ts';
import { addWithinInt64, NOT_AN_INTEGER, redisIntegerOf, storedCounter, WOULD_OVERFLOW } from './redis-integer.ts';

/** EXPIRE's conditions (Redis 7): only without an expiry, only with one, only later, only sooner. */
export type ExpireCondition = 'nx' | 'xx' | 'gt' | 'lt';

/** One command, as plain JSON. `bytes` is the entry's size (default: key length + 64). */
export type CacheCommand =
  | { op: 'get'; key: string }
  | {
      op: 'set';
      key: string;
      value: unknown;
      px?: number;
      pxat?: number;
      keepTtl?: boolean;
      nx?: boolean;
      xx?: boolean;
      /** Also answer the value the key held before (SET ... GET). */
      get?: boolean;
      bytes?: number;
    }
  | { op: 'del'; key: string; ifValue?: unknown }
  | { op: 'incr'; key: string }
  | { op: 'incrby'; key: string; by: number }
  | { op: 'pttl'; key: string }
  | { op: 'ttl'; key: string }
  | { op: 'expire'; key: string; seconds: number; condition?: ExpireCondition }
  | { op: 'pexpire'; key: string; ms: number; condition?: ExpireCondition }
  | { op: 'pexpireat'; key: string; atMs: number; condition?: ExpireCondition }
  | { op: 'persist'; key: string }
  | { op: 'mget'; keys: string[] }
  | { op: 'mset'; entries: { key: string; value: unknown; bytes?: number }[] }
  | { op: 'lease-get'; key: string; leaseMs: number }
  | { op: 'lease-set'; key: string; token: number; value: unknown; px?: number; pxat?: number; bytes?: number }
  | { op: 'rpush'; key: string; value: unknown }
  | { op: 'lpop'; key: string; count: number }
  | { op: 'flushall' };

/**
 * One command's answer. `value` is null for a miss; `ok` is false when a conditional write
 * did nothing or the command failed; `error` is Redis's error text when it failed; `n` is a
 * count (DEL, RPUSH, EXPIRE, PERSIST) or a number (INCR) or a remaining time (PTTL, TTL: -2
 * no such key, -1 no expiry); `token` is a lease handed out (null: someone else holds it);
 * `values` are LPOP's elements or MGET's values (null where MGET found no string).
 */
export interface CacheResult {
  ok: boolean;
  value?: unknown;
  n?: number;
  token?: number | null;
  values?: unknown[];
  error?: string;
}

/** Redis's error for a command against a key holding another type (GET on a list, RPUSH on a string). */
export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

interface Entry {
  value: unknown;
  type: CacheValueType;
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

const wrongType = (): CacheResult => ({ ok: false, error: WRONGTYPE });

export class CacheStore {
  private readonly entries = new Map<string, Entry>();
  private readonly leases = new Map<string, Lease>();
  private nextToken = 1;
  /** Bytes held by live (and not yet reclaimed expired) entries. */
  memoryBytes = 0;
  readonly stats: CacheStoreStats = { hits: 0, misses: 0, evictions: 0, expirations: 0 };

  constructor(
    readonly memoryBytesMax = Number.POSITIVE_INFINITY,
    /** Hears every change to the keyspace, in order (an append-only file). */
    private readonly journal?: (effect: KeyspaceEffect) => void,
  ) {
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
        return this.setCommand(cmd, nowMs);
      case 'del':
        return this.del(cmd.key, cmd, nowMs);
      case 'incr':
        return this.incrBy(cmd.key, 1, nowMs);
      case 'incrby':
        return this.incrBy(cmd.key, cmd.by, nowMs);
      case 'pttl':
        return this.pttl(cmd.key, nowMs);
      case 'ttl':
        return this.ttl(cmd.key, nowMs);
      case 'expire':
        return this.expireAt(cmd.key, nowMs + cmd.seconds * 1000, cmd.condition, nowMs);
      case 'pexpire':
        return this.expireAt(cmd.key, nowMs + cmd.ms, cmd.condition, nowMs);
      case 'pexpireat':
        return this.expireAt(cmd.key, cmd.atMs, cmd.condition, nowMs);
      case 'persist':
        return this.persist(cmd.key, nowMs);
      case 'mget':
        return { ok: true, values: cmd.keys.map((key) => this.mgetOne(key, nowMs)) };
      case 'mset':
        for (const e of cmd.entries) this.set(e.key, e.value, Number.POSITIVE_INFINITY, e.bytes ?? defaultBytes(e.key), nowMs);
        return { ok: true };
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
        this.journal?.({ kind: 'flush' });
        return { ok: true };
    }
  }

  /**
   * Puts back one journaled effect (replaying an append-only file into an empty store after
   * a restart). Nothing is evicted, counted or journaled again: the file already holds the
   * evictions that happened.
   */
  restore(effect: KeyspaceEffect): void {
    if (effect.kind === 'flush') {
      this.entries.clear();
      this.memoryBytes = 0;
      return;
    }
    this.dropEntry(effect.key);
    if (effect.kind === 'drop') return;
    const value = effect.type === 'list' ? [...(effect.value as unknown[])] : effect.value;
    this.entries.set(effect.key, { value, type: effect.type, expiresAt: effect.expiresAt ?? Number.POSITIVE_INFINITY, bytes: effect.bytes });
    this.memoryBytes += effect.bytes;
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
    if (e.type !== 'string') return wrongType();
    this.stats.hits++;
    this.touch(key, e);
    return { ok: true, value: e.value };
  }

  /** MGET answers null for a key holding anything but a string, where GET would fail. */
  private mgetOne(key: string, nowMs: number): unknown {
    const e = this.live(key, nowMs);
    if (e === undefined || e.type !== 'string') {
      this.stats.misses++;
      return null;
    }
    this.stats.hits++;
    this.touch(key, e);
    return e.value;
  }

  private setCommand(cmd: Extract<CacheCommand, { op: 'set' }>, nowMs: number): CacheResult {
    assert(!(cmd.nx === true && cmd.xx === true), 'SET takes NX or XX, not both');
    assert(!(cmd.keepTtl === true && (cmd.px !== undefined || cmd.pxat !== undefined)), 'SET takes KEEPTTL or an expiry, not both');
    const expiresAt = expiryOf(cmd, nowMs);
    const conditional = cmd.nx === true || cmd.xx === true || cmd.get === true || cmd.keepTtl === true;
    const old = conditional ? this.live(cmd.key, nowMs) : undefined;
    // Redis answers the GET option first: a key of another type fails the whole command.
    if (cmd.get === true && old !== undefined && old.type !== 'string') return wrongType();
    const previous = cmd.get === true ? { value: old === undefined ? null : old.value } : {};
    if ((cmd.nx === true && old !== undefined) || (cmd.xx === true && old === undefined)) return { ok: false, ...previous };
    const kept = cmd.keepTtl === true && old !== undefined ? old.expiresAt : expiresAt;
    this.set(cmd.key, cmd.value, kept, cmd.bytes ?? defaultBytes(cmd.key), nowMs);
    return { ok: true, ...previous };
  }

  /** Stores a string value (replacing whatever the key held, of any type) until `expiresAt`. */
  private set(key: string, value: unknown, expiresAt: number, bytes: number, nowMs: number): void {
    this.remove(key);
    // Redis: SET with an expiry already in the past deletes the key and stores nothing.
    if (expiresAt <= nowMs) return;
    this.insert(key, { value, type: 'string', expiresAt, bytes });
  }

  private del(key: string, cmd: { ifValue?: unknown }, nowMs: number): CacheResult {
    // A write's DEL also revokes any lease on the key: a fill that read before it must not land.
    this.leases.delete(key);
    const e = this.live(key, nowMs);
    if (e === undefined) return { ok: true, n: 0 };
    if ('ifValue' in cmd) {
      // The unlock script GETs the key first: on a list that fails, as it does in Redis.
      if (e.type !== 'string') return wrongType();
      if (!sameValue(e.value, cmd.ifValue)) return { ok: false, n: 0 };
    }
    this.remove(key);
    return { ok: true, n: 1 };
  }

  private incrBy(key: string, by: number, nowMs: number): CacheResult {
    assert(Number.isSafeInteger(by), 'INCRBY takes a safe integer increment');
    const e = this.live(key, nowMs);
    if (e !== undefined && e.type !== 'string') return wrongType();
    const current = e === undefined ? BigInt(0) : redisIntegerOf(e.value);
    if (current === null) return { ok: false, error: NOT_AN_INTEGER };
    const sum = addWithinInt64(current, BigInt(by));
    if (sum === null) return { ok: false, error: WOULD_OVERFLOW };
    if (e === undefined) this.set(key, storedCounter(undefined, sum), Number.POSITIVE_INFINITY, defaultBytes(key), nowMs);
    else {
      e.value = storedCounter(e.value, sum);
      this.touch(key, e);
      this.changed(key, e);
    }
    return { ok: true, n: Number(sum) };
  }

  private pttl(key: string, nowMs: number): CacheResult {
    const e = this.live(key, nowMs);
    if (e === undefined) return { ok: true, n: -2 };
    return { ok: true, n: e.expiresAt === Number.POSITIVE_INFINITY ? -1 : e.expiresAt - nowMs };
  }

  /** TTL in seconds, rounded to the nearest as Redis rounds it. */
  private ttl(key: string, nowMs: number): CacheResult {
    const ms = this.pttl(key, nowMs).n!;
    return { ok: true, n: ms < 0 ? ms : Math.floor((ms + 500) / 1000) };
  }

  /** EXPIRE and friends: 1 when the expiry was set (or the key deleted, the time being past), 0 otherwise. */
  private expireAt(key: string, atMs: number, condition: ExpireCondition | undefined, nowMs: number): CacheResult {
    assert(Number.isFinite(atMs), 'the expiry time is finite');
    const e = this.live(key, nowMs);
    if (e === undefined || !expiryAllowed(condition, e.expiresAt, atMs)) return { ok: false, n: 0 };
    if (atMs <= nowMs) this.remove(key);
    else {
      e.expiresAt = atMs;
      this.touch(key, e);
      this.changed(key, e);
    }
    return { ok: true, n: 1 };
  }

  private persist(key: string, nowMs: number): CacheResult {
    const e = this.live(key, nowMs);
    if (e === undefined || e.expiresAt === Number.POSITIVE_INFINITY) return { ok: false, n: 0 };
    e.expiresAt = Number.POSITIVE_INFINITY;
    this.touch(key, e);
    this.changed(key, e);
    return { ok: true, n: 1 };
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
    this.set(cmd.key, cmd.value, expiryOf(cmd, nowMs), cmd.bytes ?? defaultBytes(cmd.key), nowMs);
    return { ok: true };
  }

  private rpush(key: string, value: unknown, nowMs: number): CacheResult {
    const e = this.live(key, nowMs);
    if (e !== undefined && e.type !== 'list') return wrongType();
    const list = (e?.value as unknown[] | undefined) ?? [];
    // The list grows in place: its entry is re-costed so eviction sees its real size.
    const grown: Entry = { value: list, type: 'list', expiresAt: e?.expiresAt ?? Number.POSITIVE_INFINITY, bytes: (e?.bytes ?? defaultBytes(key)) + 64 };
    this.remove(key, true);
    list.push(value);
    this.insert(key, grown);
    return { ok: true, n: list.length };
  }

  private lpop(key: string, count: number, nowMs: number): CacheResult {
    assert(Number.isInteger(count) && count >= 1, 'LPOP count is a positive integer');
    const e = this.live(key, nowMs);
    if (e === undefined) return { ok: true, values: [] };
    if (e.type !== 'list') return wrongType();
    const list = e.value as unknown[];
    const values = list.splice(0, count);
    if (list.length === 0) this.remove(key);
    else {
      const freed = Math.min(e.bytes - defaultBytes(key), values.length * 64);
      e.bytes -= freed;
      this.memoryBytes -= freed;
      this.changed(key, e);
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

  /** Adds an entry as the most recently used, evicting least recently used keys to make room. */
  private insert(key: string, e: Entry): void {
    this.makeRoom(e.bytes);
    this.entries.set(key, e);
    this.memoryBytes += e.bytes;
    this.changed(key, e);
  }

  /** Removes a key; `replacing` when it is put back at once (nothing to journal in between). */
  private remove(key: string, replacing = false): void {
    if (!this.dropEntry(key)) return;
    if (!replacing) this.journal?.({ kind: 'drop', key });
  }

  private dropEntry(key: string): boolean {
    const e = this.entries.get(key);
    if (e === undefined) return false;
    this.entries.delete(key);
    this.memoryBytes -= e.bytes;
    return true;
  }

  private changed(key: string, e: Entry): void {
    if (this.journal === undefined) return;
    const value = e.type === 'list' ? [...(e.value as unknown[])] : e.value;
    this.journal({ kind: 'put', key, value, type: e.type, expiresAt: e.expiresAt === Number.POSITIVE_INFINITY ? null : e.expiresAt, bytes: e.bytes });
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
  if (cmd.pxat !== undefined) assert(cmd.pxat > 0, 'PXAT is positive');
  return cmd.pxat ?? Number.POSITIVE_INFINITY;
}

/** Redis 7's EXPIRE conditions; a key without an expiry counts as expiring never (infinitely late). */
function expiryAllowed(condition: ExpireCondition | undefined, currentAt: number, atMs: number): boolean {
  const none = currentAt === Number.POSITIVE_INFINITY;
  switch (condition) {
    case undefined:
      return true;
    case 'nx':
      return none;
    case 'xx':
      return !none;
    case 'gt':
      return !none && atMs > currentAt;
    case 'lt':
      return none || atMs < currentAt;
  }
}

function defaultBytes(key: string): number {
  return key.length + 64;
}

/**
 * Values are compared as Redis compares them, as text: a number equals its decimal string (a
 * counter INCR made, compared with the token a client holds); JSON values equal when their
 * JSON does.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const scalar = (v: unknown): boolean => typeof v === 'number' || typeof v === 'string';
  if (scalar(a) && scalar(b)) return String(a) === String(b);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
