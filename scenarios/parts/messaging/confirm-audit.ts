/**
 * ConfirmAudit: checks the promise behind a broker's publisher confirms — a message the
 * broker confirmed is on its disk and survives every crash after. A confirm the broker sends
 * before its write is forced lets a crash swallow a message its publisher has already
 * forgotten (an outbox relay moves its cursor past it), and nothing will ever publish it
 * again.
 *
 * The broker reports each confirm and, after each restart, the queues it recovered; the audit
 * judges, on true time, apart from the protocol.
 */
import type { World } from '../../framework/scenario.ts';
import type { DurableQueue } from './durable-queue.ts';
import type { QueueBrokerObserver } from './queue-broker.ts';

interface Confirmed {
  tag: number;
  id: string;
  atMs: number;
}

export class ConfirmAudit {
  private readonly byQueue = new Map<string, Confirmed[]>();

  constructor(
    private readonly world: World<unknown>,
    /** The invariant a lost message violates. */
    private readonly invariant: string,
    /** The broker node's name, for the verdict. */
    private readonly broker: string,
  ) {}

  /** The broker confirmed message `id`, stored at `tag` of `queue`. */
  confirmed(queue: string, tag: number, id: string): void {
    let list = this.byQueue.get(queue);
    if (list === undefined) this.byQueue.set(queue, (list = []));
    list.push({ tag, id, atMs: this.world.now });
  }

  /** The broker restarted with these queues: every message it confirmed must be in them. */
  recovered(queues: ReadonlyMap<string, DurableQueue>): void {
    for (const [name, list] of this.byQueue) {
      const queue = queues.get(name);
      const kept = (c: Confirmed): boolean => queue?.at(c.tag)?.id === c.id;
      const lost = list.filter((c) => !kept(c));
      if (lost.length === 0) continue;
      this.byQueue.set(name, list.filter(kept));
      const ids = lost.map((c) => c.id);
      this.world.violate(
        this.invariant,
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

  /** The broker observer that reports to this audit (add dashboards' hooks beside it). */
  observer(): Pick<QueueBrokerObserver, 'onConfirmed' | 'onRecovered'> {
    return {
      onConfirmed: (queue, tag, id) => this.confirmed(queue, tag, id),
      onRecovered: (queues) => this.recovered(queues),
    };
  }
}
