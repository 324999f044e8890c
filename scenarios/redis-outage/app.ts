/**
 * The app server of redis-outage: cache-aside reads and writes, and what it does when Redis
 * stops answering.
 *
 *  - naive-fallback: every request still tries Redis first and waits out its timeout, then
 *    goes to the database, as much and as often as users ask. The database gets the whole
 *    read load at once, plus every retry.
 *  - breaker (cold or warm-up): a circuit breaker on Redis stops the app from calling a
 *    Redis that keeps failing (no more waiting out timeouts), a token bucket caps the queries
 *    this server sends the database at its share of a safe rate, a connection pool (a
 *    bulkhead) caps the queries it keeps outstanding there at its share of the database's
 *    connections — a connection stays busy until the database answers, even after the user
 *    was told it took too long — and a second breaker sheds load if the database itself fails.
 *    A request the pool, the bucket or the breaker turns away fails at once ("503, try
 *    later") instead of queueing.
 *  - breaker-warmup, in addition: when Redis comes back empty (a new run id), the app loads
 *    its hottest keys into it with a few batched queries, reserved ahead of live misses
 *    within its rate limit, instead of waiting for misses to refill it one key at a time.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { Backend, type BackendTimer } from '../parts/cache/backend.ts';
import type { CacheMessage } from '../parts/cache/cache-node.ts';
import { HotKeys, warmerOf, warmupBatches } from '../parts/cache/cache-warmup.ts';
import { Bulkhead } from '../parts/resilience/bulkhead.ts';
import { type BreakerTransition, CircuitBreaker, type CircuitBreakerConfig } from '../parts/resilience/circuit-breaker.ts';
import { TokenBucket } from '../parts/resilience/token-bucket.ts';
import type { DbMessage, DbQuery, DbReply } from '../parts/storage/database.ts';
import { type AppMessage, type AppRequest, respond } from '../parts/workload/open-loop-clients.ts';
import type { GuardAudit } from './guard-audit.ts';

export type OutageStrategy = 'naive-fallback' | 'breaker-cold' | 'breaker-warmup';

export interface OutageAppConfig {
  strategy: OutageStrategy;
  index: number;
  apps: number;
  /** Redis and the database, by name. */
  cache: string;
  db: string;
  ttlMs: number;
  cacheTimeoutMs: number;
  dbTimeoutMs: number;
  cacheBreaker: CircuitBreakerConfig;
  dbBreaker: CircuitBreakerConfig;
  /** This server's share of the database rate, in queries per ms, and the bucket's burst. */
  dbRatePerMs: number;
  dbBurst: number;
  /** (breaker) This server's connection pool to the database: its share of the database's connections. */
  dbPoolSize: number;
  /** (breaker) A pooled connection whose query never answered is reset after this long. */
  dbSocketTimeoutMs: number;
  /** Token cost of a batched read of n keys. */
  batchCost: (keys: number) => number;
  warmupKeys: number;
  warmupBatch: number;
  stats: OutageAppStats;
  audit: GuardAudit;
}

/** What every app server did, for the monitor and the metrics. */
export class OutageAppStats {
  cacheTimeouts = 0;
  shedByBreaker = 0;
  shedByRateLimit = 0;
  shedByPool = 0;
  dbTimeouts = 0;
  warmups = 0;
  warmedKeys = 0;
  /** Per app: 0 closed, 0.5 half-open, 1 open (the cache breaker). */
  readonly cacheBreaker: number[] = [];
  readonly dbBreaker: number[] = [];
}

type Message = AppMessage | CacheMessage | DbMessage;
type Timer = BackendTimer | { later: number };

const LEVEL = { closed: 0, 'half-open': 0.5, open: 1 } as const;

