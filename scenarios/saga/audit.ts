/**
 * The saga audit: an all-seeing bookkeeper apart from the services. Services report each
 * step they commit (a charge, a refund, a reservation...); the audit judges the safety
 * invariants the moment a fact breaks them — a second charge for one order, a refund of money
 * never taken, stock reserved twice or released more than reserved, stock below zero — and
 * keeps what the metrics are made of: completion latency, compensations, and where each
 * saga's story is written down. The liveness check (every saga completed or fully
 * compensated) reads the services' databases at the end, in index.ts.
 */
import type { Simulation } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';
import type { SagaFact } from './steps.ts';

interface SagaRecord {
  placedAtMs: number;
  finishedAtMs: number | null;
  charges: number;
  refunds: number;
  reservations: number;
  releases: number;
  /** Steps committed by services, duplicates included. */
  steps: number;
  /** Step outcomes a durable saga log recorded. */
  logged: number;
  /** Services that hold a record of this saga. */
  holders: string[];
}

export class SagaAudit {
  private readonly sagas = new Map<string, SagaRecord>();
  readonly latencyMs: number[] = [];
  completed = 0;
  compensated = 0;
  compensations = 0;
  duplicateSteps = 0;

  constructor(
    private readonly world: World<unknown>,
    private readonly sim: Simulation,
  ) {}

  /** The client submitted the order (first attempt): the saga's clock starts. */
  placed(order: string): void {
    if (!this.sagas.has(order)) {
      this.sagas.set(order, {
        placedAtMs: this.sim.now,
        finishedAtMs: null,
        charges: 0,
        refunds: 0,
        reservations: 0,
        releases: 0,
        steps: 0,
        logged: 0,
        holders: [],
      });
    }
  }

  /** A service committed a step. */
  fact(f: SagaFact, service: string): void {
    const s = this.sagas.get(f.order);
    if (s === undefined) return;
    s.steps++;
    if (!s.holders.includes(service)) s.holders.push(service);
    switch (f.kind) {
      case 'charged':
        if (++s.charges > 1) {
          this.world.violate('no-double-charge', `${f.order} was charged ${times(s.charges)}: ${s.charges * f.amount} taken for an order of ${f.amount}`);
        }
        return;
      case 'refunded':
        this.compensations++;
        if (++s.refunds > s.charges) {
          this.world.violate(
            'no-double-charge',
            `${f.order} was refunded ${times(s.refunds)} but charged ${times(s.charges)}: money paid out that was never taken`,
          );
        }
        return;
      case 'reserved':
        if (++s.reservations > 1) {
          this.world.violate(
            'stock-consistent',
            `stock for ${f.order} was reserved ${times(s.reservations)}: ${s.reservations * f.quantity} of item ${f.item} held for an order of ${f.quantity}`,
          );
        }
        if (f.stockAfter < 0) this.world.violate('stock-consistent', `item ${f.item} went to ${f.stockAfter} in stock`);
        return;
      case 'released':
        this.compensations++;
        if (++s.releases > s.reservations) {
          this.world.violate(
            'stock-consistent',
            `stock for ${f.order} was released ${times(s.releases)} but reserved ${times(s.reservations)}: item ${f.item} now counts ${f.quantity} unit${f.quantity === 1 ? '' : 's'} that do not exist`,
          );
        }
        return;
      case 'order-cancelled':
        this.compensations++;
        return this.finish(s, false);
      case 'order-approved':
        return this.finish(s, true);
      default:
        return;
    }
  }

  /** A durable saga log recorded a step outcome of this saga. */
  logged(order: string): void {
    const s = this.sagas.get(order);
    if (s !== undefined) s.logged++;
  }

  /** A service was asked to run a step it had already run, and its idempotency made it harmless. */
  duplicateStep(): void {
    this.duplicateSteps++;
    this.world.reach('duplicate-step');
  }

  /**
   * How many nodes' records one must read to follow a saga from start to end, on average: 1
   * when a durable saga log holds every step, else every service the saga touched.
   */
  placesToTrace(): number {
    let sum = 0;
    let n = 0;
    for (const s of this.sagas.values()) {
      if (s.steps === 0) continue;
      sum += s.logged >= s.steps ? 1 : s.holders.length;
      n++;
    }
    return n === 0 ? 0 : sum / n;
  }

  /** Sagas submitted and not yet finished. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.sagas.values()) if (s.finishedAtMs === null) n++;
    return n;
  }

  private finish(s: SagaRecord, completed: boolean): void {
    if (s.finishedAtMs !== null) return;
    s.finishedAtMs = this.sim.now;
    this.latencyMs.push(this.sim.now - s.placedAtMs);
    if (completed) {
      this.completed++;
      this.world.reach('saga-completed');
    } else {
      this.compensated++;
      this.world.reach('saga-compensated');
    }
  }
}

/** "once", "twice", "3 times". */
function times(n: number): string {
  return n === 0 ? 'never' : n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}
