/**
 * The app server of cache-strategies: it answers users' reads, writes and deletes with a
 * cache in front of the database, in the way its strategy says.
 *
 * Reads (all strategies): GET; on a hit, answer from the cache; on a miss, read the database,
 * answer, and fill the cache. A cache that does not answer in time is skipped (read the
 * database, do not fill).
 *  - cache-aside (delete / update) fills with a plain SET;
 *  - write-through and write-behind fill with SET NX, so a fill never overwrites a value a
 *    write put there;
 *  - lease fills only with the lease its GET was handed, so a fill that read the database
 *    before a write's DEL is refused.
 *
 * Writes (a delete writes a tombstone: the row is gone, the database keeps its version):
 *  - cache-aside-delete: write the database, acknowledge, DEL the key on the side;
 *  - cache-aside-update: write the database, acknowledge, SET the new value (DEL on a
 *    delete) on the side;
 *  - write-through: write the database, SET the new value (DEL on a delete), acknowledge once
 *    both are done;
 *  - write-behind: SET the value and queue the write in the cache (one atomic pipeline),
 *    acknowledge; a flusher (on app1) drains the queue into the database in the background;
 *  - lease: write the database, DEL the key and wait for the cache to confirm it, then
 *    acknowledge. A DEL the cache never confirmed (lost, or the cache unreachable) fails the
 *    request: the user is not told the write is visible while an old copy may still be served.
 * Every database write carries the request's id, so a duplicated or retried request applies once.
 *
 * Fault of its own: `stall` (see parts/stall.ts), the slow reader or writer of the races.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { Backend, type BackendTimer } from '../parts/cache/backend.ts';
import type { CacheMessage } from '../parts/cache/cache-node.ts';
import type { CacheCommand } from '../parts/cache/cache-store.ts';
import { Stall, type StallTimer } from '../parts/cache/stall.ts';
import type { DbMessage, DbQuery, DbReply } from '../parts/storage/database.ts';
import { type AppMessage, type AppRequest, respond } from '../parts/workload/open-loop-clients.ts';

export type CacheStrategy = 'cache-aside-delete' | 'cache-aside-update' | 'write-through' | 'write-behind' | 'lease';

export const WRITE_QUEUE = 'write-behind:queue';

export interface QueuedWrite {
  /** The request's id: the flusher's database write carries it, so a write flushed twice applies once. */
  id: number;
  key: string;
  value: unknown;
}

export interface StrategyAppConfig {
  strategy: CacheStrategy;
  cache: string;
  db: string;
  ttlMs: number;
  leaseMs: number;
  cacheTimeoutMs: number;
  dbTimeoutMs: number;
  /** This app also runs the write-behind flusher. */
  flusher: boolean;
  flushIntervalMs: number;
  flushBatch: number;
}

type Message = AppMessage | CacheMessage | DbMessage;
type Timer = BackendTimer | StallTimer | 'flush';