export function outageApp(config: OutageAppConfig): Spawn<Message, Timer> {
  return (ctx) => {
    const { strategy, stats, index, audit } = config;
    audit.restarted(ctx.name);
    const guarded = strategy !== 'naive-fallback';
    const backend = new Backend(ctx, { cache: config.cache, db: config.db, cacheTimeoutMs: config.cacheTimeoutMs, dbTimeoutMs: config.dbTimeoutMs });
    const narrate =
      (what: string) =>
      (t: BreakerTransition): void => {
        audit.transition(ctx.name, what, t.to);
        const level = what === 'Redis' ? stats.cacheBreaker : stats.dbBreaker;
        level[index] = LEVEL[t.to];
        ctx.state(t.to === 'closed' ? 'serving' : `${what} breaker ${t.to}`);
        ctx.note(() => {
          if (t.to === 'open') {
            return what === 'Redis'
              ? `${ctx.name} opens its Redis breaker: ${t.reason}. For the next ${config.cacheBreaker.openMs} ms it will not call Redis at all, and reads go straight to the database through its rate limiter`
              : `${ctx.name} opens its database breaker: ${t.reason}. It sheds every read that misses for ${config.dbBreaker.openMs} ms`;
          }
          if (t.to === 'half-open') return `${ctx.name}'s ${what} breaker is half-open: it lets ${config.cacheBreaker.halfOpenCalls} probe calls through`;
          return `${ctx.name} closes its ${what} breaker: ${t.reason}`;
        }, 'key');
      };
    const cacheBreaker = new CircuitBreaker(config.cacheBreaker, narrate('Redis'));
    const dbBreaker = new CircuitBreaker(config.dbBreaker, narrate('database'));
    const bucket = new TokenBucket(config.dbRatePerMs, config.dbBurst, ctx.now);
    const hot = new HotKeys();
    let runId = -1;
    let warming = false;
    const pool = guarded ? new Bulkhead(config.dbPoolSize) : null;
    const delayed = new Map<number, () => void>();
    let delayedIds = 0;
    const later = (ms: number, then: () => void): number => {
      const id = ++delayedIds;
      delayed.set(id, then);
      ctx.setTimer(ms, { later: id });
      return id;
    };

    /**
     * Sends `q` to the database; `done` hears the reply, or null once the app stops waiting
     * (dbTimeoutMs). On a pooled connection (already taken) the connection stays busy until
     * the database answers or the socket times out, however early the caller gave up.
     */
    const send = (q: DbQuery, done: (reply: DbReply | null, elapsedMs: number) => void): void => {
      if (pool === null) return backend.db(q, done);
      let waiting = true;
      const giveUp = later(config.dbTimeoutMs, () => {
        waiting = false;
        done(null, config.dbTimeoutMs);
      });
      backend.db(
        q,
        (reply, elapsedMs) => {
          pool.release();
          if (!waiting) return;
          waiting = false;
          delayed.delete(giveUp);
          done(reply, elapsedMs);
        },
        config.dbSocketTimeoutMs,
      );
    };
    stats.cacheBreaker[index] = 0;
    stats.dbBreaker[index] = 0;

    /**
     * Sends a query to the database if the guards let it; `done(null, reason)` when turned away
     * or failed. The pool and the rate limiter are asked before the breaker: a half-open
     * breaker's probe, once admitted, must be sent and judged, or the breaker would wait for it
     * forever.
     */
    const query = (q: DbQuery, cost: number, done: (reply: DbReply | null, reason: string) => void): void => {
      if (pool !== null) {
        if (!pool.tryAcquire()) {
          stats.shedByPool++;
          return done(null, 'shed: database connection pool busy');
        }
        if (!bucket.tryTake(ctx.now, cost)) {
          pool.release();
          stats.shedByRateLimit++;
          return done(null, 'shed: rate limited');
        }
        if (!dbBreaker.allow(ctx.now)) {
          pool.release();
          stats.shedByBreaker++;
          return done(null, 'shed: database breaker open');
        }
        audit.breakerCall(ctx.name, 'database');
        audit.dbCall(ctx.name, cost, ctx.now);
      }
      send(q, (reply, elapsedMs) => {
        const ok = reply?.ok === true;
        if (guarded) dbBreaker.record(ctx.now, elapsedMs, ok);
        if (reply === null) stats.dbTimeouts++;
        done(ok ? reply : null, reply === null ? 'database timeout' : (reply.reason ?? 'database error'));
      });
    };

    const readDb = (to: NodeId, req: AppRequest, fill: boolean): void => {
      query({ op: 'read', key: req.key }, 1, (reply, reason) => {
        if (reply === null) return respond(ctx, to, req, false, undefined, reason);
        const value = reply.rows![0]!.value;
        respond(ctx, to, req, true, value, 'db');
        if (fill) backend.cacheAsync([{ op: 'set', key: req.key, value, px: config.ttlMs }]);
      });
    };

    /** Redis came back empty: load this server's share of the hottest keys in batches, alongside live traffic. */
    const warmUp = (): void => {
      warming = true;
      stats.warmups++;
      const mine = hot.top(config.warmupKeys).filter((key) => warmerOf(key, config.apps) === index);
      const batches = warmupBatches(mine, config.warmupBatch);
      const startedAt = ctx.now;
      ctx.state('warming Redis', `${mine.length} keys`);
      ctx.note(
        () =>
          `${ctx.name} sees Redis back, empty (run id ${runId}): it loads its share of the ${config.warmupKeys} keys it was asked for most, ${mine.length} of them, in ${batches.length} batched ${batches.length === 1 ? 'query' : 'queries'}, before the misses do it one key at a time`,
        'key',
      );
      let left = batches.length;
      const finish = (): void => {
        warming = false;
        ctx.state('serving');
        ctx.note(() => `${ctx.name} has warmed Redis in ${Math.round(ctx.now - startedAt)} ms: its hot keys hit again`, 'key');
      };
      if (left === 0) return finish();
      const load = (batch: string[]): void => {
        // The warm-up reserves its share of the rate instead of competing for it: it waits its turn.
        // It waits for a pooled connection first (the pool is what the database can hold), then for
        // its tokens: a reserved send must go the moment its tokens are covered, not later in a bunch.
        pool!.whenFree(() =>
          later(bucket.reserve(ctx.now, config.batchCost(batch.length)), () => {
            audit.dbCall(ctx.name, config.batchCost(batch.length), ctx.now);
            send({ op: 'read-many', keys: batch }, (reply) => {
              if (reply === null || !reply.ok) return load(batch);
              stats.warmedKeys += reply.rows!.length;
              backend.cacheAsync(reply.rows!.map((r) => ({ op: 'set' as const, key: r.key, value: r.value, px: config.ttlMs, nx: true })));
              if (--left === 0) finish();
            });
          }),
        );
      };
      for (const b of batches) load(b);
    };

    const onRead = (to: NodeId, req: AppRequest): void => {
      hot.touch(req.key);
      if (guarded && !cacheBreaker.allow(ctx.now)) return readDb(to, req, false);
      if (guarded) audit.breakerCall(ctx.name, 'Redis');
      backend.cache([{ op: 'get', key: req.key }], (results, replyRunId, elapsedMs) => {
        if (results === null) {
          stats.cacheTimeouts++;
          if (guarded) cacheBreaker.record(ctx.now, elapsedMs, false);
          return readDb(to, req, false);
        }
        if (guarded) cacheBreaker.record(ctx.now, elapsedMs, true);
        const restarted = runId !== -1 && replyRunId !== runId;
        runId = replyRunId;
        if (restarted && strategy === 'breaker-warmup' && !warming) warmUp();
        const value = results[0]!.value;
        if (value !== null) return respond(ctx, to, req, true, value, 'cache');
        readDb(to, req, true);
      });
    };

    const onWrite = (to: NodeId, req: AppRequest): void => {
      query({ op: 'write', key: req.key, value: req.value, requestId: req.id }, 1, (reply, reason) => {
        if (reply === null) return respond(ctx, to, req, false, undefined, reason);
        respond(ctx, to, req, true);
        backend.cacheAsync([{ op: 'del', key: req.key }]);
      });
    };

    ctx.state('serving');
    return {
      onMessage(from, msg) {
        if (backend.onMessage(msg)) return;
        if (msg.type !== 'req') return;
        if (msg.kind === 'read') onRead(from, msg);
        else onWrite(from, msg);
      },
      onTimer(tag) {
        if (backend.onTimer(tag) || !('later' in tag)) return;
        const then = delayed.get(tag.later);
        delayed.delete(tag.later);
        then?.();
      },
    };
  };
}
