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
 *  - local-cache: each app server keeps the count in memory for `cacheTtlMs` from the moment
 *    its refresh began (by its own clock); when it has expired one refresh goes out (single
 *    flight: the views that arrive meanwhile wait for that one), likes go to the primary.
 *  - salted-cache: split likes as in salted, and cache the summed count as in local-cache.
 *
 * A like is retried with the same id until the primary acknowledges it (the id makes the
 * retry harmless); a refresh whose answers do not all come back is re-sent to the pieces
 * still missing. The cache and everything in flight live in memory: a crash loses them.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import type { HotKeyAuditor } from './hot-key-auditor.ts';
import type { HotspotMessage } from './messages.ts';
import { CELEBRITY } from './workload.ts';

export type HotKeyStrategy = 'plain' | 'salted' | 'replica-reads' | 'local-cache' | 'salted-cache';

export interface ShardNames {
  primary: string;
  replicas: readonly string[];
}

export interface AppConfig {
  strategy: HotKeyStrategy;
  shards: readonly ShardNames[];
  shardOf: (key: string) => number;
  /** The celebrity counter's pieces when split: piece j lives on shard j. */
  pieces: readonly string[];
  cacheTtlMs: number;
  /** A like not acknowledged by then is sent again, up to `likeAttempts` times in all. */
  likeTimeoutMs: number;
  likeAttempts: number;
  /** A refresh with answers missing after this long is re-sent to the pieces that did not answer. */
  refreshTimeoutMs: number;
  auditor: HotKeyAuditor;
}

interface Node {
  id: NodeId;
  name: string;
}

interface PendingLike {
  key: string;
  to: Node;
  atMs: number;
  attempt: number;
}

interface Refresh {
  id: number;
  attempt: number;
  /** The app's clock when it began: the cached count expires `cacheTtlMs` after that. */
  startedAtMs: number;
  values: (number | null)[];
  remaining: number;
  /** When each waiting view was made (true time), the first one the refresh's trigger. */
  waiting: number[];
}

type Timer = { kind: 'like-timeout'; likeId: string; attempt: number } | { kind: 'refresh-timeout'; refresh: number; attempt: number };