export function strategyApp(config: StrategyAppConfig): Spawn<Message, Timer> {
  return (ctx) => {
    const backend = new Backend(ctx, { cache: config.cache, db: config.db, cacheTimeoutMs: config.cacheTimeoutMs, dbTimeoutMs: config.dbTimeoutMs });
    const { strategy, ttlMs } = config;
    const stall = new Stall(ctx);
    const db = (query: DbQuery & { key: string }, done: (reply: DbReply | null) => void): void =>
      backend.db(query, (reply) => stall.after(query.op, query.key, () => done(reply)));
    const failed = (to: NodeId, req: AppRequest, reply: DbReply | null): void => respond(ctx, to, req, false, undefined, reply?.reason ?? 'db-timeout');

    const fillCommand = (key: string, value: unknown, token: number | null): CacheCommand | null => {
      if (strategy === 'lease') return token === null ? null : { op: 'lease-set', key, token, value, px: ttlMs };
      const nx = strategy === 'write-through' || strategy === 'write-behind';
      return nx ? { op: 'set', key, value, px: ttlMs, nx: true } : { op: 'set', key, value, px: ttlMs };
    };

    const readDb = (to: NodeId, req: AppRequest, fill: boolean, token: number | null): void => {
      db({ op: 'read', key: req.key }, (reply) => {
        if (reply === null || !reply.ok) return failed(to, req, reply);
        const value = reply.rows![0]!.value;
        respond(ctx, to, req, true, value, 'db');
        const cmd = fill ? fillCommand(req.key, value, token) : null;
        if (cmd !== null) backend.cacheAsync([cmd]);
      });
    };

    const onRead = (to: NodeId, req: AppRequest): void => {
      const get: CacheCommand = strategy === 'lease' ? { op: 'lease-get', key: req.key, leaseMs: config.leaseMs } : { op: 'get', key: req.key };
      backend.cache([get], (results) => {
        if (results === null) return readDb(to, req, false, null);
        const r = results[0]!;
        if (r.value !== null) return respond(ctx, to, req, true, r.value, 'cache');
        readDb(to, req, true, r.token ?? null);
      });
    };

    /** What a committed write does to the cache, and when the user hears of it. */
    const afterDbWrite = (to: NodeId, req: AppRequest): void => {
      const update: CacheCommand = req.kind === 'delete' ? { op: 'del', key: req.key } : { op: 'set', key: req.key, value: req.value, px: ttlMs };
      switch (strategy) {
        case 'cache-aside-delete':
          respond(ctx, to, req, true);
          return backend.cacheAsync([{ op: 'del', key: req.key }]);
        case 'cache-aside-update':
          respond(ctx, to, req, true);
          return backend.cacheAsync([update]);
        case 'write-through':
          // The write is through only when the cache has it too (or cannot be reached).
          return backend.cache([update], () => respond(ctx, to, req, true));
        case 'lease':
          // The DEL revokes every lease on the key: once it is confirmed, no older value can come back.
          return backend.cache([{ op: 'del', key: req.key }], (results) =>
            results === null ? respond(ctx, to, req, false, undefined, 'invalidation-unconfirmed') : respond(ctx, to, req, true),
          );
        case 'write-behind':
          return;
      }
    };

    const onWrite = (to: NodeId, req: AppRequest): void => {
      if (strategy === 'write-behind') {
        const queued: QueuedWrite = { id: req.id, key: req.key, value: req.value };
        backend.cache(
          [
            { op: 'set', key: req.key, value: req.value, px: ttlMs },
            { op: 'rpush', key: WRITE_QUEUE, value: queued },
          ],
          (results) => (results === null ? respond(ctx, to, req, false, undefined, 'cache-timeout') : respond(ctx, to, req, true)),
        );
        return;
      }
      db({ op: 'write', key: req.key, value: req.value, requestId: req.id }, (reply) =>
        reply === null || !reply.ok ? failed(to, req, reply) : afterDbWrite(to, req),
      );
    };

    // ---- the write-behind flusher: pop a batch, write it to the database keeping each key's order.
    let flushing = false;
    const flush = (): void => {
      if (flushing) return;
      flushing = true;
      backend.cache([{ op: 'lpop', key: WRITE_QUEUE, count: config.flushBatch }], (results) => {
        const batch = (results?.[0]?.values ?? []) as QueuedWrite[];
        if (batch.length === 0) {
          flushing = false;
          return;
        }
        ctx.note(() => `${ctx.name} flushes ${batch.length} queued write(s) to the database`);
        const chains = new Map<string, QueuedWrite[]>();
        for (const w of batch) {
          const chain = chains.get(w.key);
          if (chain === undefined) chains.set(w.key, [w]);
          else chain.push(w);
        }
        let open = chains.size;
        const next = (chain: QueuedWrite[], i: number): void => {
          if (i === chain.length) {
            if (--open === 0) flushing = false;
            return;
          }
          const w = chain[i]!;
          // A failed or unanswered write is tried again: the queue promised it will land.
          backend.db({ op: 'write', key: w.key, value: w.value, requestId: w.id }, (reply) => next(chain, reply?.ok === true ? i + 1 : i));
        };
        for (const chain of chains.values()) next(chain, 0);
      });
    };
    if (config.flusher && strategy === 'write-behind') ctx.setTimer(config.flushIntervalMs, 'flush');

    return {
      onMessage(from, msg) {
        if (backend.onMessage(msg)) return;
        if (msg.type !== 'req') return;
        if (msg.kind === 'read') onRead(from, msg);
        else onWrite(from, msg);
      },
      onTimer(tag) {
        if (backend.onTimer(tag) || stall.onTimer(tag)) return;
        if (tag === 'flush') {
          flush();
          ctx.setTimer(config.flushIntervalMs, 'flush');
        }
      },
      onInject(fault) {
        stall.arm(fault);
      },
    };
  };
}
