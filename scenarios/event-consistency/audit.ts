/**
 * The points audit: an all-seeing bookkeeper, apart from the producer, broker and consumer.
 * Nodes report facts as they happen (an event committed at the source, an event applied to
 * the projection, a duplicate skipped); the audit judges "no event applied twice" the moment
 * it breaks and keeps the timings the metrics are made of. The end-of-run checks (lost
 * events, a poison message blocking the rest, the projection against the source) read the
 * nodes' disks in index.ts.
 *
 * A commit or an apply is reported when its transaction commits and is provisional until the
 * node forces its disk: a crash before that takes it back (unforced-facts.ts), so the books
 * hold exactly what is durable. The audit keeps true time (`world.now`): it is the observer,
 * and the nodes' clocks may be skewed.
 */
import type { Witness, World } from '../framework/scenario.ts';
import { UnforcedFacts } from '../parts/storage/unforced-facts.ts';
import type { PointsEvent } from './messages.ts';

export type ApplyPath = 'message' | 'repair';

type Fact = { kind: 'committed'; id: string } | { kind: 'applied'; id: string; path: ApplyPath };

export class PointsAudit {
  private readonly committedAt = new Map<string, number>();
  private readonly poison = new Set<string>();
  private readonly applies = new Map<string, number>();
  private readonly firstAppliedAt = new Map<string, number>();
  private readonly unforced = new UnforcedFacts<Fact>((f) => this.undo(f));
  doubleApplies = 0;
  duplicatesSkipped = 0;
  repairs = 0;
  poisonDeliveries = 0;

  constructor(private readonly world: World<unknown>) {}

  /** The producer committed an event at the source in transaction `tx`; `poison` if its published payload will be unreadable. */
  committed(event: PointsEvent, poison: boolean, tx: string): void {
    this.committedAt.set(event.id, this.world.now);
    if (poison) this.poison.add(event.id);
    this.unforced.committed('producer', tx, { kind: 'committed', id: event.id });
  }

  /** The consumer changed the projection for an event in transaction `tx`. A second time is a double apply. */
  applied(id: string, path: ApplyPath, tx: string): void {
    const times = (this.applies.get(id) ?? 0) + 1;
    this.applies.set(id, times);
    this.unforced.committed('consumer', tx, { kind: 'applied', id, path });
    if (path === 'repair') this.repairs++;
    if (times === 1) {
      this.firstAppliedAt.set(id, this.world.now);
      return;
    }
    this.doubleApplies++;
    const message = `${id} was applied to the projection ${times === 2 ? 'twice' : `${times} times`}: its points were counted again`;
    this.world.violate('no-double-apply', message, { node: 'consumer', witnesses: [{ t: this.world.now, node: 'consumer', key: id, what: message }] });
  }

  /** `node` forced its disk: what it reported is durable. */
  forced(node: string): void {
    this.unforced.forced(node);
  }

  /** `node` restarted: facts of transactions it did not recover never happened. */
  recovered(node: string, kept: (tx: string) => boolean): void {
    this.unforced.recovered(node, kept);
  }

  private undo(f: Fact): void {
    if (f.kind === 'committed') {
      this.committedAt.delete(f.id);
      this.poison.delete(f.id);
      return;
    }
    const times = this.applies.get(f.id)! - 1;
    if (f.path === 'repair') this.repairs--;
    if (times > 0) {
      this.applies.set(f.id, times);
      this.doubleApplies--;
      return;
    }
    this.applies.delete(f.id);
    this.firstAppliedAt.delete(f.id);
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

  /** Commit to first apply, for every event applied. */
  get lagMs(): number[] {
    const out: number[] = [];
    for (const [id, at] of this.firstAppliedAt) {
      const committed = this.committedAt.get(id);
      if (committed !== undefined) out.push(at - committed);
    }
    return out;
  }

  /** Where to look for an event that never settled: its commit at the source. */
  witness(id: string): Witness | null {
    const at = this.committedAt.get(id);
    return at === undefined ? null : { t: at, node: 'producer', key: id, what: `the producer committed ${id} here` };
  }

  /** Events committed at the source so far. */
  get committedCount(): number {
    return this.committedAt.size;
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
