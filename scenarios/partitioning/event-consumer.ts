/**
 * An event consumer: one member of the consumer group, applying each event it polls to the
 * downstream (reported to the order audit) after its processing time. Offsets are
 * auto-committed. A `slow-consumer` fault multiplies its processing time until the faults
 * heal (a slow dependency outside the node: the scenario ends it at the heal): its
 * partitions fall behind the others.
 */
import type { Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { type ConsumedRecord, Consumer, type ConsumerConfig } from '../parts/log/consumer.ts';
import type { GroupOwnership } from '../parts/log/group-ownership.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import type { KeyedEvent, OrderAudit } from './order-audit.ts';

export interface EventConsumerConfig {
  layout: ClusterLayout;
  group: string;
  topic: string;
  serviceMs: number;
  audit: OrderAudit;
  ownership: GroupOwnership;
  /** How much slower each consumer's dependency is now, set by `slow-consumer` faults, cleared at the heal. */
  slowdowns: Map<string, number>;
  consumer: Omit<ConsumerConfig, 'clientId' | 'group' | 'topics' | 'isolation' | 'autoCommit' | 'onAssigned'>;
}

type AppTimer = { owner: 'app'; kind: 'done' };

/** An event applied (one tag for every timer: it carries nothing of its own). */
const DONE: AppTimer = { owner: 'app', kind: 'done' };

export function eventConsumer(config: EventConsumerConfig): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, config.layout);
    let busy = false;
    let queue: ConsumedRecord<KeyedEvent>[] = [];
    const applyNext = (): void => {
      ctx.setTimer(config.serviceMs * ctx.rng.uniform(0.5, 1.5) * (config.slowdowns.get(ctx.name) ?? 1), DONE);
    };

    const loop = (): void => {
      if (busy) return;
      queue = consumer.poll();
      if (queue.length === 0) return;
      busy = true;
      applyNext();
    };
    const consumer = new Consumer<KeyedEvent>(
      ctx,
      metadata,
      {
        clientId: ctx.name,
        group: config.group,
        topics: [config.topic],
        isolation: 'read-uncommitted',
        autoCommit: true,
        onAssigned: (memberId, generation, tps) => config.ownership.assigned(ctx.name, memberId, generation, tps),
        ...config.consumer,
      },
      loop,
    );
    consumer.start();

    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) consumer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) consumer.onTimer(tag);
          return;
        }
        const r = queue.shift()!;
        config.audit.apply(r.value, ctx.name, r.tp);
        config.ownership.applied(ctx.name, r.tp);
        if (queue.length > 0) return applyNext();
        busy = false;
        loop();
      },
      onInject(fault) {
        if (fault.name !== 'slow-consumer') return;
        const slow = Number(fault.args?.factor ?? 5);
        config.slowdowns.set(ctx.name, slow);
        ctx.note(() => `${ctx.name} slows down ${slow} times: the partitions it owns fall behind`, 'key');
      },
    };
  };
}
