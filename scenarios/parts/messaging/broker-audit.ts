/**
 * BrokerAudit: checks the two promises at-least-once delivery rests on, apart from the broker
 * that makes them, on true time.
 *
 * - A confirmed publish survives: a message the broker confirmed is on its disk after every
 *   crash. A confirm sent before the write is forced lets a crash swallow a message its
 *   publisher has already forgotten (an outbox relay moves its cursor past it).
 * - An unacknowledged message comes again: when the broker restarts, every message its
 *   queues still hold unacknowledged within a consumer's delivery window is delivered again
 *   within that queue's visibility timeout — the broker cannot know whether the deliveries
 *   of its previous life ever arrived. A broker that waits for new traffic instead strands
 *   them whenever none comes.
 *
 * The broker reports through its observer (`observer()`); the audit reads the queues it
 * recovered and judges each restart once the visibility timeout has passed.
 */
import type { World } from '../../framework/scenario.ts';
import type { DurableQueue } from './durable-queue.ts';
import type { QueueBrokerObserver, QueueSpec } from './queue-broker.ts';

interface Confirmed {
  tag: number;
  id: string;
  atMs: number;
}

export interface BrokerInvariants {
  /** Violated by a confirmed message a crash lost. */
  confirmed: string;
  /** Violated by an unacknowledged message not delivered again within the visibility timeout of a restart. */
  redelivered: string;
}

export class BrokerAudit {
  private readonly confirmedByQueue = new Map<string, Confirmed[]>();
  /** Per queue, the tags held unacknowledged at the last restart and not delivered since. */
  private readonly awaiting = new Map<string, Set<number>>();
  private restarts = 0;

  constructor(
    private readonly world: World<unknown>,
    private readonly invariants: BrokerInvariants,
    /** The broker node's name, for the verdicts. */
    private readonly broker: string,
    private readonly specs: readonly Pick<QueueSpec, 'name' | 'prefetch' | 'visibilityTimeoutMs'>[],
  ) {}

  /** The broker's observer that reports to this audit; combine it with dashboards' hooks (`observeAll`). */
  observer(): QueueBrokerObserver {
    return {
      onConfirmed: (queue, tag, id) => this.confirmed(queue, tag, id),
      onRecovered: (queues) => this.recovered(queues),
      onDelivered: (queue, _id, _redelivery, tag) => this.awaiting.get(queue)?.delete(tag),
    };
  }

  /** The broker confirmed message `id`, stored at `tag` of `queue`. */
  confirmed(queue: string, tag: number, id: string): void {
    let list = this.confirmedByQueue.get(queue);
    if (list === undefined) this.confirmedByQueue.set(queue, (list = []));
    list.push({ tag, id, atMs: this.world.now });
  }

  /** The broker restarted with these queues (its live ones, read but never changed here). */
  recovered(queues: ReadonlyMap<string, DurableQueue>): void {
    this.checkConfirmed(queues);
    const restart = ++this.restarts;
    const restartedAtMs = this.world.now;
    this.awaiting.clear();
    for (const spec of this.specs) {
      const queue = queues.get(spec.name);
      if (queue === undefined) continue;
      const held = new Set<number>();
      // The delivery window: the first `prefetch` unfinished messages.
      for (let tag = queue.oldest?.tag ?? 0, m = queue.at(tag); m !== undefined && held.size < spec.prefetch; m = queue.at(++tag)) {
        if (m.state === 'ready') held.add(tag);
      }
      if (held.size === 0) continue;
      this.awaiting.set(spec.name, held);
      this.world.at(restartedAtMs + spec.visibilityTimeoutMs, () => {
        if (restart === this.restarts) this.checkRedelivered(spec, queue, restartedAtMs);
      });
    }
  }

  private checkConfirmed(queues: ReadonlyMap<string, DurableQueue>): void {
    for (const [name, list] of this.confirmedByQueue) {
      const queue = queues.get(name);
      const kept = (c: Confirmed): boolean => queue?.at(c.tag)?.id === c.id;
      const lost = list.filter((c) => !kept(c));
      if (lost.length === 0) continue;
      this.confirmedByQueue.set(name, list.filter(kept));
      const ids = lost.map((c) => c.id);
      this.world.violate(
        this.invariants.confirmed,
        `${this.broker} restarted without ${ids.length === 1 ? 'a message' : `${ids.length} messages`} it had confirmed on ${name} (${ids.slice(0, 4).join(', ')}${ids.length > 4 ? ', ...' : ''}): their publishers believe them delivered`,
        {
          node: this.broker,
          witnesses: lost
            .slice(0, 3)
            .map((c) => ({ t: c.atMs, node: this.broker, key: c.id, what: `${this.broker} confirmed ${c.id} here; a crash later lost it` })),
        },
      );
    }
  }

  private checkRedelivered(spec: Pick<QueueSpec, 'name' | 'visibilityTimeoutMs'>, queue: DurableQueue, restartedAtMs: number): void {
    const held = this.awaiting.get(spec.name);
    if (held === undefined) return;
    const stranded = [...held].filter((tag) => queue.at(tag)?.state === 'ready');
    if (stranded.length === 0) return;
    const ids = stranded.map((tag) => queue.at(tag)!.id);
    this.world.violate(
      this.invariants.redelivered,
      `${this.broker} restarted holding ${ids.join(', ')} unacknowledged on ${spec.name} and had not delivered ${ids.length === 1 ? 'it' : 'them'} again ${spec.visibilityTimeoutMs} ms later (the visibility timeout)`,
      {
        node: this.broker,
        witnesses: [{ t: restartedAtMs, node: this.broker, key: ids[0], what: `${this.broker} restarted here with ${ids.join(', ')} unacknowledged` }],
      },
    );
  }
}
