/**
 * The shard nodes: each shard is a primary that takes every write to its counters and
 * replicates them asynchronously to its replicas, which serve reads a little behind. Every
 * node serves one request at a time (a ServiceQueue of capacity 1000/serviceMs per second);
 * a node whose queue passes the backlog limit is overloaded: the load offered to it is more
 * than it can serve.
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { Primary } from '../parts/replication/primary.ts';
import { Replica } from '../parts/replication/replica.ts';
import type { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { type LogEntry, ReplicationLog } from '../parts/replication/replication-log.ts';
import type { ReplicationMessage } from '../parts/replication/replication-messages.ts';
import { durableMap } from '../parts/storage/durable-map.ts';
import { OverloadWatch } from '../parts/storage/overload-watch.ts';
import { ServiceQueue } from '../parts/storage/service-queue.ts';
import type { HotKeyAuditor } from './hot-key-auditor.ts';
import type { HotspotMessage, Increment } from './messages.ts';

export interface StoreConfig {
  serviceMs: number;
  backlogMax: number;
  auditor: HotKeyAuditor;
  /** Counts the requests offered to each node, for the load chart. */
  offered: Map<string, number>;
  /** Lets the charts read the node's queue. */
  expose: (name: string, queue: ServiceQueue<unknown>) => void;
}

type Job = { from: NodeId; msg: Extract<HotspotMessage, { type: 'get' | 'incr' }> };

/** The request queue of a shard node, reporting overload to the auditor. */
function requestQueue(
  ctx: NodeContext<HotspotMessage>,
  config: StoreConfig,
  serve: (job: Job) => void,
): { offer: (job: Job) => void; queue: ServiceQueue<Job> } {
  const watch = new OverloadWatch(config.backlogMax, {
    enter: (backlog) => {
      ctx.state('overloaded', `${backlog} queued`);
      config.auditor.overloaded(ctx.self, backlog, config.backlogMax, config.serviceMs);
    },
    leave: () => ctx.state('serving'),
  });
  const queue = new ServiceQueue<Job>(ctx, (job) => {
    serve(job);
    watch.update(queue.backlog);
  });
  config.expose(ctx.name, queue as ServiceQueue<unknown>);
  const offer = (job: Job): void => {
    config.offered.set(ctx.name, (config.offered.get(ctx.name) ?? 0) + 1);
    queue.enqueue(job, config.serviceMs);
    watch.update(queue.backlog);
  };
  return { offer, queue };
}

const LOG = 'repl';

export function shardPrimary(config: StoreConfig, replicas: readonly NodeId[]): Spawn<HotspotMessage> {
  return (ctx: NodeContext<HotspotMessage>) => {
    const counters = durableMap<number>(ctx.durable, 'counters');
    const apply = (e: LogEntry<Increment>): void => void counters.set(e.op.key, (counters.get(e.op.key) ?? 0) + 1);
    const primary = new Primary<Increment>(ctx as unknown as NodeContext<ReplicationMessage<Increment>>, {
      log: new ReplicationLog<Increment>(ctx.durable, LOG),
      epoch: 1,
      replicas,
      mode: 'async',
      syncAcks: 0,
      resendMs: 250,
      batchMax: 64,
      apply,
    });
    const { offer, queue } = requestQueue(ctx, config, ({ from, msg }) => {
      if (msg.type === 'get') return ctx.send(from, { type: 'values', rid: msg.rid, values: msg.keys.map((k) => counters.get(k) ?? 0) });
      primary.write({ key: msg.key }, () => ctx.send(from, { type: 'incremented', rid: msg.rid }));
    });
    return {
      onMessage(from, m) {
        if (m.type === 'get' || m.type === 'incr') return offer({ from, msg: m });
        primary.onMessage(from, m as ReplicationMessage<Increment>);
      },
      onTimer(tag) {
        if (!queue.onTimer(tag)) primary.onTimer(tag);
      },
    };
  };
}

export function shardReplica(config: StoreConfig, lag: ReplicationLag): Spawn<HotspotMessage> {
  return (ctx: NodeContext<HotspotMessage>) => {
    const counters = durableMap<number>(ctx.durable, 'counters');
    const replica = new Replica<Increment>(ctx as unknown as NodeContext<ReplicationMessage<Increment>>, {
      log: new ReplicationLog<Increment>(ctx.durable, LOG),
      lag,
      apply: (e) => void counters.set(e.op.key, (counters.get(e.op.key) ?? 0) + 1),
      reset: () => counters.clear(),
    });
    const { offer, queue } = requestQueue(ctx, config, ({ from, msg }) => {
      if (msg.type === 'get') ctx.send(from, { type: 'values', rid: msg.rid, values: msg.keys.map((k) => counters.get(k) ?? 0) });
    });
    return {
      onMessage(from, m) {
        if (m.type === 'get') return offer({ from, msg: m });
        replica.onMessage(from, m as ReplicationMessage<Increment>);
      },
      onTimer(tag) {
        if (!queue.onTimer(tag)) replica.onTimer(tag);
      },
    };
  };
}
