/**
 * The points audit: an all-seeing bookkeeper, apart from the producer, broker and consumer.
 * Nodes report facts as they happen (an event committed at the source, an event applied to
 * the projection, a duplicate skipped); the audit judges "no event applied twice" the moment
 * it breaks and keeps the timings the metrics are made of. The end-of-run checks (lost
 * events, a poison message blocking the rest, the projection against the source) read the
 * nodes' disks in index.ts.
 */
import type { Simulation } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';
import type { PointsEvent } from './messages.ts';

export type ApplyPath = 'message' | 'repair';

export class PointsAudit {
  private readonly committedAt = new Map<string, number>();
  private readonly poison = new Set<string>();
  private readonly applies = new Map<string, number>();
  /** Commit -> first apply, per event. */
  readonly lagMs: number[] = [];
  doubleApplies = 0;
  duplicatesSkipped = 0;
  repairs = 0;
  poisonDeliveries = 0;

  constructor(
    private readonly world: World<unknown>,
    private readonly sim: Simulation,
  ) {}

  /** The producer committed an event at the source; `poison` if its published payload will be unreadable. */
  committed(event: PointsEvent, poison: boolean): void {
    this.committedAt.set(event.id, this.sim.now);
    if (poison) this.poison.add(event.id);
  }

  /** The consumer changed the projection for an event. A second time is a double apply. */
  applied(id: string, path: ApplyPath): void {
    const times = (this.applies.get(id) ?? 0) + 1;
    this.applies.set(id, times);
    if (path === 'repair') this.repairs++;
    if (times === 1) {
      const at = this.committedAt.get(id);
      if (at !== undefined) this.lagMs.push(this.sim.now - at);
      return;
    }
    this.doubleApplies++;
    this.world.violate('no-double-apply', `${id} was applied to the projection ${times === 2 ? 'twice' : `${times} times`}: its points were counted again`);
  }

  /** The consumer recognised an event it had already applied and skipped it. */
  skippedDuplicate(): void {
    this.duplicatesSkipped++;
    this.world.reach('duplicate-delivered');
  }

  /** A message reached the consumer again after it had applied it (skipped or not). */
  sawRedelivery(): void {
    this.world.reach('duplicate-delivered');
  }

  /** The consumer could not read a message. */
  sawPoison(): void {
    this.poisonDeliveries++;
    this.world.reach('poison-delivered');
  }

  isPoison(id: string): boolean {
    return this.poison.has(id);
  }

  isApplied(id: string): boolean {
    return this.applies.has(id);
  }

  get appliedCount(): number {
    return this.applies.size;
  }
}
