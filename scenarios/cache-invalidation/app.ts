/**
 * The app server of cache-invalidation: cache-aside reads, and one of five ways to keep
 * the cache from serving what the database no longer holds.
 *
 * Reads: GET; on a miss, read the database, answer, and fill the cache. A fill's time to live
 * counts from when the read began, so however late a slow fill lands the value never lives
 * past its TTL from the moment it was read: the app measures how long the read took on its
 * own clock and sets what is left of the TTL (PX), which the cache then counts on its clock —
 * each duration measured by one clock, never an instant of one clock judged by another. A fill
 * with nothing left of its TTL is dropped. Under `versioned-keys` the app first looks up the
 * key's current version (a cheap index-only query) and reads the immutable entry
 * `<key>@<version>`, which no write ever needs to invalidate.
 *
 * Writes (and deletes, which write a tombstone): write the database and acknowledge; then
 * `delete-on-write` deletes the key (on the side), and the others do nothing: TTLs expire
 * entries, versioned keys move on to a new entry, and under `event-invalidation` the
 * invalidator follows the database's change stream. Every database write carries the
 * request's id, so a duplicated request applies once.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { Backend, type BackendTimer } from '../parts/cache/backend.ts';
import type { CacheMessage } from '../parts/cache/cache-node.ts';
import { Stall, type StallTimer } from '../parts/cache/stall.ts';
import { jitteredTtlMs } from '../parts/cache/ttl-jitter.ts';
import type { DbMessage, DbQuery, DbReply } from '../parts/storage/database.ts';
import { type AppMessage, type AppRequest, respond } from '../parts/workload/open-loop-clients.ts';

export type InvalidationStrategy = 'ttl' | 'ttl-jitter' | 'delete-on-write' | 'versioned-keys' | 'event-invalidation';

export interface InvalidationAppConfig {
  strategy: InvalidationStrategy;
  cache: string;
  db: string;
  ttlMs: number;
  jitter: number;
  cacheTimeoutMs: number;
  dbTimeoutMs: number;
}

type Message = AppMessage | CacheMessage | DbMessage;
type Timer = BackendTimer | StallTimer;

export const versionedKey = (key: string, version: number): string => `${key}@${version}`;

export function invalidationApp(config: InvalidationAppConfig): Spawn<Message, Timer> {
  return (ctx) => {
    const backend = new Backend(ctx, { cache: config.cache, db: config.db, cacheTimeoutMs: config.cacheTimeoutMs, dbTimeoutMs: config.dbTimeoutMs });
    const stall = new Stall(ctx);
    const { strategy } = config;
    const db = (query: DbQuery & { key: string }, done: (reply: DbReply | null) => void): void =>
      backend.db(query, (reply) => stall.after(query.op, query.key, () => done(reply)));

    /** A value's time to live, drawn when it is read. */
    const ttlOf = (): number => (strategy === 'ttl-jitter' ? jitteredTtlMs(config.ttlMs, config.jitter, ctx.rng) : config.ttlMs);

    /** Reads the database and fills the cache with what is left of the value's TTL (null: do not fill). */
    const readThrough = (to: NodeId, req: AppRequest, readAt: number, fill: boolean): void => {
      const ttlMs = ttlOf();
      db({ op: 'read', key: req.key }, (reply) => {
        if (reply === null || !reply.ok) return respond(ctx, to, req, false, undefined, reply?.reason ?? 'db-timeout');
        const row = reply.rows![0]!;
        respond(ctx, to, req, true, row.value, 'db');
        const leftMs = ttlMs - (ctx.now - readAt);
        if (!fill || !(leftMs >= 1)) return;
        const key = strategy === 'versioned-keys' ? versionedKey(req.key, row.version) : req.key;
        backend.cacheAsync([{ op: 'set', key, value: row.value, px: Math.floor(leftMs) }]);
      });
    };

    const lookup = (to: NodeId, req: AppRequest, cacheKey: string, readAt: number): void => {
      backend.cache([{ op: 'get', key: cacheKey }], (results) => {
        if (results === null) return readThrough(to, req, readAt, false);
        const value = results[0]!.value;
        if (value !== null) return respond(ctx, to, req, true, value, 'cache');
        readThrough(to, req, readAt, true);
      });
    };

    const onRead = (to: NodeId, req: AppRequest): void => {
      const readAt = ctx.now;
      if (strategy !== 'versioned-keys') return lookup(to, req, req.key, readAt);
      backend.db({ op: 'version', key: req.key }, (reply) => {
        if (reply === null || !reply.ok) return respond(ctx, to, req, false, undefined, reply?.reason ?? 'db-timeout');
        lookup(to, req, versionedKey(req.key, reply.rows![0]!.version), readAt);
      });
    };

    const onWrite = (to: NodeId, req: AppRequest): void => {
      db({ op: 'write', key: req.key, value: req.value, requestId: req.id }, (reply) => {
        if (reply === null || !reply.ok) return respond(ctx, to, req, false, undefined, reply?.reason ?? 'db-timeout');
        respond(ctx, to, req, true);
        if (strategy === 'delete-on-write') backend.cacheAsync([{ op: 'del', key: req.key }]);
      });
    };

    return {
      onMessage(from, msg) {
        if (backend.onMessage(msg)) return;
        if (msg.type !== 'req') return;
        if (msg.kind === 'read') onRead(from, msg);
        else onWrite(from, msg);
      },
      onTimer(tag) {
        if (!backend.onTimer(tag)) stall.onTimer(tag);
      },
      onInject(fault) {
        stall.arm(fault);
      },
    };
  };
}
