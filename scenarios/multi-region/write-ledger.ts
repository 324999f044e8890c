/**
 * WriteLedger: the all-seeing record of which adds users were told were saved, kept apart
 * from the databases. At the end, once every fault has healed and the regions have had time
 * to settle, it compares that record with the data the system ended with: an acknowledged
 * add that is not there was lost (RPO, counted in writes); one that vanished under a
 * last-writer-wins merge was lost silently, with no error anywhere.
 */
import type { Simulation } from '../../engine/index.ts';

export interface Ack {
  key: string;
  item: string;
  user: string;
  region: string;
  atMs: number;
}

export class WriteLedger {
  readonly acks: Ack[] = [];
  private readonly acked = new Set<string>();
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

  constructor(private readonly sim: Simulation) {}

  acknowledged(user: string, key: string, item: string, region: string): void {
    if (this.acked.has(item)) return;
    this.acked.add(item);
    this.acks.push({ key, item, user, region, atMs: this.sim.now });
  }

  rolledBack(items: readonly string[]): void {
    for (const item of items) this.rewound.add(item);
  }

  /** True if `item` was thrown away by a rewind (a loss with a known cause: the failover). */
  wasRolledBack(item: string): boolean {
    return this.rewound.has(item);
  }

  failedOver(): void {
    this.failovers.push(this.sim.now);
  }

  /** The acknowledged adds missing from `has` (the data that survived). */
  lost(has: (key: string, item: string) => boolean): Ack[] {
    return this.acks.filter((a) => !has(a.key, a.item));
  }
}
