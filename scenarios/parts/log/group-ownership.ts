/**
 * GroupOwnership: the promise of a consumer group, checked. Once a rebalance settles, every
 * partition of the topics the group reads has exactly one owner: a member of the group's
 * current generation, whose process is alive and knows it owns the partition. A partition
 * with no owner is read by nobody (its lag only grows, hidden in a total that looks fine); one
 * with two owners is read twice, out of order.
 *
 * It listens to both sides: the group coordinator's completed rebalances (who was given what),
 * each consumer's assignments (what it believes it owns) and the records each one applies,
 * and judges them together at the end of a run, when the faults have healed and the group has
 * had time to settle: by then only a partition's owner may still be applying its records.
 * Times are the observer's (true simulated time), never a node's clock.
 */
import type { NodeId } from '../../../engine/index.ts';
import type { Rebalanced } from './group-coordinator.ts';
import type { Tp } from './partition-log.ts';

/** What a consumer process last said it owns. */
interface Belief {
  memberId: string;
  generation: number;
  tps: readonly Tp[];
}

export interface OwnershipProblem {
  tp: Tp;
  what: string;
}

export class GroupOwnership {
  private latest: (Rebalanced & { atMs: number }) | null = null;
  private readonly beliefs = new Map<string, Belief>();
  /** Per partition, when each consumer last applied one of its records. */
  private readonly appliers = new Map<Tp, Map<string, number>>();

  constructor(
    readonly group: string,
    private readonly clock: { readonly now: number },
  ) {}

  /** The coordinator completed a rebalance (wire to the broker's observer). */
  rebalanced(r: Rebalanced): void {
    // Fields named, not spread: a literal that starts with a spread and adds a field is slow to build (see PRODUCER_DEFAULTS).
    if (r.group === this.group) this.latest = { group: r.group, generation: r.generation, pauseMs: r.pauseMs, members: r.members, atMs: this.clock.now };
  }

  /** A consumer applied a record of `tp` now. */
  applied(consumer: string, tp: Tp): void {
    let byConsumer = this.appliers.get(tp);
    if (byConsumer === undefined) this.appliers.set(tp, (byConsumer = new Map()));
    byConsumer.set(consumer, this.clock.now);
  }

  /** A consumer process received its partitions (wire to the consumer's onAssigned). */
  assigned(consumer: string, memberId: string, generation: number, tps: readonly Tp[]): void {
    this.beliefs.set(consumer, { memberId, generation, tps });
  }

  /** When the latest rebalance completed, if any. */
  get settledAtMs(): number | null {
    return this.latest?.atMs ?? null;
  }

  /**
   * What is wrong with the ownership of `partitions` now: each must have exactly one owner in
   * the latest generation, alive (`isUp`) and aware of it, and nobody else may have applied
   * its records since `sinceMs` once that generation began (until then the previous owner
   * rightly finishes the batch it holds). Empty when all is well.
   */
  problems(partitions: readonly Tp[], isUp: (consumer: string) => boolean, nameOf: (node: NodeId) => string, sinceMs: number): OwnershipProblem[] {
    const r = this.latest;
    if (r === null) return partitions.map((tp) => ({ tp, what: `${tp} has no owner: group ${this.group} never completed a rebalance` }));
    const out: OwnershipProblem[] = [];
    for (const tp of partitions) {
      const owners = r.members.filter((m) => m.assignment.includes(tp));
      if (owners.length !== 1) {
        out.push({
          tp,
          what: `${tp} has ${owners.length === 0 ? 'no owner' : `${owners.length} owners (${owners.map((m) => nameOf(m.node)).join(', ')})`} in generation ${r.generation}`,
        });
        continue;
      }
      const owner = owners[0]!;
      const name = nameOf(owner.node);
      for (const [consumer, atMs] of this.appliers.get(tp) ?? []) {
        if (consumer !== name && atMs >= sinceMs && atMs > r.atMs)
          out.push({ tp, what: `${consumer} applied records of ${tp} at ${Math.round(atMs)} ms, but ${name} owns it` });
      }
      const belief = this.beliefs.get(name);
      if (!isUp(name)) out.push({ tp, what: `${tp}'s owner ${name} is not running` });
      else if (belief === undefined || belief.memberId !== owner.memberId || belief.generation !== r.generation || !belief.tps.includes(tp)) {
        out.push({ tp, what: `${tp} is given to ${name} in generation ${r.generation}, but ${name} does not know it owns it` });
      }
    }
    return out;
  }
}
