/**
 * DuplicateAudit: the all-seeing bookkeeper, apart from the nodes. The worker reports each
 * delivery of an event; the database reports each effect it applies and each duplicate it
 * recognises, at true simulated time. What counts in the end is the database's disk — an
 * effect a crash rolled back never happened — so the audit keeps the moments only, as
 * witnesses for the verdicts the end checks draw from the disk.
 */
import type { World } from '../framework/scenario.ts';
import type { OrderEvent } from './messages.ts';

export class DuplicateAudit {
  readonly deliveries = new Map<string, number>();
  /** When the database applied each event's effect (every time; some may have been rolled back by a crash). */
  readonly appliedMs = new Map<string, number[]>();
  redeliveries = 0;
  duplicatesCaught = 0;
  /** Effects applied a second time (as the database did them, before any crash rolled one back). */
  appliedAgain = 0;

  constructor(private readonly world: World<unknown>) {}

  delivered(event: OrderEvent): number {
    const n = (this.deliveries.get(event.id) ?? 0) + 1;
    this.deliveries.set(event.id, n);
    if (n > 1) this.redeliveries++;
    return n;
  }

  /** The database applied an event's effect. */
  applied(event: OrderEvent): void {
    let times = this.appliedMs.get(event.id);
    if (times === undefined) this.appliedMs.set(event.id, (times = []));
    times.push(this.world.now);
    if (times.length > 1) this.appliedAgain++;
  }

  /** A redelivered event was recognised and skipped. */
  caught(): void {
    this.duplicatesCaught++;
  }
}
