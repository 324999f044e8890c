/**
 * A queue broker node (RabbitMQ- or SQS-like, as opposed to the Kafka-like partitioned log of
 * parts/log): durable queues with publisher confirms, acknowledgements, redelivery after a
 * visibility timeout, retries with backoff after a failure, a maximum delivery count and a
 * dead-letter queue. The queue itself is durable-queue.ts.
 *
 * - Publish is a request (request-client.ts) whose body names a topic; the broker writes the
 *   message to every queue bound to the topic, forces its disk, then confirms — a confirmed
 *   message survives any crash. A publisher that hears no confirm publishes again, so a lost
 *   confirm makes a duplicate: the broker does not dedup.
 * - Each queue pushes to one consumer node (by name): `deliver` messages, at most `prefetch`
 *   out at once. The consumer answers `ack` (done) or `nack` (failed), naming the delivery. A
 *   nacked message is retried after a backoff with jitter; an unanswered one after the
 *   visibility timeout (both on the broker's own clock).
 * - Acknowledgements and failure counts are written to disk and forced lazily, with the next
 *   publish or parking: a crash may forget an ack, and the message comes again (at least
 *   once). A parked message is forced before the queue moves past it.
 * - After a restart the broker delivers every unfinished message again.
 */
import { assert, type DurableStore, type NodeContext, type NodeId, type Spawn, type TimerId } from '../../../engine/index.ts';
import { type Backoff, backoffDelayMs } from '../resilience/backoff.ts';
import { type Reply, type Request, reply } from '../resilience/request-client.ts';
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
  /** The delivery acknowledged (its `attempt`). */
  attempt: number;
}

export interface Nack {
  type: 'nack';
  queue: string;
  tag: number;
  /** The delivery that failed (its `attempt`): a late report about an older one changes nothing. */
  attempt: number;
  reason: string;
}

/** Everything that flows between publishers, the broker and consumers. */
export type QueueBrokerMessage<B = unknown> = Request<Publish<B>> | Reply<Published> | Delivery<B> | Ack | Nack;

/** The messages a consumer node exchanges with the broker. */
export type ConsumerMessage<B = unknown> = Delivery<B> | Ack | Nack;

