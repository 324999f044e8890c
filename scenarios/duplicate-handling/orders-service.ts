/**
 * The orders service: publishes each order's events (charge, ship, sometimes refund) to the
 * `orders` topic, keyed by order so an order's events stay in order. It is an at-least-once
 * producer (acks=all, retries, not idempotent): a lost acknowledgement (`lose-ack`, or the
 * network's loss) makes it write an event twice. A `republish` fault makes it send its last
 * few events again, as an outbox relay does after it restarts without knowing what it had
 * already sent.
 *
 * Like an outbox relay it publishes in order: one timer for the next event due (on its own
 * clock), and every event due by then goes out in turn, so a stall delays events but never
 * reorders an order's charge, shipment and refund.
 */
import type { Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import { keyHashPartitioner } from '../parts/log/partitioner.ts';
import { PRODUCER_DEFAULTS, Producer } from '../parts/log/producer.ts';
import type { OrderEvent } from './messages.ts';

export interface Publication {
  atMs: number;
  event: OrderEvent;
}

type AppTimer = { owner: 'app'; kind: 'publish'; upTo: number };

export function ordersService(layout: ClusterLayout, publications: readonly Publication[]): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, layout);
    // linger.ms=0 (Kafka's default before 4.0): an event goes out at once, or with the next batch while one is in flight.
    const producer = new Producer(ctx, metadata, { clientId: 'orders', partitioner: keyHashPartitioner(), ...PRODUCER_DEFAULTS, lingerMs: 0 });
    const published: OrderEvent[] = [];
    let next = 0;
    const publish = (e: OrderEvent): void => {
      producer.send('orders', e.order, e);
    };
    /** Publishes every event due by now, in order, and waits for the next one. */
    const relay = (upTo = -1): void => {
      const now = ctx.now;
      // The timer for event `upTo` fired: it is due, whatever rounding the node's clock did.
      while (next < publications.length && (next <= upTo || publications[next]!.atMs <= now)) {
        const e = publications[next++]!.event;
        published.push(e);
        publish(e);
      }
      if (next < publications.length) ctx.setTimer(publications[next]!.atMs - now, { owner: 'app', kind: 'publish', upTo: next });
    };
    relay();
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) producer.onTimer(tag);
          return;
        }
        relay(tag.upTo);
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
