/**
 * The saga audit: an all-seeing bookkeeper apart from the services. Services report each
 * step they commit (a charge, a refund, a reservation...); the audit judges the safety
 * invariants the moment a fact breaks them — a second charge for one order, a refund of money
 * never taken, stock reserved twice or released more than reserved, stock below zero, a
 * second shipment — and keeps what the metrics are made of: completion latency,
 * compensations, and where each saga's story is written down. The liveness check (every saga
 * completed or fully compensated) reads the services' databases at the end, in index.ts.
 *
 * A fact is reported when its transaction commits and is provisional until the service
 * forces its disk: a crash before that takes it back (unforced-facts.ts), so the books hold
 * exactly what is durable. The audit keeps true time (`world.now`): it is the observer, and
 * the services' clocks may be skewed.
 */
import type { Witness, World } from '../framework/scenario.ts';
import { UnforcedFacts } from '../parts/storage/unforced-facts.ts';
import type { SagaFact } from './steps.ts';

interface SagaRecord {
  placedAtMs: number;
  /** When a service last committed a step of it. */
  lastStepAtMs: number | null;
  /** Who ran its last step, and what it was (put into words only for a verdict). */
  lastStepBy: string | null;
  lastStep: SagaFact['kind'] | null;
  finishedAtMs: number | null;
  /** The fact that finished it (approved or cancelled), so a crash that undoes it reopens the saga. */
  finishedBy: SagaFact['kind'] | null;
  charges: number;
  refunds: number;
  reservations: number;
  releases: number;
  shipments: number;
  /** Steps committed by services, duplicates included. */
  steps: number;
  /** Step outcomes a durable saga log recorded. */
  logged: number;
  /** Services that hold a record of this saga. */
  holders: string[];
}

export class SagaAudit {
  private readonly sagas = new Map<string, SagaRecord>();
  private readonly unforced = new UnforcedFacts<SagaFact>((f) => this.count(f, -1));
  completed = 0;
  compensated = 0;
  compensations = 0;
  duplicateSteps = 0;

  constructor(private readonly world: World<unknown>) {}

  /** The client submitted the order (first attempt): the saga's clock starts. */
  placed(order: string): void {
    if (!this.sagas.has(order)) {
      this.sagas.set(order, {
        placedAtMs: this.world.now,
        lastStepAtMs: null,
        lastStepBy: null,
        lastStep: null,
        finishedAtMs: null,
        finishedBy: null,
        charges: 0,
        refunds: 0,
        reservations: 0,
        releases: 0,
        shipments: 0,
        steps: 0,
        logged: 0,
        holders: [],
      });
    }
  }

  /** A service committed a step in local transaction `tx` (durable once it forces). */
  fact(f: SagaFact, service: string, tx: string): void {
    const s = this.sagas.get(f.order);
    if (s === undefined) return;
    s.lastStepAtMs = this.world.now;
    s.lastStepBy = service;
    s.lastStep = f.kind;
    if (!s.holders.includes(service)) s.holders.push(service);
    this.unforced.committed(service, tx, f);
    this.count(f, 1);
    this.judge(s, f, service);
  }

  /** The service forced its disk: what it reported is durable. */
  forced(service: string): void {
    this.unforced.forced(service);
  }

  /** The service restarted: steps whose transaction it did not recover never happened. */
  recovered(service: string, kept: (tx: string) => boolean): void {
    this.unforced.recovered(service, kept);
  }

  /** Adds (or, for a transaction a crash undid, takes back) a fact on the books. */
  private count(f: SagaFact, by: 1 | -1): void {
    const s = this.sagas.get(f.order)!;
    s.steps += by;
    switch (f.kind) {
      case 'charged':
        s.charges += by;
        return;
      case 'refunded':
        s.refunds += by;
        this.compensations += by;
        return;
      case 'reserved':
        s.reservations += by;
        return;
      case 'released':
        s.releases += by;
        this.compensations += by;
        return;
      case 'scheduled':
        s.shipments += by;
        return;
      case 'order-cancelled':
        this.compensations += by;
        return by === 1 ? this.finish(s, f.kind) : this.unfinish(s, f.kind);
      case 'order-approved':
        return by === 1 ? this.finish(s, f.kind) : this.unfinish(s, f.kind);
      default:
        return;
    }
  }