export interface QueueSpec {
  name: string;
  /** The node this queue pushes to, by name. */
  consumer: string;
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

export type QueueBrokerTimer = { kind: 'visibility'; queue: string; tag: number; delivery: number } | { kind: 'retry'; queue: string; tag: number };

/** What a scenario may watch of the broker (dashboards and metrics, never the protocol). */
export interface QueueBrokerObserver {
  /** A message was pushed to its consumer; `redelivery` when it had been delivered before. */
  onDelivered?(queue: string, id: string, redelivery: boolean, tag: number): void;
  /** A message was parked in the queue's dead-letter queue. */
  onParked?(queue: string, id: string): void;
  /** The queue's backlog (messages neither acknowledged nor parked) changed. */
  onDepth?(queue: string, depth: number): void;
  /** A publish was forced and confirmed: message `id` is at `tag` of `queue` (one call per bound queue). */
  onConfirmed?(queue: string, tag: number, id: string): void;
  /** The broker restarted with these queues, as it recovered them from its disk (read them, do not change them). */
  onRecovered?(queues: ReadonlyMap<string, DurableQueue>): void;
}

/** One observer that tells each of `observers` everything, in order. */
export function observeAll(...observers: QueueBrokerObserver[]): QueueBrokerObserver {
  return {
    onDelivered: (queue, id, redelivery, tag) => {
      for (const o of observers) o.onDelivered?.(queue, id, redelivery, tag);
    },
    onParked: (queue, id) => {
      for (const o of observers) o.onParked?.(queue, id);
    },
    onDepth: (queue, depth) => {
      for (const o of observers) o.onDepth?.(queue, depth);
    },
    onConfirmed: (queue, tag, id) => {
      for (const o of observers) o.onConfirmed?.(queue, tag, id);
    },
    onRecovered: (queues) => {
      for (const o of observers) o.onRecovered?.(queues);
    },
  };
}

export function queueBroker(config: QueueBrokerConfig, observer: QueueBrokerObserver = {}): Spawn<QueueBrokerMessage, QueueBrokerTimer> {
  for (const [topic, queues] of Object.entries(config.routes)) {
    for (const q of queues)
      assert(
        config.queues.some((s) => s.name === q),
        `topic ${topic} routes to a declared queue (${q})`,
      );
  }
  return (ctx) => {
    const specs = new Map(config.queues.map((s) => [s.name, s]));
    const consumers = new Map(config.queues.map((s) => [s.name, ctx.lookup(s.consumer)]));
    const queues = new Map(config.queues.map((s) => [s.name, new DurableQueue(ctx.disk, s.name, s)]));
    /** Each queue's visibility timers, by delivery tag (tags are the queue's positions: an array, -1 for none). */
    const visibility = new Map(config.queues.map((s) => [s.name, [] as TimerId[]]));
    const measure = (name: string): void => observer.onDepth?.(name, queues.get(name)!.depth);

    const deliver = (spec: QueueSpec, queue: DurableQueue, m: QueuedMessage): void => {
      const attempt = queue.deliveriesOf(m.tag);
      ctx.send(consumers.get(spec.name)!, { type: 'deliver', queue: spec.name, tag: m.tag, id: m.id, body: m.body, attempt });
      observer.onDelivered?.(spec.name, m.id, attempt > 1 || m.failures > 0, m.tag);
      const timer = ctx.setTimer(spec.visibilityTimeoutMs, { kind: 'visibility', queue: spec.name, tag: m.tag, delivery: attempt });
      visibility.get(spec.name)![m.tag] = timer;
    };

    /** Delivers whatever the queue's window lets out now. */
    const pump = (name: string): void => {
      const spec = specs.get(name)!;
      const queue = queues.get(name)!;
      for (let m = queue.take(); m !== null; m = queue.take()) deliver(spec, queue, m);
    };

    /** The delivery was answered: its visibility timer is moot. */
    const answered = (name: string, tag: number): void => {
      const timers = visibility.get(name)!;
      const timer = timers[tag];
      if (timer === undefined || timer < 0) return;
      ctx.cancelTimer(timer);
      timers[tag] = -1;
    };

    const onPublish = (from: NodeId, request: Request<Publish>): void => {
      const { topic, id, body } = request.body;
      const bound = config.routes[topic] ?? [];
      const tags = bound.map((name) => {
        const m = queues.get(name)!.enqueue(id, body, ctx.now);
        measure(name);
        return m.tag;
      });
      // A confirm promises the message survives a crash: it is forced first.
      ctx.disk.force();
      if (observer.onConfirmed !== undefined) for (let i = 0; i < bound.length; i++) observer.onConfirmed(bound[i]!, tags[i]!, id);
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
      const outcome = queue.nack(m.tag, m.attempt);
      if (outcome.kind === 'unknown') return;
      answered(m.queue, m.tag);
      const id = queue.at(m.tag)?.id ?? '?';
      if (outcome.kind === 'parked') {
        // The parking is forced before the queue moves past the message.
        ctx.disk.force();
        observer.onParked?.(m.queue, id);
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
        ctx.setTimer(waitMs, { kind: 'retry', queue: m.queue, tag: m.tag });
        ctx.note(() => `${id} failed on ${spec.consumer} (${m.reason}); retry ${outcome.failures} in ${Math.round(waitMs)} ms`);
        if (outcome.failures % 10 === 0 && spec.prefetch === 1 && !Number.isFinite(spec.maxDeliveries)) {
          ctx.note(
            () =>
              `${id} has failed ${outcome.failures} times and this queue never parks a message: ${queue.depth - 1} message${queue.depth === 2 ? '' : 's'} behind it wait${queue.depth === 2 ? 's' : ''}`,
            'warn',
          );
        }
      }
    };

    if (ctx.incarnation > 0) observer.onRecovered?.(queues);
    // A restarted broker has nothing in flight: every unfinished message in a window goes out again.
    for (const name of queues.keys()) pump(name);

    return {
      onMessage(from, m) {
        switch (m.type) {
          case 'request':
            if (m.body.op === 'publish') onPublish(from, m);
            return;
          case 'ack':
            return onAck(m);
          case 'nack':
            return onNack(m);
          default:
            return;
        }
      },
      onTimer(t) {
        const queue = queues.get(t.queue);
        if (queue === undefined) return;
        if (t.kind === 'visibility') {
          const timers = visibility.get(t.queue)!;
          if (timers[t.tag] !== undefined) timers[t.tag] = -1;
          if (queue.expire(t.tag, t.delivery)) {
            ctx.note(() => `no answer for ${queue.at(t.tag)!.id} within ${specs.get(t.queue)!.visibilityTimeoutMs} ms: the broker will deliver it again`);
            pump(t.queue);
          }
        } else if (queue.release(t.tag)) pump(t.queue);
      },
    };
  };
}

/** What a consumer needs of its node to answer the broker. */
// biome-ignore lint/suspicious/noExplicitAny: a node of any protocol whose messages include acks and nacks.
type AnswerContext = NodeContext<any, any>;

/** Acknowledges a delivery: the consumer is done with it. */
export function ack(ctx: AnswerContext, broker: NodeId | string, d: Delivery): void {
  ctx.send(broker, { type: 'ack', queue: d.queue, tag: d.tag, attempt: d.attempt } satisfies Ack);
}

/** Reports a delivery failed: the broker retries it after a backoff, or parks it. */
export function nack(ctx: AnswerContext, broker: NodeId | string, d: Delivery, reason: string): void {
  ctx.send(broker, { type: 'nack', queue: d.queue, tag: d.tag, attempt: d.attempt, reason } satisfies Nack);
}

export function isDelivery(msg: unknown): msg is Delivery {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'deliver';
}

/** A queue as it is on a broker's disk, for checks and metrics from outside the node (read it, do not change it). */
export function queueOnDisk(durable: DurableStore, spec: Pick<QueueSpec, 'name' | 'prefetch' | 'maxDeliveries'>): DurableQueue {
  return new DurableQueue(durable, spec.name, spec);
}
