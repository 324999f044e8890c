/**
 * The orders service: publishes each order's events (charge, then ship) to the `orders`
 * topic, keyed by order so an order's events stay in order. It is an at-least-once producer
 * (acks=all, retries, not idempotent): a lost acknowledgement (`lose-ack`) makes it write an
 * event twice. A `republish` fault makes it send its last few events again, as an outbox
 * relay does after it restarts without knowing what it had already sent.
 */
import type { NodeContext, Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import { keyHashPartitioner } from '../parts/log/partitioner.ts';
import { PRODUCER_DEFAULTS, Producer } from '../parts/log/producer.ts';
import type { OrderEvent } from './messages.ts';

export interface Publication {
  atMs: number;
  event: OrderEvent;
}

type Timer = { app: 'publish'; index: number };

export function ordersService(layout: ClusterLayout, publications: readonly Publication[]): Spawn<LogMessage> {
  return (ctx: NodeContext<LogMessage>) => {
    const metadata = new Metadata(ctx, layout);
    const producer = new Producer(ctx, metadata, { ...PRODUCER_DEFAULTS, clientId: 'orders', partitioner: keyHashPartitioner(), lingerMs: 2 });
    const published: OrderEvent[] = [];
    publications.forEach((p, index) => {
      ctx.setTimer(p.atMs, { app: 'publish', index } satisfies Timer);
    });
    const publish = (e: OrderEvent): void => {
      producer.send('orders', e.order, e);
    };
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (metadata.onTimer(tag) || producer.onTimer(tag)) return;
        const e = publications[(tag as Timer).index]!.event;
        published.push(e);
        publish(e);
      },
      onInject(fault) {
        if (fault.name === 'lose-ack') producer.loseNextAck();
        if (fault.name !== 'republish') return;
        const again = published.slice(-Number(fault.args?.count ?? 3));
        ctx.note(() => `orders-service's outbox relay restarts and sends its last ${again.length} event(s) again: ${again.map((e) => e.id).join(', ')}`, 'key');
        for (const e of again) publish(e);
      },
    };
  };
}
