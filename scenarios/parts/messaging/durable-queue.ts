/**
 * DurableQueue: one queue of a message broker, kept on the broker's disk.
 *
 * - Messages are stored the moment they are enqueued (a publisher's confirm comes after) and
 *   survive a broker crash; so does each message's delivery and failure count.
 * - Delivery is in order, with at most `prefetch` unacknowledged messages out at once: the
 *   window is the first `prefetch` unfinished messages. With a prefetch of 1 the queue is
 *   strictly ordered, like a Kafka partition or a FIFO queue: a message that keeps failing
 *   holds back everything behind it until it is acknowledged or parked.
 * - A delivered message stays in the queue until acknowledged. One the consumer reports as
 *   failed (a nack) waits out a retry delay and is delivered again; after `maxDeliveries`
 *   failed attempts it is parked in the dead-letter queue (DLQ) and the window moves on.
 *   A delivery that simply goes unanswered (lost, or its consumer died) becomes deliverable
 *   again when its visibility timeout expires, without counting as a failure, so a consumer
 *   outage never dead-letters healthy messages.
 * - What is in flight and what is waiting to be retried is memory: after a broker restart
 *   every unfinished message in the window is delivered again (at least once).
 *
 * The queue decides; the broker node (broker.ts) owns the network and the timers.
 */
import { assert, type DurableStore } from '../../../engine/index.ts';

export type MessageState = 'ready' | 'acked' | 'parked';

export interface QueuedMessage<B = unknown> {
  /** The message's position in the queue: the delivery tag a consumer acknowledges. */
  tag: number;
  /** The publisher's message id (duplicates published twice share it). */
  id: string;
  body: B;
  enqueuedAtMs: number;
  /** Times delivered (failed, timed out or acknowledged). */
  deliveries: number;
  /** Times the consumer reported it failed. */
  failures: number;
  state: MessageState;
}

export interface QueuePolicy {
  /** Unacknowledged messages out at once; 1 keeps the queue strictly ordered. */
  prefetch: number;
  /** A message that failed this many times is parked in the dead-letter queue; `Infinity` never parks. */
  maxDeliveries: number;
}

export type NackOutcome = { kind: 'retry'; failures: number } | { kind: 'parked'; failures: number } | { kind: 'unknown' };

export class DurableQueue<B = unknown> {
  private readonly messages: QueuedMessage<B>[];
  private readonly dead: QueuedMessage<B>[];
  /** Index of the first unfinished message. */
  private head = 0;
  private unfinished = 0;
  /** Delivered and not yet acknowledged, failed or timed out (memory only). */
  private readonly outstanding = new Set<number>();
  /** Failed, waiting out the retry delay (memory only). */
  private readonly delayed = new Set<number>();

  constructor(
    durable: DurableStore,
    readonly name: string,
    readonly policy: QueuePolicy,
  ) {
    assert(Number.isInteger(policy.prefetch) && policy.prefetch >= 1, `queue ${name}: prefetch is a positive integer`);
    assert(policy.maxDeliveries >= 1, `queue ${name}: maxDeliveries is at least 1`);
    this.messages = durable.log<QueuedMessage<B>>(`queue:${name}`);
    this.dead = durable.log<QueuedMessage<B>>(`queue:${name}.dlq`);
    for (const m of this.messages) if (m.state === 'ready') this.unfinished++;
    this.advanceHead();
  }

  /** Stores a message at the tail. */
  enqueue(id: string, body: B, nowMs: number): QueuedMessage<B> {
    const m: QueuedMessage<B> = { tag: this.messages.length, id, body, enqueuedAtMs: nowMs, deliveries: 0, failures: 0, state: 'ready' };
    this.messages.push(m);
    this.unfinished++;
    return m;
  }

  /** The next message to deliver now, marked delivered; null when the window has none free. */
  take(): QueuedMessage<B> | null {
    let seen = 0;
    for (let i = this.head; i < this.messages.length && seen < this.policy.prefetch; i++) {
      const m = this.messages[i]!;
      if (m.state !== 'ready') continue;
      seen++;
      if (this.outstanding.has(m.tag) || this.delayed.has(m.tag)) continue;
      m.deliveries++;
      this.outstanding.add(m.tag);
      return m;
    }
    return null;
  }

  /** The consumer is done with the message. True if that finished it (false: unknown or already finished). */
  ack(tag: number): boolean {
    const m = this.messages[tag];
    if (m === undefined || m.state !== 'ready') return false;
    m.state = 'acked';
    this.finish(m);
    return true;
  }

  /** The consumer failed to process the message: retry it later, or park it if it has failed too often. */
  nack(tag: number): NackOutcome {
    const m = this.messages[tag];
    if (m === undefined || m.state !== 'ready' || !this.outstanding.has(tag)) return { kind: 'unknown' };
    m.failures++;
    this.outstanding.delete(tag);
    if (m.failures >= this.policy.maxDeliveries) {
      m.state = 'parked';
      this.dead.push(m);
      this.finish(m);
      return { kind: 'parked', failures: m.failures };
    }
    this.delayed.add(tag);
    return { kind: 'retry', failures: m.failures };
  }

  /** The visibility timeout of delivery number `delivery` expired: deliverable again if still unanswered. */
  expire(tag: number, delivery: number): boolean {
    const m = this.messages[tag];
    if (m === undefined || m.state !== 'ready' || m.deliveries !== delivery || !this.outstanding.has(tag)) return false;
    this.outstanding.delete(tag);
    return true;
  }

  /** A failed message's retry delay is over: deliverable again. */
  release(tag: number): boolean {
    return this.delayed.delete(tag);
  }

  /** Messages not yet acknowledged or parked (the backlog). */
  get depth(): number {
    return this.unfinished;
  }

  /** Messages parked in the dead-letter queue, in parking order. */
  get parked(): readonly QueuedMessage<B>[] {
    return this.dead;
  }

  /** Every message ever enqueued, in order. */
  get all(): readonly QueuedMessage<B>[] {
    return this.messages;
  }

  /** The oldest unfinished message, if any. */
  get oldest(): QueuedMessage<B> | undefined {
    return this.messages[this.head];
  }

  private finish(m: QueuedMessage<B>): void {
    this.outstanding.delete(m.tag);
    this.delayed.delete(m.tag);
    this.unfinished--;
    this.advanceHead();
  }

  private advanceHead(): void {
    while (this.head < this.messages.length && this.messages[this.head]!.state !== 'ready') this.head++;
  }
}
