/**
 * A consumer instance: one process of the consuming service, a member of the group. It
 * processes what it polls one record at a time — each record pays a fixed overhead (a
 * database round trip) plus its own work — or, with batching, a whole poll at once for one
 * overhead. Offsets are auto-committed. An instance whose index is past the deployment's
 * replica count is on standby until the autoscaler raises the count and starts it. A
 * `slow-consumer` fault multiplies its processing time until the faults heal.
 */
import type { NodeContext, Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { Consumer, type ConsumerConfig } from '../parts/log/consumer.ts';
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

export interface InstanceConfig {
  layout: ClusterLayout;
  group: string;
  topic: string;
  index: number;
  deployment: Deployment;
  cost: ProcessingCost;
  consumer: Omit<ConsumerConfig, 'clientId' | 'group' | 'topics' | 'isolation' | 'autoCommit' | 'onState'>;
  board: LagBoard;
  /** When every fault heals (a slow-consumer fault ends then). */
  healAtMs: number;
}

type Timer = { app: 'done' } | { app: 'unslow' };
type Message = LogMessage | ScaleMessage;

export function consumerInstance(config: InstanceConfig): Spawn<Message> {
  return (ctx: NodeContext<Message>) => {
    const logCtx = ctx as unknown as NodeContext<LogMessage>;
    const { board, cost } = config;
    const metadata = new Metadata(logCtx, config.layout);
    let slow = 1;
    let busy = false;
    let working: { appendedMs: number }[] = [];
    let queue: { appendedMs: number }[] = [];
    /** The processing call in progress: its timer and when it ends. */
    let call = { timer: -1, endMs: 0 };

    const serviceMs = (records: number): number => (cost.overheadMs + records * cost.perRecordMs) * ctx.rng.uniform(0.5, 1.5) * slow;

    const loop = (): void => {
      if (busy) return;
      const records = consumer.poll();
      if (records.length === 0) return;
      busy = true;
      queue = records.map((r) => ({ appendedMs: r.appendedMs }));
      next();
    };
    const next = (): void => {
      working = cost.batching ? queue.splice(0) : queue.splice(0, 1);
      const ms = serviceMs(working.length);
      call = { timer: ctx.setTimer(ms, { app: 'done' } satisfies Timer), endMs: ctx.now + ms };
    };
    const consumer = new Consumer(
      logCtx,
      metadata,
      {
        ...config.consumer,
        clientId: ctx.name,
        group: config.group,
        topics: [config.topic],
        isolation: 'read-uncommitted',
        autoCommit: true,
        onState: (state) => board.state(ctx.name, state),
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
          return;
        }
        if (!metadata.onMessage(from, m)) consumer.onMessage(from, m);
      },
      onTimer(tag) {
        if (metadata.onTimer(tag) || consumer.onTimer(tag)) return;
        if ((tag as Timer).app === 'unslow') {
          // The slow dependency recovers: what is left of the call in progress runs at normal speed.
          if (busy && call.endMs > ctx.now) {
            ctx.cancelTimer(call.timer);
            const leftMs = (call.endMs - ctx.now) / slow;
            call = { timer: ctx.setTimer(leftMs, { app: 'done' } satisfies Timer), endMs: ctx.now + leftMs };
          }
          slow = 1;
          return;
        }
        board.finished(working.map((r) => r.appendedMs));
        if (queue.length > 0) return next();
        busy = false;
        loop();
      },
      onInject(fault) {
        if (fault.name !== 'slow-consumer') return;
        slow = Number(fault.args?.factor ?? 5);
        ctx.note(() => `${ctx.name} slows down: each record now takes ${slow} times as long (a slow dependency, a noisy neighbour)`, 'key');
        ctx.setTimer(Math.max(0, config.healAtMs - ctx.now), { app: 'unslow' } satisfies Timer);
      },
    };
  };
}
