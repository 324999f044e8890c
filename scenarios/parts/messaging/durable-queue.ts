/**
 * DurableQueue: one queue of a message broker, kept on the broker's disk.
 *
 * - Messages are written to the queue's log the moment they are enqueued; like every write to
 *   a node's disk they are durable once the broker forces it, which a broker does before it
 *   confirms a publish (RabbitMQ's publisher confirms of persistent messages, SQS's reply).
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
 * - An acknowledgement, a failure count and a parking are written to the log in place
 *   (record replaced whole), durable once forced: a broker that crashes before forcing an
 *   acknowledgement delivers the message again (at least once). What is in flight and what
 *   waits to be retried is memory: after a restart every unfinished message in the window is
 *   delivered again.
 *
 * The queue decides; the broker node (queue-broker.ts) owns the network, the timers and the
 * forcing.
 */
import { assert, type DurableLog, type DurableStore } from '../../../engine/index.ts';
import { spelledOnce } from '../workload/numbered-names.ts';

export type MessageState = 'ready' | 'acked' | 'parked';

// Where a message is between deliveries (DurableQueue.held).
const FREE = 0;
const OUTSTANDING = 1;
const DELAYED = 2;

/** A message as the queue's log holds it. Records are replaced whole, never changed in place. */
export interface QueuedMessage<B = unknown> {
  /** The message's position in the queue: the delivery tag a consumer acknowledges. */
  readonly tag: number;
  /** The publisher's message id (duplicates published twice share it). */
  readonly id: string;
  readonly body: B;
  readonly enqueuedAtMs: number;
  /** Times the consumer reported it failed (on disk: a restart does not forgive them). */
  readonly failures: number;
  readonly state: MessageState;
}

export interface QueuePolicy {
  /** Unacknowledged messages out at once; 1 keeps the queue strictly ordered. */
  prefetch: number;
  /** A message that failed this many times is parked in the dead-letter queue; `Infinity` never parks. */
  maxDeliveries: number;
}

export type NackOutcome = { kind: 'retry'; failures: number } | { kind: 'parked'; failures: number } | { kind: 'unknown' };

export class DurableQueue<B = unknown> {
  private readonly messages: DurableLog<QueuedMessage<B>>;
  private readonly dead: DurableLog<QueuedMessage<B>>;
  /** Index of the first unfinished message. */
  private head = 0;
  private unfinished = 0;
  /** Deliveries of each message since the broker started (memory only), by tag. */
  private readonly deliveries: number[] = [];
  /**
   * Where each message is between deliveries (memory only), by tag: OUTSTANDING (delivered and
   * not yet acknowledged, failed or timed out), DELAYED (failed, waiting out the retry delay),
   * or neither (absent).
   */
  private readonly held: number[] = [];

  constructor(
    durable: DurableStore,
    readonly name: string,
    readonly policy: QueuePolicy,
  ) {
    // Each message is spelt only when its assertion fails: a broker opens its queues at every start, and end checks open them again.
    if (!(Number.isInteger(policy.prefetch) && policy.prefetch >= 1)) assert(false, `queue ${name}: prefetch is a positive integer`);
    if (!(policy.maxDeliveries >= 1)) assert(false, `queue ${name}: maxDeliveries is at least 1`);
    const logs = logNamesOf(name);
    this.messages = durable.log<QueuedMessage<B>>(logs.messages);
    this.dead = durable.log<QueuedMessage<B>>(logs.dead);
    for (const m of this.messages) if (m.state === 'ready') this.unfinished++;
    this.advanceHead();
  }

  /** Writes a message at the tail (durable once the broker forces its disk). */
  enqueue(id: string, body: B, nowMs: number): QueuedMessage<B> {
    const m: QueuedMessage<B> = { tag: this.messages.length, id, body, enqueuedAtMs: nowMs, failures: 0, state: 'ready' };
    this.messages.append(m);
    this.unfinished++;
    return m;
  }

