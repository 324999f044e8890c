/**
 * A consumer instance: one process of the consuming service, a member of the group. It
 * processes what it polls one record at a time — each record pays a fixed overhead (a
 * database round trip) plus its own work — or, with batching, a whole poll at once for one
 * overhead. Offsets are auto-committed. An instance whose index is past the deployment's
 * replica count is on standby until the autoscaler raises the count and starts it. A
 * `slow-consumer` fault multiplies its processing time until the faults heal (its slow
 * dependency is outside the node: the scenario ends the slowdown at the heal).
 */
import type { Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { type ConsumedRecord, Consumer, type ConsumerConfig } from '../parts/log/consumer.ts';
import type { GroupOwnership } from '../parts/log/group-ownership.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import type { Deployment } from './deployment.ts';
import type { LagBoard } from './lag-board.ts';
import type { ScaleMessage } from './messages.ts';

export interface ProcessingCost {
  /** Per call: a round trip to the database. */
  overheadMs: number;
  /** Per record. */
  perRecordMs: number;
  /** Process a whole poll in one call. */
  batching: boolean;
}

/** What the traffic source publishes: the user, and the event's number (for the board's latency figures). */
export interface TrafficEvent {
  user: number;
  n: number;
}

/** How much slower each instance's dependency is now (1: normal), set by `slow-consumer` faults, cleared at the heal. */
export type Slowdowns = Map<string, number>;

export interface InstanceConfig {
  layout: ClusterLayout;
  group: string;
  topic: string;
  index: number;
  deployment: Deployment;
  cost: ProcessingCost;
  consumer: Omit<ConsumerConfig, 'clientId' | 'group' | 'topics' | 'isolation' | 'autoCommit' | 'onState' | 'onAssigned'>;
  board: LagBoard;
  ownership: GroupOwnership;
  slowdowns: Slowdowns;
}

type AppTimer = { owner: 'app'; kind: 'done' };

/** A record (or a batch) processed (one tag for every timer: it carries nothing of its own). */
const DONE: AppTimer = { owner: 'app', kind: 'done' };

export function consumerInstance(config: InstanceConfig): Spawn<LogMessage | ScaleMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const { board, cost } = config;
    const metadata = new Metadata(ctx, config.layout);
    let busy = false;
    /** The records of the last poll; those in [from, to) are being processed. */
    let queue: readonly ConsumedRecord<TrafficEvent>[] = [];
    let from = 0;
    let to = 0;

    const serviceMs = (records: number): number =>
      (cost.overheadMs + records * cost.perRecordMs) * ctx.rng.uniform(0.5, 1.5) * (config.slowdowns.get(ctx.name) ?? 1);

    const loop = (): void => {
      if (busy) return;
      const records = consumer.poll();
      if (records.length === 0) return;
      busy = true;
      queue = records;
      from = 0;
      to = 0;
      next();
    };
    /** Starts on the next record (or, batching, on all of them): indices into the poll, no array spliced per record. */
    const next = (): void => {
      from = to;
      to = cost.batching ? queue.length : from + 1;
      ctx.setTimer(serviceMs(to - from), DONE);
    };
    const consumer = new Consumer<TrafficEvent>(
      ctx,
      metadata,
      {
        clientId: ctx.name,
        group: config.group,
        topics: [config.topic],
        isolation: 'read-uncommitted',
        autoCommit: true,
        onState: (state) => board.state(ctx.name, state),
        onAssigned: (memberId, generation, tps) => config.ownership.assigned(ctx.name, memberId, generation, tps),
        ...config.consumer,
      },
      loop,
    );

    let started = false;
    const start = (): void => {
      started = true;
      consumer.start();
    };
    if (config.index < config.deployment.replicas) start();
    else {
      ctx.state('standby');
      board.state(ctx.name, 'standby');
    }

    return {
      onMessage(from, m) {
        if (m.type === 'start') {
          if (!started) start();
          ctx.send(from, { type: 'started' });
          return;
        }
        if (m.type === 'started') return;
        if (!metadata.onMessage(from, m)) consumer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) consumer.onTimer(tag);
          return;
        }
        board.finished(queue, from, to);
        for (let i = from; i < to; i++) config.ownership.applied(ctx.name, queue[i]!.tp);
        if (to < queue.length) return next();
        busy = false;
        loop();
      },
      onInject(fault) {
        if (fault.name !== 'slow-consumer') return;
        const slow = Number(fault.args?.factor ?? 5);
        config.slowdowns.set(ctx.name, slow);
        ctx.note(() => `${ctx.name} slows down: each record now takes ${slow} times as long (a slow dependency, a noisy neighbour)`, 'key');
      },
    };
  };
}