export function appServer(config: AppConfig): Spawn<HotspotMessage, Timer> {
  return (ctx) => {
    const { auditor, strategy } = config;
    const node = (name: string): Node => ({ id: ctx.lookup(name), name });
    const primaries = config.shards.map((s) => node(s.primary));
    const replicas = config.shards.map((s) => s.replicas.map(node));
    const celebrityShard = config.shardOf(CELEBRITY);
    const split = strategy === 'salted' || strategy === 'salted-cache';
    const cached = strategy === 'local-cache' || strategy === 'salted-cache';
    /** Where the celebrity's count is read: one (shard, key) per piece. */
    const sources = split ? config.pieces.map((piece, j) => ({ shard: j, key: piece })) : [{ shard: celebrityShard, key: CELEBRITY }];
    const continuations = new Map<number, (values: number[]) => void>();
    const likes = new Map<string, PendingLike>();
    let nextRid = 1;
    let cache: { count: number; expiresAtMs: number } | null = null;
    let refresh: Refresh | null = null;
    let refreshes = 0;
    auditor.appStarted(ctx.name);

    /** Sends a multi-get; `atMs` (when the users made the request) charges it as offered load, null for a retry. */
    const get = (to: Node, keys: string[], atMs: number | null, then: (values: number[]) => void): void => {
      const rid = nextRid++;
      continuations.set(rid, then);
      ctx.send(to.id, { type: 'get', rid, keys });
      if (atMs !== null) auditor.offered(to.name, atMs);
    };

    const like = (key: string, salt: number, likeId: string, atMs: number): void => {
      const to = split && key === CELEBRITY ? primaries[Math.min(primaries.length - 1, Math.floor(salt * primaries.length))]! : primaries[config.shardOf(key)]!;
      const piece = split && key === CELEBRITY ? config.pieces[primaries.indexOf(to)]! : key;
      likes.set(likeId, { key: piece, to, atMs, attempt: 1 });
      ctx.send(to.id, { type: 'incr', key: piece, likeId });
      auditor.offered(to.name, atMs);
      ctx.setTimer(config.likeTimeoutMs, { kind: 'like-timeout', likeId, attempt: 1 });
    };

    const onLikeTimeout = (likeId: string, attempt: number): void => {
      const p = likes.get(likeId);
      if (p === undefined || p.attempt !== attempt) return;
      if (attempt >= config.likeAttempts) {
        likes.delete(likeId);
        return ctx.note(() => `${ctx.name} gives up on a like of ${p.key}: ${p.to.name} never acknowledged it`, 'warn');
      }
      p.attempt++;
      ctx.send(p.to.id, { type: 'incr', key: p.key, likeId });
      ctx.setTimer(config.likeTimeoutMs, { kind: 'like-timeout', likeId, attempt: p.attempt });
    };

    /** Reads the celebrity's count straight from the shards (one request, or one per piece). */
    const viewFresh = (pick: number, atMs: number): void => {
      const ackedAtRead = auditor.celebrityAcked;
      if (strategy === 'replica-reads' && replicas[celebrityShard]!.length > 0) {
        const choices = replicas[celebrityShard]!;
        const to = choices[Math.min(choices.length - 1, Math.floor(pick * choices.length))]!;
        return get(to, [CELEBRITY], atMs, ([v]) => auditor.celebrityView(ctx.name, v ?? 0, ackedAtRead, atMs, 1, false));
      }
      let remaining = sources.length;
      let sum = 0;
      for (const source of sources) {
        get(primaries[source.shard]!, [source.key], atMs, ([v]) => {
          sum += v ?? 0;
          if (--remaining === 0) auditor.celebrityView(ctx.name, sum, ackedAtRead, atMs, sources.length, false);
        });
      }
    };

    const askPiece = (r: Refresh, j: number, atMs: number | null): void => {
      const source = sources[j]!;
      get(primaries[source.shard]!, [source.key], atMs, ([v]) => {
        if (refresh !== r || r.values[j] !== null) return;
        r.values[j] = v ?? 0;
        if (--r.remaining === 0) fill(r);
      });
    };

    const startRefresh = (atMs: number): void => {
      const r: Refresh = { id: ++refreshes, attempt: 1, startedAtMs: ctx.now, values: sources.map(() => null), remaining: sources.length, waiting: [atMs] };
      refresh = r;
      auditor.refreshStarted(ctx.name, ctx.self);
      for (let j = 0; j < sources.length; j++) askPiece(r, j, atMs);
      ctx.setTimer(config.refreshTimeoutMs, { kind: 'refresh-timeout', refresh: r.id, attempt: 1 });
    };

    const fill = (r: Refresh): void => {
      const count = r.values.reduce<number>((a, v) => a + (v ?? 0), 0);
      cache = { count, expiresAtMs: r.startedAtMs + config.cacheTtlMs };
      refresh = null;
      auditor.refreshEnded(ctx.name);
      const ackedAtRead = auditor.ackedAtRefresh(ctx.name);
      // The one refresh is charged to the first view; the views that waited for it cost nothing more.
      r.waiting.forEach((atMs, i) => {
        auditor.celebrityView(ctx.name, count, ackedAtRead, atMs, i === 0 ? sources.length : 0, i > 0);
      });
    };

    const onRefreshTimeout = (id: number, attempt: number): void => {
      const r = refresh;
      if (r === null || r.id !== id || r.attempt !== attempt) return;
      r.attempt++;
      r.values.forEach((v, j) => {
        if (v === null) askPiece(r, j, null);
      });
      ctx.setTimer(config.refreshTimeoutMs, { kind: 'refresh-timeout', refresh: r.id, attempt: r.attempt });
    };

    const viewCelebrity = (pick: number, atMs: number): void => {
      if (!cached) return viewFresh(pick, atMs);
      if (cache !== null && ctx.now < cache.expiresAtMs) {
        auditor.cacheServed(ctx.name, ctx.self);
        return auditor.celebrityView(ctx.name, cache.count, auditor.ackedAtRefresh(ctx.name), atMs, 0, true);
      }
      if (refresh !== null) return void refresh.waiting.push(atMs);
      startRefresh(atMs);
    };

    return {
      onMessage(_from, m) {
        switch (m.type) {
          case 'view':
            if (m.key === CELEBRITY) return viewCelebrity(m.pick, m.atMs);
            return get(primaries[config.shardOf(m.key)]!, [m.key], m.atMs, () => {});
          case 'like':
            return like(m.key, m.salt, m.likeId, m.atMs);
          case 'incremented': {
            const p = likes.get(m.likeId);
            if (p === undefined) return;
            likes.delete(m.likeId);
            return auditor.likeAcked(p.key.startsWith(CELEBRITY) ? CELEBRITY : p.key, p.atMs);
          }
          case 'values': {
            const then = continuations.get(m.rid);
            if (then === undefined) return;
            continuations.delete(m.rid);
            return then(m.values);
          }
          default:
            return;
        }
      },
      onTimer(t) {
        if (t.kind === 'like-timeout') onLikeTimeout(t.likeId, t.attempt);
        else onRefreshTimeout(t.refresh, t.attempt);
      },
    };
  };
}
