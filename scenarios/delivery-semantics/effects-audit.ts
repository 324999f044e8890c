/**
 * EffectsAudit: the all-seeing bookkeeper of the delivery-semantics scenario, kept apart
 * from the nodes. The payments service tells it what it sent and what was acknowledged; the
 * processor tells it each time it processes a payment. At the end the audit reads the
 * ledger topic as a read-committed consumer would (from the partition's current leader) and
 * counts, per payment, the ledger entries it produced: none is a lost payment, more than one
 * a duplicated effect.
 */
import type { Simulation } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { Controller } from '../parts/log/controller.ts';
import { PartitionLog, type Tp } from '../parts/log/partition-log.ts';

export interface LedgerEntry {
  payment: string;
  amount: number;
}

export interface Effects {
  /** Ledger entries per payment id. */
  count: Map<string, number>;
  /** When each payment's first entry became visible. */
  visibleMs: Map<string, number>;
}

export class EffectsAudit {
  readonly sentMs = new Map<string, number>();
  readonly acked = new Set<string>();
  readonly processed = new Map<string, number>();
  reprocessed = 0;

  constructor(private readonly sim: Simulation) {}

  sent(payment: string): void {
    this.sentMs.set(payment, this.sim.now);
  }

  acknowledged(payment: string): void {
    this.acked.add(payment);
  }

  /** The processor handled a payment (again, if it counts more than once). */
  processing(payment: string): number {
    const n = (this.processed.get(payment) ?? 0) + 1;
    this.processed.set(payment, n);
    if (n > 1) this.reprocessed++;
    return n;
  }

  /** The replica a consumer would read `tp` from now: its leader, or its last in-sync replica when offline. */
  static replicaOf(sim: Simulation, layout: ClusterLayout, tp: Tp): PartitionLog | null {
    let broker = layout.brokers[0]!;
    if (layout.controller !== null) {
      const s = Controller.partitionTable(sim.durable(layout.controller))?.get(tp);
      if (s !== undefined) broker = s.leader >= 0 ? s.leader : s.isr[0]!;
    }
    const disk = sim.durable(broker);
    return PartitionLog.exists(disk, tp) ? PartitionLog.open(disk, tp) : null;
  }

  /** The effects visible in the ledger: committed, non-aborted entries below the high watermark. */
  static effects(log: PartitionLog | null): Effects {
    const count = new Map<string, number>();
    const visibleMs = new Map<string, number>();
    if (log === null) return { count, visibleMs };
    const markers = new Map<string, number>();
    for (const r of log.records) if (r.control !== null) markers.set(`${r.producerId}:${r.txnNo}`, r.appendedMs);
    for (const r of log.records) {
      if (r.offset >= log.highWatermark) break;
      if (r.control !== null || (r.txnNo >= 0 && (log.isAborted(r) || log.isOpen(r)))) continue;
      const e = r.value as LedgerEntry;
      count.set(e.payment, (count.get(e.payment) ?? 0) + 1);
      const at = r.txnNo >= 0 ? (markers.get(`${r.producerId}:${r.txnNo}`) ?? r.appendedMs) : r.appendedMs;
      if (!visibleMs.has(e.payment)) visibleMs.set(e.payment, at);
    }
    return { count, visibleMs };
  }
}
