/**
 * The shard nodes: each shard is a primary that takes every like of its posts and replicates
 * it asynchronously to its replicas, which serve reads a little behind. Every node serves one
 * request at a time (a ServiceQueue of capacity 1000/serviceMs per second) and shows itself
 * overloaded while its real queue is past the backlog limit.
 *
 * A like is counted once however often it is retried: the primary keeps the ids of the likes
 * it has counted, written in the same forced log entry as the count, and acknowledges a
 * repeat without counting it again. Counters keep the LSN of the last like they counted, so
 * replaying the log after a crash never counts a like twice either.
 */
import type { DurableMap, NodeId, Spawn } from '../../engine/index.ts';
import { Primary, type PrimaryTimer } from '../parts/replication/primary.ts';
import { Replica, type ReplicaTimer } from '../parts/replication/replica.ts';
import type { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { type LogEntry, ReplicationLog } from '../parts/replication/replication-log.ts';
import { OverloadWatch } from '../parts/storage/overload-watch.ts';
import { ServiceQueue, type ServiceQueueTimer } from '../parts/storage/service-queue.ts';
import type { HotspotMessage, Increment } from './messages.ts';

export interface StoreConfig {
  serviceMs: number;
  backlogMax: number;
  /** Requests beyond this many queued are refused (the accept queue is full). */
  queueMax: number;
  /** Lets the charts read each node's real queue. */
  expose: (name: string, queue: ServiceQueue<unknown>) => void;
  /** Told the backlog each time a request joins a queue (for the peak backlog metric). */
  onBacklog: (backlog: number) => void;
}

/** A like counter on disk: how many likes, and the log position of the last one counted. */
export interface Counter {
  count: number;
  lsn: number;
}

/** The counters' table and the log's name on every shard node's disk. */
export const COUNTERS = 'counters';
const LOG = 'repl';

type Job = { from: NodeId; msg: Extract<HotspotMessage, { type: 'get' | 'incr' }> };

/** Counts a logged like on a counter, unless the counter already counted it (a replay). */
function countLike(counters: DurableMap<Counter>, e: LogEntry<Increment>): void {
  const row = counters.get(e.op.key);
  if (row !== undefined && row.lsn >= e.lsn) return;
  counters.set(e.op.key, { count: (row?.count ?? 0) + 1, lsn: e.lsn });
}

interface RequestQueue {
  offer(job: Job): void;
  onTimer(tag: unknown): boolean;
}

/** A shard node's request queue, showing the node overloaded while it is past the backlog limit. */
function requestQueue(ctx: Parameters<Spawn<HotspotMessage>>[0], config: StoreConfig, serve: (job: Job) => void): RequestQueue {
  const watch = new OverloadWatch(config.backlogMax, {
    enter: (backlog) => ctx.state('overloaded', `${backlog} queued`),
    leave: () => ctx.state('serving'),
  });
  const queue = new ServiceQueue<Job>(ctx, (job) => {
    serve(job);
    watch.update(queue.backlog);
  });
  config.expose(ctx.name, queue as ServiceQueue<unknown>);
  return {
    offer(job) {
      // A full accept queue sheds the request: the caller's timeout and retry deal with it.
      if (queue.backlog >= config.queueMax) return;
      queue.enqueue(job, config.serviceMs);
      watch.update(queue.backlog);
      config.onBacklog(queue.backlog);
    },
    onTimer: (tag) => queue.onTimer(tag),
  };
}

export function shardPrimary(config: StoreConfig, replicas: readonly string[]): Spawn<HotspotMessage, ServiceQueueTimer | PrimaryTimer> {
  return (ctx) => {
    const counters = ctx.disk.map<Counter>(COUNTERS);
    /** Ids of the likes counted here (with the log position that counted them). */
    const counted = ctx.disk.map<number>('counted-likes');
    const primary = new Primary<Increment>(ctx, {
      log: new ReplicationLog<Increment>(ctx.disk, LOG),
      epoch: 1,
      replicas: replicas.map((name) => ctx.lookup(name)),
      mode: 'async',
      syncAcks: 0,
      resendMs: 250,
      batchMax: 64,
      apply: (e) => {
        counted.set(e.op.likeId, e.lsn);
        countLike(counters, e);
      },
    });
    const queue = requestQueue(ctx, config, ({ from, msg }) => {
      if (msg.type === 'get') return ctx.send(from, { type: 'values', rid: msg.rid, values: msg.keys.map((k) => counters.get(k)?.count ?? 0) });
      if (counted.has(msg.likeId)) return ctx.send(from, { type: 'incremented', likeId: msg.likeId });
      primary.write({ key: msg.key, likeId: msg.likeId }, () => ctx.send(from, { type: 'incremented', likeId: msg.likeId }));
    });
    return {
      onMessage(from, m) {
        if (m.type === 'get' || m.type === 'incr') return queue.offer({ from, msg: m });
        primary.onMessage(from, m);
      },
      onTimer(tag) {
        if (!queue.onTimer(tag)) primary.onTimer(tag);
      },
    };
  };
}

export function shardReplica(config: StoreConfig, lag: ReplicationLag): Spawn<HotspotMessage, ServiceQueueTimer | ReplicaTimer> {
  return (ctx) => {
    const counters = ctx.disk.map<Counter>(COUNTERS);
    const replica = new Replica<Increment>(ctx, {
      log: new ReplicationLog<Increment>(ctx.disk, LOG),
      lag,
      apply: (e) => countLike(counters, e),
      reset: () => {
        for (const key of [...counters.keys()]) counters.delete(key);
      },
    });
    const queue = requestQueue(ctx, config, ({ from, msg }) => {
      if (msg.type === 'get') ctx.send(from, { type: 'values', rid: msg.rid, values: msg.keys.map((k) => counters.get(k)?.count ?? 0) });
    });
    return {
      onMessage(from, m) {
        if (m.type === 'get') return queue.offer({ from, msg: m });
        replica.onMessage(from, m);
      },
      onTimer(tag) {
        if (!queue.onTimer(tag)) replica.onTimer(tag);
      },
    };
  };
}
