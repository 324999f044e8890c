/**
 * A queue broker node (RabbitMQ- or SQS-like, as opposed to broker.ts's Kafka-like
 * partitioned log): durable queues with publisher confirms, acknowledgements, redelivery
 * after a visibility timeout, retries with backoff after a failure, a maximum delivery count
 * and a dead-letter queue. The queue itself is durable-queue.ts.
 *
 * - Publish is a request (request-client.ts) whose body names a topic; the broker stores the
 *   message in every queue bound to the topic, then confirms. A publisher that hears no
 *   confirm publishes again, so a lost confirm makes a duplicate: the broker does not dedup.
 * - Each queue pushes to one consumer node: `deliver` messages, at most `prefetch` out at
 *   once. The consumer answers `ack` (done) or `nack` (failed). A nacked message is retried
 *   after a backoff with jitter; an unanswered one after the visibility timeout.
 * - Everything stored is on disk; after a restart the broker delivers every unfinished
 *   message again.
 */
import { assert, type DurableStore, type NodeContext, type NodeId, type Spawn, type TimerId } from '../../../engine/index.ts';
import { type Backoff, backoffDelayMs } from '../resilience/backoff.ts';
import { isRequest, type Reply, type Request, reply } from '../resilience/request-client.ts';
import { DurableQueue, type QueuedMessage } from './durable-queue.ts';

/** The body of a publish request. */
export interface Publish<B = unknown> {
  op: 'publish';
  topic: string;
  id: string;
  body: B;
}

/** The body of a publish confirm. */
export interface Published {
  op: 'published';
  id: string;
}

/** A message pushed to a consumer. */
export interface Delivery<B = unknown> {
  type: 'deliver';
  queue: string;
  tag: number;
  id: string;
  body: B;
  /** 1 for the first delivery, more for redeliveries. */
  attempt: number;
}

export interface Ack {
  type: 'ack';
  queue: string;
  tag: number;
}

export interface Nack {
  type: 'nack';
  queue: string;
  tag: number;
  reason: string;
}

export type QueueBrokerMessage = Request<Publish> | Reply<Published> | Delivery | Ack | Nack;

export interface QueueSpec {
  name: string;
  /** The node this queue pushes to. */
  consumer: NodeId;
  prefetch: number;
  /** An unanswered delivery is delivered again after this long. */
  visibilityTimeoutMs: number;
  /** Failures before the message is parked in `<name>.dlq`; `Infinity` retries forever. */
  maxDeliveries: number;
  /** The wait before a failed message is delivered again. */
  retryBackoff: Backoff;
}

export interface QueueBrokerConfig {
  queues: readonly QueueSpec[];
  /** topic -> the queues bound to it. */
  routes: Readonly<Record<string, readonly string[]>>;
}

type Timer = { kind: 'visibility'; queue: string; tag: number; delivery: number } | { kind: 'retry'; queue: string; tag: number };

/** Names of the broker's counters in `sim.metrics`. */
export const QUEUE_BROKER_COUNTERS = {
  deliveries: 'queue-broker.deliveries',
  redeliveries: 'queue-broker.redeliveries',
  parked: 'queue-broker.parked',
  published: 'queue-broker.published',
} as const;

/** The name of the gauge in `sim.metrics` that follows a queue's backlog (its `max` is the deepest it got). */
export const queueDepthGauge = (queue: string): string => `queue-broker.depth:${queue}`;

