/**
 * A Redis-like cache node: a `CacheStore` served by one thread.
 *
 * - Single-threaded, like Redis: requests are served one at a time in arrival order, each
 *   command taking `serviceMs`. Offered load past 1 / serviceMs makes the queue, and every
 *   caller's wait, grow without bound: a hot cache node saturates.
 * - A request carries a pipeline of commands, run back to back with nothing in between
 *   (MULTI/EXEC); the reply lists their results and the server's run id, which changes at
 *   every restart (Redis's `run_id`), so a client can tell it is talking to an empty cache.
 * - Volatile by default: the keyspace lives in memory, so a crash loses every key, lease and
 *   queued request, and a restarted node starts empty (no persistence, as most caches run).
 *   With `persistence` it keeps Redis's append-only file on its disk (AppendOnlyFile):
 *   `aof-always` forces it before every reply, so a restart brings back every acknowledged
 *   write; `aof-everysec` forces it once a second, so a crash loses up to the last second.
 *   Leases and queued requests are lost either way. tests/fidelity/ compares what survives
 *   with what a real redis-server keeps after kill -9.
 * - Reached over TCP: a request the network duplicates reaches it once (`TcpReceiver`).
 * - Time is the node's own clock: expiry (PX, PXAT), leases and lock TTLs are judged by what
 *   the cache's clock reads, as Redis judges them by its host's clock, so a clock that jumps
 *   back or runs slow keeps keys alive longer, and one that jumps ahead expires them early.
 * - Faults of its own (inject): `flush` empties the keyspace at once (a FLUSHALL, a failover
 *   to an empty replica); `expire` with `{ key }` removes one key now (a hot key's TTL ends).
 */
import type { InjectFault, NodeId, Spawn } from '../../../engine/index.ts';
import { TcpReceiver } from '../storage/tcp-receiver.ts';
import { AppendOnlyFile, type CachePersistence, FSYNC_EVERY_MS } from './append-only-file.ts';
import { type CacheCommand, type CacheResult, CacheStore } from './cache-store.ts';

export interface CacheRequest {
  type: 'cache';
  id: number;
  cmds: CacheCommand[];
  /** Fire and forget (Redis's CLIENT REPLY OFF): no reply is sent. */
  noReply?: boolean;
}

export type CacheMessage = CacheRequest | CacheReply;

export interface CacheReply {
  type: 'cache-reply';
  id: number;
  results: CacheResult[];
  /** The incarnation of the cache process that answered; a new one means the cache restarted empty. */
  runId: number;
}

/** A key and value loaded before the first start (a cache that was warm when the story begins). */
export interface PreloadEntry {
  key: string;
  value: unknown;
  pxat?: number;
  bytes?: number;
}

/** Live numbers about the cache node, read by monitors and metrics (updated by the node). */
export class CacheNodeStats {
  /** Requests waiting or in service now. */
  queued = 0;
  queueMax = 0;
  /** Most keys the cache held at once (expired ones not yet reclaimed included). */
  keysMax = 0;
  commands = 0;
  restarts = 0;
  /** When the running incarnation started. */
  startedAt = 0;
  /** The store of the running incarnation (a new, empty one after every restart). */
  store: CacheStore | null = null;
}

export interface CacheNodeConfig {
  serviceMs: number;
  memoryBytesMax: number;
  stats: CacheNodeStats;
  /** Loaded into the first incarnation only: without persistence a restart is always cold. */
  preload?: readonly PreloadEntry[];
  /** What survives a crash (default 'none': nothing). */
  persistence?: CachePersistence;
  /**
   * Keyspace notifications for checkers: called after each command runs, with its result.
   * Nodes never see this; it is the all-seeing auditor's window on the cache.
   */
  observe?: (cmd: CacheCommand, result: CacheResult) => void;
}

interface Queued {
  from: NodeId;
  req: CacheRequest;
}

/** The command at the head of the queue has been served; or (aof-everysec) the once-a-second fsync is due. */
type CacheTimer = 'served' | 'fsync';

export function cacheNode(config: CacheNodeConfig): Spawn<CacheMessage, CacheTimer> {
  return (ctx) => {
    const persistence = config.persistence ?? 'none';
    const aof = persistence === 'none' ? null : new AppendOnlyFile(persistence, ctx.disk);
    const store = new CacheStore(config.memoryBytesMax, aof?.record);
    const stats = config.stats;
    stats.store = store;
    stats.queued = 0;
    stats.startedAt = ctx.now;
    if (ctx.incarnation === 0) {
      for (const p of config.preload ?? []) {
        store.execute(
          p.pxat === undefined
            ? { op: 'set', key: p.key, value: p.value, bytes: p.bytes }
            : { op: 'set', key: p.key, value: p.value, pxat: p.pxat, bytes: p.bytes },
          ctx.now,
        );
      }
      aof?.beforeReply();
    } else if (aof === null) {
      stats.restarts++;
      ctx.note(() => `${ctx.name} restarts empty: every key it held is gone, so every read misses until the cache fills again`, 'key');
    } else {
      stats.restarts++;
      aof.replayInto(store);
      ctx.note(() => `${ctx.name} restarts and reloads its append-only file: ${store.size} keys are back (${persistence})`, 'key');
    }
    if (persistence === 'aof-everysec') ctx.setTimer(FSYNC_EVERY_MS, 'fsync');
    ctx.state('up', `${store.size} keys`);

    const transport = new TcpReceiver(ctx);
    let queue: Queued[] = [];
    let head = 0;

    const startNext = (): void => {
      if (head < queue.length) ctx.setTimer(config.serviceMs * queue[head]!.req.cmds.length, 'served');
    };

    const serve = (): void => {
      const { from, req } = queue[head++]!;
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      stats.queued--;
      const results: CacheResult[] = [];
      for (const cmd of req.cmds) {
        const result = store.execute(cmd, ctx.now);
        stats.commands++;
        config.observe?.(cmd, result);
        results.push(result);
      }
      if (store.size > stats.keysMax) stats.keysMax = store.size;
      aof?.beforeReply();
      if (req.noReply !== true) ctx.send(from, { type: 'cache-reply', id: req.id, results, runId: ctx.incarnation });
      startNext();
    };

    const onInject = (fault: InjectFault): void => {
      if (fault.name === 'flush') {
        const lost = store.size;
        store.execute({ op: 'flushall' }, ctx.now);
        ctx.note(() => `${ctx.name} loses all ${lost} keys at once (FLUSHALL): every read is a miss now`, 'key');
      } else if (fault.name === 'expire') {
        const key = String(fault.args?.key ?? '');
        store.execute({ op: 'del', key }, ctx.now);
        ctx.note(() => `${key} expires on ${ctx.name} now`, 'key');
      }
    };

    return {
      onMessage(from, req) {
        if (req.type !== 'cache' || !transport.firstDelivery()) return;
        queue.push({ from, req });
        stats.queued++;
        if (stats.queued > stats.queueMax) stats.queueMax = stats.queued;
        if (stats.queued === 1) startNext();
      },
      onTimer(tag) {
        if (tag === 'served') return serve();
        aof?.fsync();
        ctx.setTimer(FSYNC_EVERY_MS, 'fsync');
      },
      onInject,
    };
  };
}
