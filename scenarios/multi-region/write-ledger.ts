/**
 * WriteLedger: the all-seeing record of the changes users were told were saved, kept apart
 * from the databases. At the end, once every fault has healed and the regions have had time
 * to settle, it compares that record with the data the system ended with:
 *
 *  - an acknowledged add that is not there (and that its user never set out to remove) was
 *    lost (RPO, counted in writes); one that vanished under a last-writer-wins merge was lost
 *    silently, with no error anywhere;
 *  - an item whose removal was acknowledged and that is there again was resurrected: the
 *    removal was lost, or a late copy of the add undid it.
 *
 * Times are true simulated time.
 */
import type { World } from '../framework/scenario.ts';
import type { ListChange } from './messages.ts';

export interface Ack {
  key: string;
  item: string;
  user: string;
  region: string;
  atMs: number;
}

export class WriteLedger {
  /** Acknowledged adds, in order. */
  readonly acks: Ack[] = [];
  private readonly acked = new Set<string>();
  /** Acknowledged removals, by item. */
  readonly removals = new Map<string, Ack>();
  /** Items a user set out to remove (acknowledged or not). */
  private readonly removing = new Set<string>();
  /** Times the balancer failed over. */
  readonly failovers: number[] = [];
  /** Times the balancer marked a region down. */
  regionsMarkedDown = 0;
  /** Writes made in one region without having seen a concurrent write to the same list from the other. */
  conflicts = 0;
  /** Items a last-writer-wins merge threw away at the moment of the merge. */
  overwritten = 0;
  /** Items a returning old primary threw away when it rewound its log (they may have been acknowledged). */
  private readonly rewound = new Set<string>();

  constructor(private readonly world: World<unknown>) {}

  removeIssued(item: string): void {
    this.removing.add(item);
  }

  acknowledged(user: string, change: ListChange, region: string): void {
    const ack: Ack = { key: change.key, item: change.item, user, region, atMs: this.world.now };
    if (change.remove) {
      if (!this.removals.has(change.item)) this.removals.set(change.item, ack);
      return;
    }
    if (this.acked.has(change.item)) return;
    this.acked.add(change.item);
    this.acks.push(ack);
  }

  rolledBack(items: readonly string[]): void {
    for (const item of items) this.rewound.add(item);
  }

  /** True if `item` was thrown away by a rewind (a loss with a known cause: the failover). */
  wasRolledBack(item: string): boolean {
    return this.rewound.has(item);
  }

  failedOver(): void {
    this.failovers.push(this.world.now);
  }

  /** The acknowledged adds missing from the data that survived (`has`), leaving out those their users went on to remove. */
  lost(has: (key: string, item: string) => boolean): Ack[] {
    return this.acks.filter((a) => !this.removing.has(a.item) && !has(a.key, a.item));
  }

  /** The acknowledged removals undone: the item is in the data again. */
  resurrected(has: (key: string, item: string) => boolean): Ack[] {
    return [...this.removals.values()].filter((r) => has(r.key, r.item));
  }
}