export function queueBroker(config: QueueBrokerConfig): Spawn<unknown> {
  for (const [topic, queues] of Object.entries(config.routes)) {
    for (const q of queues)
      assert(
        config.queues.some((s) => s.name === q),
        `topic ${topic} routes to a declared queue (${q})`,
      );
  }
  return (ctx: NodeContext<unknown>) => {
    const specs = new Map(config.queues.map((s) => [s.name, s]));
    const queues = new Map(config.queues.map((s) => [s.name, new DurableQueue(ctx.durable, s.name, s)]));
    const visibility = new Map<string, TimerId>();
    const counter = (name: string) => ctx.metrics.counter(name);
    const measure = (name: string): void => ctx.metrics.gauge(queueDepthGauge(name)).set(queues.get(name)!.depth);

    const deliver = (spec: QueueSpec, m: QueuedMessage): void => {
      ctx.send(spec.consumer, { type: 'deliver', queue: spec.name, tag: m.tag, id: m.id, body: m.body, attempt: m.deliveries } satisfies Delivery);
      counter(QUEUE_BROKER_COUNTERS.deliveries).inc();
      if (m.deliveries > 1) counter(QUEUE_BROKER_COUNTERS.redeliveries).inc();
      const timer = ctx.setTimer(spec.visibilityTimeoutMs, { kind: 'visibility', queue: spec.name, tag: m.tag, delivery: m.deliveries } satisfies Timer);
      visibility.set(`${spec.name}#${m.tag}`, timer);
    };

    /** Delivers whatever the queue's window lets out now. */
    const pump = (name: string): void => {
      const spec = specs.get(name)!;
      const queue = queues.get(name)!;
      for (let m = queue.take(); m !== null; m = queue.take()) deliver(spec, m);
    };

    /** The delivery was answered: its visibility timer is moot. */
    const answered = (name: string, tag: number): void => {
      const key = `${name}#${tag}`;
      const timer = visibility.get(key);
      if (timer !== undefined) ctx.cancelTimer(timer);
      visibility.delete(key);
    };

    const onPublish = (from: NodeId, request: Request<Publish>): void => {
      const { topic, id, body } = request.body;
      const bound = config.routes[topic] ?? [];
      for (const name of bound) {
        queues.get(name)!.enqueue(id, body, ctx.now);
        measure(name);
      }
      counter(QUEUE_BROKER_COUNTERS.published).inc();
      reply(ctx, from, request, { op: 'published', id } satisfies Published);
      for (const name of bound) pump(name);
    };

    const onAck = (m: Ack): void => {
      const queue = queues.get(m.queue);
      if (queue === undefined) return;
      answered(m.queue, m.tag);
      if (!queue.ack(m.tag)) return;
      measure(m.queue);
      pump(m.queue);
    };

    const onNack = (m: Nack): void => {
      const queue = queues.get(m.queue);
      if (queue === undefined) return;
      answered(m.queue, m.tag);
      const outcome = queue.nack(m.tag);
      const id = queue.all[m.tag]?.id;
      if (outcome.kind === 'parked') {
        counter(QUEUE_BROKER_COUNTERS.parked).inc();
        measure(m.queue);
        ctx.state('parked', `${m.queue}: ${id}`);
        ctx.note(
          () =>
            `broker parks ${id} in ${m.queue}.dlq after ${outcome.failures} failed deliveries (${m.reason}); the ${queue.depth} message(s) behind it flow again`,
          'key',
        );
        pump(m.queue);
      } else if (outcome.kind === 'retry') {
        const spec = specs.get(m.queue)!;
        const waitMs = backoffDelayMs(spec.retryBackoff, outcome.failures, ctx.rng);
        ctx.setTimer(waitMs, { kind: 'retry', queue: m.queue, tag: m.tag } satisfies Timer);
        ctx.note(() => `${id} failed on ${ctx.nameOf(spec.consumer)} (${m.reason}); retry ${outcome.failures} in ${Math.round(waitMs)} ms`);
        if (outcome.failures % 10 === 0 && spec.prefetch === 1 && !Number.isFinite(spec.maxDeliveries)) {
          ctx.note(
            () =>
              `${id} has failed ${outcome.failures} times and this queue never parks a message: ${queue.depth - 1} message${queue.depth === 2 ? '' : 's'} behind it wait${queue.depth === 2 ? 's' : ''}`,
            'warn',
          );
        }
      }
    };

    // A restarted broker has nothing in flight: every unfinished message in a window goes out again.
    for (const name of queues.keys()) pump(name);

    return {
      onMessage(from, msg) {
        if (isRequest(msg)) {
          if ((msg.body as Publish).op === 'publish') onPublish(from, msg as Request<Publish>);
          return;
        }
        const m = msg as Ack | Nack;
        if (m.type === 'ack') onAck(m);
        else if (m.type === 'nack') onNack(m);
      },
      onTimer(tag) {
        const t = tag as Timer;
        const queue = queues.get(t.queue);
        if (queue === undefined) return;
        if (t.kind === 'visibility') {
          visibility.delete(`${t.queue}#${t.tag}`);
          if (queue.expire(t.tag, t.delivery)) {
            ctx.note(() => `no answer for ${queue.all[t.tag]!.id} within ${specs.get(t.queue)!.visibilityTimeoutMs} ms: the broker will deliver it again`);
            pump(t.queue);
          }
        } else if (queue.release(t.tag)) pump(t.queue);
      },
    };
  };
}

/** Acknowledges a delivery: the consumer is done with it. */
export function ack(ctx: NodeContext<unknown>, broker: NodeId, d: Delivery): void {
  ctx.send(broker, { type: 'ack', queue: d.queue, tag: d.tag } satisfies Ack);
}

/** Reports a delivery failed: the broker retries it after a backoff, or parks it. */
export function nack(ctx: NodeContext<unknown>, broker: NodeId, d: Delivery, reason: string): void {
  ctx.send(broker, { type: 'nack', queue: d.queue, tag: d.tag, reason } satisfies Nack);
}

export function isDelivery(msg: unknown): msg is Delivery {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'deliver';
}

/** A queue as it is on a broker's disk, for checks and metrics from outside the node (read it, do not change it). */
export function queueOnDisk(durable: DurableStore, spec: Pick<QueueSpec, 'name' | 'prefetch' | 'maxDeliveries'>): DurableQueue {
  return new DurableQueue(durable, spec.name, spec);
}
