/**
 * An application server: it takes the users' views and likes and turns them into requests
 * to the shard nodes. Everyday posts go straight to their shard's primary. What it does for
 * the celebrity's post, the one hot key, is the strategy:
 *
 *  - plain: like any key: every view and like of it hits the one shard that holds it.
 *  - salted: the counter is split into one piece per shard (a salt suffix chosen so each
 *    piece lands on a different shard); a like increments one piece, a view must read them
 *    all and add them up (a fan-out to every shard).
 *  - replica-reads: views of it read from the shard's replicas, likes go to its primary.
 *  - local-cache: each app server keeps the count in memory for `cacheTtlMs`; one request
 *    refreshes it when it expires (the others wait for that one), likes go to the primary.
 *  - salted-cache: split likes as in salted, and cache the summed count as in local-cache.
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import type { HotKeyAuditor } from './hot-key-auditor.ts';
import type { HotspotMessage } from './messages.ts';
import { CELEBRITY } from './workload.ts';

export type HotKeyStrategy = 'plain' | 'salted' | 'replica-reads' | 'local-cache' | 'salted-cache';

export interface ShardNodes {
  primary: NodeId;
  replicas: readonly NodeId[];
}

export interface AppConfig {
  strategy: HotKeyStrategy;
  shards: readonly ShardNodes[];
  shardOf: (key: string) => number;
  /** The celebrity counter's pieces when split: piece j lives on shard j. */
  pieces: readonly string[];
  cacheTtlMs: number;
  auditor: HotKeyAuditor;
}

interface Waiting {
  issuedAt: number;
  acked: number;
}

export function appServer(config: AppConfig): Spawn<HotspotMessage> {
  return (ctx: NodeContext<HotspotMessage>) => {
    const continuations = new Map<number, (values: number[]) => void>();
    let nextRid = 1;
    const split = config.strategy === 'salted' || config.strategy === 'salted-cache';
    const cached = config.strategy === 'local-cache' || config.strategy === 'salted-cache';
    let cache: { count: number; expiresAt: number } | null = null;
    let refreshing: Waiting[] | null = null;

    const request = (to: NodeId, msg: { type: 'get'; keys: string[] } | { type: 'incr'; key: string }, then: (values: number[]) => void): void => {
      const rid = nextRid++;
      continuations.set(rid, then);
      ctx.send(to, { ...msg, rid });
    };

    /** Reads the celebrity's count from the shards (one request, or one per shard when split). */
    const fetchCount = (pick: number, done: (count: number, requests: number) => void): void => {
      if (split) {
        let remaining = config.shards.length;
        let sum = 0;
        config.shards.forEach((shard, j) => {
          request(shard.primary, { type: 'get', keys: [config.pieces[j]!] }, ([v]) => {
            sum += v ?? 0;
            if (--remaining === 0) done(sum, config.shards.length);
          });
        });
        return;
      }
      const shard = config.shards[config.shardOf(CELEBRITY)]!;
      const target =
        config.strategy === 'replica-reads' && shard.replicas.length > 0
          ? shard.replicas[Math.min(shard.replicas.length - 1, Math.floor(pick * shard.replicas.length))]!
          : shard.primary;
      request(target, { type: 'get', keys: [CELEBRITY] }, ([v]) => done(v ?? 0, 1));
    };

    const viewCelebrity = (pick: number): void => {
      const w: Waiting = { issuedAt: ctx.now, acked: config.auditor.likesAcked };
      if (!cached) return fetchCount(pick, (count, requests) => config.auditor.celebrityRead(count, w.acked, w.issuedAt, requests, false));
      if (cache !== null && ctx.now < cache.expiresAt) return config.auditor.celebrityRead(cache.count, w.acked, w.issuedAt, 0, true);
      if (refreshing !== null) return void refreshing.push(w);
      refreshing = [w];
      fetchCount(pick, (count, requests) => {
        cache = { count, expiresAt: ctx.now + config.cacheTtlMs };
        const waiting = refreshing ?? [];
        refreshing = null;
        // The one refresh is charged to the first view; the views that waited for it cost nothing more.
        waiting.forEach((x, i) => {
          config.auditor.celebrityRead(count, x.acked, x.issuedAt, i === 0 ? requests : 0, i > 0);
        });
      });
    };

    const likeCelebrity = (salt: number): void => {
      const startedAt = ctx.now;
      const key = split ? config.pieces[Math.min(config.pieces.length - 1, Math.floor(salt * config.pieces.length))]! : CELEBRITY;
      const shard = split ? config.pieces.indexOf(key) : config.shardOf(CELEBRITY);
      request(config.shards[shard]!.primary, { type: 'incr', key }, () => config.auditor.likeAcked(ctx.now - startedAt));
    };

    return {
      onMessage(_from, m) {
        switch (m.type) {
          case 'view':
            if (m.key === CELEBRITY) return viewCelebrity(m.pick);
            return request(config.shards[config.shardOf(m.key)]!.primary, { type: 'get', keys: [m.key] }, () => {});
          case 'like':
            if (m.key === CELEBRITY) return likeCelebrity(m.salt);
            return request(config.shards[config.shardOf(m.key)]!.primary, { type: 'incr', key: m.key }, () => {});
          case 'values':
          case 'incremented': {
            const then = continuations.get(m.rid);
            if (then === undefined) return;
            continuations.delete(m.rid);
            return then(m.type === 'values' ? m.values : []);
          }
          default:
            return;
        }
      },
    };
  };
}
