/**
 * The app server of cache-stampede: reads of a few hot keys whose values are expensive to
 * compute (one slow database query each), and five ways to handle the moment a hot key is
 * missing.
 *
 *  - none: every reader that misses runs the query and fills the cache. When a hot key
 *    expires under load, every reader in the next query-time misses: the herd.
 *  - ttl-jitter: the same, with each TTL drawn around the nominal one, so keys cached
 *    together do not all expire in the same instant.
 *  - mutex: a reader that misses takes a lock on the cache (SET NX PX); the winner runs the
 *    query and fills the cache, the others poll the cache until the value appears (or give
 *    up with an error after lockWaitMs). The lock outlives the longest the winner waits for
 *    its query, so it does not expire under a winner that is still working.
 *  - coalescing: within one app server, concurrent misses on a key share one query
 *    (single-flight): one query per key per server, and the flight lasts until the fill has
 *    landed, so a miss that looked before it landed shares it too.
 *  - early-refresh: a reader that hits may decide to recompute the value before it expires
 *    (XFetch), in the background, while it answers from the cache; a miss still queries.
 *
 * Every load reports to the LoadAudit when it begins (the query) and ends (the fill landed,
 * or the load failed), with the lock token it holds under the mutex.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { Backend, type BackendTimer } from '../parts/cache/backend.ts';
import { lockCommand, unlockCommand } from '../parts/cache/cache-mutex.ts';
import type { CacheMessage } from '../parts/cache/cache-node.ts';
import type { CacheCommand, CacheResult } from '../parts/cache/cache-store.ts';
import { shouldRefreshEarly } from '../parts/cache/early-expiration.ts';
import { SingleFlight } from '../parts/cache/single-flight.ts';
import { jitteredTtlMs } from '../parts/cache/ttl-jitter.ts';
import type { DbMessage } from '../parts/storage/database.ts';
import { type AppMessage, type AppRequest, respond } from '../parts/workload/open-loop-clients.ts';
import type { LoadAudit } from './load-audit.ts';

export type StampedeStrategy = 'none' | 'ttl-jitter' | 'mutex' | 'coalescing' | 'early-refresh';

/** A cached hot value: what the query computed, and how long the query took (XFetch's delta). */
export interface HotValue {
  key: string;
  computedAt: number;
  deltaMs: number;
}

export interface StampedeAppConfig {
  strategy: StampedeStrategy;
  cache: string;
  db: string;
  ttlMs: number;
  jitter: number;
  lockTtlMs: number;
  lockRetryMs: number;
  lockWaitMs: number;
  beta: number;
  cacheTimeoutMs: number;
  dbTimeoutMs: number;
  stats: StampedeAppStats;
  audit: LoadAudit;
}

/** Shared counters of every app server (for metrics). */
export class StampedeAppStats {
  misses = 0;
  queries = 0;
  coalesced = 0;
  lockWaits = 0;
  lockGiveUps = 0;
  earlyRefreshes = 0;
}

type Message = AppMessage | CacheMessage | DbMessage;
type Timer = BackendTimer | { poll: number };

