/**
 * An event consumer: one member of the consumer group, applying each event it polls to the
 * downstream (reported to the order audit) after its processing time. Offsets are
 * auto-committed. A `slow-consumer` fault multiplies its processing time until the faults
 * heal: its partitions fall behind the others.
 */
import type { NodeContext, Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { type ConsumedRecord, Consumer, type ConsumerConfig } from '../parts/log/consumer.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import type { KeyedEvent, OrderAudit } from './order-audit.ts';

export interface EventConsumerConfig {
  layout: ClusterLayout;
  group: string;
  topic: string;
  serviceMs: number;
  audit: OrderAudit;
  healAtMs: number;
  consumer: Omit<ConsumerConfig, 'clientId' | 'group' | 'topics' | 'isolation' | 'autoCommit'>;
}

type Timer = { app: 'done' } | { app: 'unslow' };

export function eventConsumer(config: EventConsumerConfig): Spawn<LogMessage> {
  return (ctx: NodeContext<LogMessage>) => {
    const metadata = new Metadata(ctx, config.layout);
    let slow = 1;
    let busy = false;
    let queue: ConsumedRecord[] = [];
    /** The event being applied: its timer and when it ends. */
    let call = { timer: -1, endMs: 0 };
    const applyNext = (): void => {
      const ms = config.serviceMs * ctx.rng.uniform(0.5, 1.5) * slow;
      call = { timer: ctx.setTimer(ms, { app: 'done' } satisfies Timer), endMs: ctx.now + ms };
    };

    const loop = (): void => {
      if (busy) return;
      queue = consumer.poll();
      if (queue.length === 0) return;
      busy = true;
      applyNext();
    };
    const consumer = new Consumer(
      ctx,
      metadata,
      { ...config.consumer, clientId: ctx.name, group: config.group, topics: [config.topic], isolation: 'read-uncommitted', autoCommit: true },
      loop,
    );
    consumer.start();

    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) consumer.onMessage(from, m);
      },
      onTimer(tag) {
        if (metadata.onTimer(tag) || consumer.onTimer(tag)) return;
        if ((tag as Timer).app === 'unslow') {
          // The slowdown ends: what is left of the event in progress runs at normal speed.
          if (busy && call.endMs > ctx.now) {
            ctx.cancelTimer(call.timer);
            const leftMs = (call.endMs - ctx.now) / slow;
            call = { timer: ctx.setTimer(leftMs, { app: 'done' } satisfies Timer), endMs: ctx.now + leftMs };
          }
          slow = 1;
          return;
        }
        const r = queue.shift()!;
        config.audit.apply(r.value as KeyedEvent, ctx.self, ctx.name, r.tp);
        if (queue.length > 0) return applyNext();
        busy = false;
        loop();
      },
      onInject(fault) {
        if (fault.name !== 'slow-consumer') return;
        slow = Number(fault.args?.factor ?? 5);
        ctx.note(() => `${ctx.name} slows down ${slow} times: the partitions it owns fall behind`, 'key');
        ctx.setTimer(Math.max(0, config.healAtMs - ctx.now), { app: 'unslow' } satisfies Timer);
      },
    };
  };
}