  /** Judges the safety invariants on a fact just counted. */
  private judge(s: SagaRecord, f: SagaFact, service: string): void {
    switch (f.kind) {
      case 'charged':
        if (s.charges > 1)
          this.violate(
            'no-double-charge',
            service,
            f.order,
            `${f.order} was charged ${times(s.charges)}: ${s.charges * f.amount} taken for an order of ${f.amount}`,
          );
        return;
      case 'refunded':
        if (s.refunds > s.charges) {
          this.violate(
            'no-double-charge',
            service,
            f.order,
            `${f.order} was refunded ${times(s.refunds)} but charged ${times(s.charges)}: money paid out that was never taken`,
          );
        }
        return;
      case 'reserved':
        if (s.reservations > 1) {
          this.violate(
            'stock-consistent',
            service,
            f.order,
            `stock for ${f.order} was reserved ${times(s.reservations)}: ${s.reservations * f.quantity} of item ${f.item} held for an order of ${f.quantity}`,
          );
        }
        if (f.stockAfter < 0) this.violate('stock-consistent', service, f.order, `item ${f.item} went to ${f.stockAfter} in stock`);
        return;
      case 'released':
        if (s.releases > s.reservations) {
          this.violate(
            'stock-consistent',
            service,
            f.order,
            `stock for ${f.order} was released ${times(s.releases)} but reserved ${times(s.reservations)}: item ${f.item} now counts ${f.quantity} unit${f.quantity === 1 ? '' : 's'} that do not exist`,
          );
        }
        return;
      case 'scheduled':
        if (s.shipments > 1) this.violate('no-double-shipment', service, f.order, `${f.order} was scheduled for shipping ${times(s.shipments)}`);
        return;
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

  /** Time from placing to finishing, for every finished saga. */
  get latencyMs(): number[] {
    const out: number[] = [];
    for (const s of this.sagas.values()) if (s.finishedAtMs !== null) out.push(s.finishedAtMs - s.placedAtMs);
    return out;
  }

  /** Where to look for why a saga stopped: its last committed step, or its placing when it took none. */
  witness(order: string): Witness | null {
    const s = this.sagas.get(order);
    if (s === undefined) return null;
    if (s.lastStepAtMs === null) return { t: s.placedAtMs, key: order, what: `${order} was placed here and no service ever ran a step of it` };
    return { t: s.lastStepAtMs, key: order, what: `the last step ${order} took (${s.lastStepBy}: ${s.lastStep}); nothing moved it on after this` };
  }

  /** Sagas submitted and not yet finished. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.sagas.values()) if (s.finishedAtMs === null) n++;
    return n;
  }

  private violate(invariant: string, service: string, order: string, message: string): void {
    this.world.violate(invariant, message, { node: service, witnesses: [{ t: this.world.now, node: service, key: order, what: message }] });
  }

  private finish(s: SagaRecord, by: SagaFact['kind']): void {
    if (s.finishedAtMs !== null) return;
    s.finishedAtMs = this.world.now;
    s.finishedBy = by;
    if (by === 'order-approved') {
      this.completed++;
      this.world.reach('saga-completed');
    } else {
      this.compensated++;
      this.world.reach('saga-compensated');
    }
  }

  private unfinish(s: SagaRecord, by: SagaFact['kind']): void {
    if (s.finishedBy !== by) return;
    s.finishedAtMs = null;
    s.finishedBy = null;
    if (by === 'order-approved') this.completed--;
    else this.compensated--;
  }
}

/** "once", "twice", "3 times". */
function times(n: number): string {
  return n === 0 ? 'never' : n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}