  /** The next message to deliver now, counted as delivered; null when the window has none free. */
  take(): QueuedMessage<B> | null {
    const messages = this.messages;
    let seen = 0;
    for (let i = this.head; i < messages.length && seen < this.policy.prefetch; i++) {
      const m = messages.at(i)!;
      if (m.state !== 'ready') continue;
      seen++;
      const held = this.held[m.tag];
      if (held === OUTSTANDING || held === DELAYED) continue;
      this.deliveries[m.tag] = (this.deliveries[m.tag] ?? 0) + 1;
      this.held[m.tag] = OUTSTANDING;
      return m;
    }
    return null;
  }

  /** How many times the message was delivered since the broker (re)started: 1 for a first delivery. */
  deliveriesOf(tag: number): number {
    return this.deliveries[tag] ?? 0;
  }

  /** The consumer is done with the message. True if that finished it (false: unknown or already finished). */
  ack(tag: number): boolean {
    const m = this.messages.at(tag);
    if (m === undefined || tag < 0 || m.state !== 'ready') return false;
    this.messages.replace(tag, { ...m, state: 'acked' });
    this.finish(tag);
    return true;
  }

  /**
   * The consumer failed to process delivery `delivery` of the message: retry it later, or park
   * it if it has failed too often. A report about an earlier delivery than the current one
   * (late on the network) changes nothing.
   */
  nack(tag: number, delivery = this.deliveriesOf(tag)): NackOutcome {
    const m = this.messages.at(tag);
    if (m === undefined || tag < 0 || m.state !== 'ready' || this.held[tag] !== OUTSTANDING || delivery !== this.deliveriesOf(tag)) return { kind: 'unknown' };
    const failures = m.failures + 1;
    this.held[tag] = FREE;
    if (failures >= this.policy.maxDeliveries) {
      const parked: QueuedMessage<B> = { ...m, failures, state: 'parked' };
      this.messages.replace(tag, parked);
      this.dead.append(parked);
      this.finish(tag);
      return { kind: 'parked', failures };
    }
    this.messages.replace(tag, { ...m, failures });
    this.held[tag] = DELAYED;
    return { kind: 'retry', failures };
  }

  /** The visibility timeout of delivery number `delivery` expired: deliverable again if still unanswered. */
  expire(tag: number, delivery: number): boolean {
    const m = this.messages.at(tag);
    if (m === undefined || tag < 0 || m.state !== 'ready' || this.deliveriesOf(tag) !== delivery || this.held[tag] !== OUTSTANDING) return false;
    this.held[tag] = FREE;
    return true;
  }

  /** A failed message's retry delay is over: deliverable again. */
  release(tag: number): boolean {
    if (this.held[tag] !== DELAYED) return false;
    this.held[tag] = FREE;
    return true;
  }

  /** Messages not yet acknowledged or parked (the backlog). */
  get depth(): number {
    return this.unfinished;
  }

  /** Messages parked in the dead-letter queue, in parking order. */
  get parked(): readonly QueuedMessage<B>[] {
    return this.dead.slice();
  }

  /** Messages ever enqueued (tags run from 0 to this, less one). */
  get enqueued(): number {
    return this.messages.length;
  }

  /** Every message ever enqueued, in order (a copy). */
  get all(): readonly QueuedMessage<B>[] {
    return this.messages.slice();
  }

  /** The message with this tag, as the log holds it now. */
  at(tag: number): QueuedMessage<B> | undefined {
    return tag < 0 ? undefined : this.messages.at(tag);
  }

  /** The oldest unfinished message, if any. */
  get oldest(): QueuedMessage<B> | undefined {
    return this.messages.at(this.head);
  }

  private finish(tag: number): void {
    if (this.held[tag] !== undefined) this.held[tag] = FREE;
    this.unfinished--;
    this.advanceHead();
  }

  private advanceHead(): void {
    const messages = this.messages;
    while (this.head < messages.length && messages.at(this.head)!.state !== 'ready') this.head++;
  }
}

/** A queue's log names on the broker's disk. */
interface QueueLogs {
  messages: string;
  dead: string;
}

/** Log names by queue name, spelt once per process: every run opens its queues by them, at each start and in its end checks. */
const logNamesOf = spelledOnce((name): QueueLogs => ({ messages: `queue:${name}`, dead: `queue:${name}.dlq` }));