export function stampedeApp(config: StampedeAppConfig): Spawn<Message, Timer> {
  return (ctx) => {
    const backend = new Backend(ctx, { cache: config.cache, db: config.db, cacheTimeoutMs: config.cacheTimeoutMs, dbTimeoutMs: config.dbTimeoutMs });
    const { strategy, stats, audit } = config;
    const flights = new SingleFlight<HotValue | null>();
    const refreshing = new Set<string>();
    const polls = new Map<number, () => void>();
    let pollIds = 0;
    let lockAttempts = 0;
    audit.restarted(ctx.name);

    const ttl = (): number => (strategy === 'ttl-jitter' ? jitteredTtlMs(config.ttlMs, config.jitter, ctx.rng) : config.ttlMs);

    /**
     * Runs the expensive query for `key` and fills the cache (with `extra` commands after the
     * SET, in the same pipeline). `done` is called once the fill has landed, so a caller that
     * guards the query (a flight, a lock) covers the whole load-and-fill, as singleflight users
     * wrap the function that reads and caches.
     */
    const recompute = (key: string, done: (value: HotValue | null) => void, extra: CacheCommand[] = [], owner: string | null = null): void => {
      stats.queries++;
      audit.began(ctx.name, key, owner);
      backend.db({ op: 'read', key }, (reply, elapsedMs) => {
        if (reply === null || !reply.ok) {
          audit.ended(ctx.name, key);
          if (extra.length > 0) backend.cacheAsync(extra);
          return done(null);
        }
        const value: HotValue = { key, computedAt: ctx.now, deltaMs: elapsedMs };
        backend.cache([{ op: 'set', key, value, px: ttl() }, ...extra], () => {
          audit.ended(ctx.name, key);
          done(value);
        });
      });
    };

    const answer = (to: NodeId, req: AppRequest) => (value: HotValue | null) =>
      value === null ? respond(ctx, to, req, false, undefined, 'db-failed') : respond(ctx, to, req, true, value, 'db');

    const after = (ms: number, then: () => void): void => {
      const id = ++pollIds;
      polls.set(id, then);
      ctx.setTimer(ms, { poll: id });
    };

    /**
     * Mutex: take the lock and compute, or wait for whoever holds it. The lock and a fresh GET
     * go in one pipeline, so a reader that wins the lock just after the value came back uses
     * the value instead of running the query again (the double check).
     */
    const lockOrWait = (to: NodeId, req: AppRequest, since: number): void => {
      // Each attempt has its own token, so only the attempt that took the lock can release it.
      const owner = `${ctx.name}#${ctx.incarnation}/${++lockAttempts}`;
      backend.cache([lockCommand(req.key, owner, config.lockTtlMs), { op: 'get', key: req.key }], (results) => {
        if (results === null) return respond(ctx, to, req, false, undefined, 'cache-timeout');
        const [lock, current] = results as [CacheResult, CacheResult];
        if (current.value !== null) {
          if (lock.ok) backend.cacheAsync([unlockCommand(req.key, owner)]);
          return respond(ctx, to, req, true, current.value, 'cache');
        }
        if (lock.ok) return recompute(req.key, answer(to, req), [unlockCommand(req.key, owner)], owner);
        stats.lockWaits++;
        after(config.lockRetryMs, () => poll(to, req, since));
      });
    };

    const poll = (to: NodeId, req: AppRequest, since: number): void => {
      backend.cache([{ op: 'get', key: req.key }], (results) => {
        const value = results?.[0]?.value ?? null;
        if (value !== null) return respond(ctx, to, req, true, value, 'cache');
        if (ctx.now - since >= config.lockWaitMs) {
          stats.lockGiveUps++;
          return respond(ctx, to, req, false, undefined, 'lock-wait-timeout');
        }
        lockOrWait(to, req, since);
      });
    };

    const onMiss = (to: NodeId, req: AppRequest, lookedAt: number): void => {
      stats.misses++;
      switch (strategy) {
        case 'mutex':
          return lockOrWait(to, req, ctx.now);
        case 'coalescing': {
          // A miss that left before the last flight's fill landed shares that flight's result.
          const landed = flights.finishedSince(req.key, lookedAt);
          if (landed) {
            stats.coalesced++;
            return respond(ctx, to, req, true, landed, 'coalesced');
          }
          if (flights.join(req.key, answer(to, req))) recompute(req.key, (value) => flights.finish(req.key, value, ctx.now));
          else stats.coalesced++;
          return;
        }
        default:
          return recompute(req.key, answer(to, req));
      }
    };

    const maybeRefreshEarly = (key: string, value: HotValue, pttlMs: number): void => {
      if (pttlMs < 0 || refreshing.has(key)) return;
      if (!shouldRefreshEarly({ nowMs: ctx.now, expiresAtMs: ctx.now + pttlMs, recomputeMs: value.deltaMs, beta: config.beta }, ctx.rng)) return;
      refreshing.add(key);
      stats.earlyRefreshes++;
      ctx.note(() => `${ctx.name} refreshes ${key} early, ${Math.round(pttlMs)} ms before it expires, while still answering from the cache`);
      recompute(key, () => refreshing.delete(key));
    };

    const onRead = (to: NodeId, req: AppRequest): void => {
      const lookedAt = ctx.now;
      const cmds: CacheCommand[] =
        strategy === 'early-refresh'
          ? [
              { op: 'get', key: req.key },
              { op: 'pttl', key: req.key },
            ]
          : [{ op: 'get', key: req.key }];
      backend.cache(cmds, (results) => {
        // A cache that does not answer counts as a miss (without the cache, there is nothing to coordinate on).
        const value = (results?.[0]?.value ?? null) as HotValue | null;
        if (value === null) return onMiss(to, req, lookedAt);
        respond(ctx, to, req, true, value, 'cache');
        if (strategy === 'early-refresh') maybeRefreshEarly(req.key, value, results![1]!.n ?? -2);
      });
    };

    return {
      onMessage(from, msg) {
        if (backend.onMessage(msg)) return;
        if (msg.type === 'req') onRead(from, msg);
      },
      onTimer(tag) {
        if (backend.onTimer(tag) || !('poll' in tag)) return;
        const then = polls.get(tag.poll);
        polls.delete(tag.poll);
        then?.();
      },
    };
  };
}
