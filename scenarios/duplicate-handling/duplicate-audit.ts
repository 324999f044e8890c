/**
 * DuplicateAudit: the all-seeing bookkeeper, apart from the nodes. The worker reports each
 * delivery of an event; the database reports each effect it applies. An event whose effect
 * is applied a second time is a duplicate effect, judged the moment it happens; an event
 * never applied by the end is lost.
 */
import type { NodeId } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';
import type { OrderEvent } from './messages.ts';

export class DuplicateAudit {
  readonly deliveries = new Map<string, number>();
  readonly effects = new Map<string, number>();
  redeliveries = 0;
  duplicatesApplied = 0;
  duplicatesCaught = 0;

  constructor(private readonly world: World<unknown>) {}

  delivered(event: OrderEvent): number {
    const n = (this.deliveries.get(event.id) ?? 0) + 1;
    this.deliveries.set(event.id, n);
    if (n > 1) this.redeliveries++;
    return n;
  }

  /** The database applied an event's effect. */
  applied(event: OrderEvent, db: NodeId): void {
    const n = (this.effects.get(event.id) ?? 0) + 1;
    this.effects.set(event.id, n);
    if (n === 1) return;
    this.duplicatesApplied++;
    const what = event.kind === 'charge' ? `customer ${event.customer} is charged ${event.amount} again` : 'the order is shipped again';
    this.world.violate('no-duplicate-effect', `${event.id} (${event.kind} of ${event.order}) took effect ${n} times: ${what}`, db);
  }

  /** A redelivered event was recognised and skipped. */
  caught(): void {
    this.duplicatesCaught++;
  }
}
