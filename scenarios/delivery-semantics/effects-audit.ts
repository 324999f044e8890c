/**
 * EffectsAudit: the all-seeing bookkeeper of the delivery-semantics scenario, kept apart
 * from the nodes. The payments service tells it what it sent and what the broker
 * acknowledged; the processor tells it each time it handles a payment and when the entries
 * it wrote became visible. All times are true simulated time (the world's clock, never a
 * node's). At the end the audit reads the topics from the brokers' disks as a read-committed
 * consumer would (from each partition's current leader) and counts, per payment, the ledger
 * entries it produced: none is a lost payment, more than one a duplicated effect.
 */
import type { World } from '../framework/scenario.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { Controller } from '../parts/log/controller.ts';
import { PartitionLog, type Tp } from '../parts/log/partition-log.ts';

export interface LedgerEntry {
  payment: string;
  amount: number;
}

/** What the end of a run shows, payment by payment. */
export interface LedgerVerdict {
  /** Payments with no effect in the ledger. */
  lost: string[];
  /** Payments with more than one effect, and how many. */
  duplicated: [string, number][];
  /** Payments the broker acknowledged that the payments log does not hold. */
  ackedButLost: string[];
  /** Payments the payments log holds more than once. */
  duplicateRecords: string[];
  /** Ledger records of transactions still open. */
  open: number;
}

/** What the ledger shows a read-committed reader. */
export interface Effects {
  /** Ledger entries per payment id. */
  count: Map<string, number>;
  /** Records of transactions still open below the high watermark (a hanging transaction). */
  open: number;
}

export class EffectsAudit {
  readonly sentMs = new Map<string, number>();
  /** When the broker acknowledged each payment (first time). */
  readonly ackedMs = new Map<string, number>();
  /** The true times the processor handled each payment. */
  readonly handledMs = new Map<string, number[]>();
  /** When each payment's first ledger entry became visible. */
  readonly visibleMs = new Map<string, number>();
  reprocessed = 0;

  constructor(private readonly world: World<unknown>) {}

  sent(payment: string): void {
    this.sentMs.set(payment, this.world.now);
  }

  acknowledged(payment: string): void {
    if (!this.ackedMs.has(payment)) this.ackedMs.set(payment, this.world.now);
  }

  /** The processor handled a payment (again, if it counts more than once); returns how many times so far. */
  handling(payment: string): number {
    let times = this.handledMs.get(payment);
    if (times === undefined) this.handledMs.set(payment, (times = []));
    times.push(this.world.now);
    if (times.length > 1) this.reprocessed++;
    return times.length;
  }

  /** The processor's entries for these payments are visible now (acknowledged, or their transaction committed). */
  madeVisible(payments: readonly string[]): void {
    for (const p of payments) if (!this.visibleMs.has(p)) this.visibleMs.set(p, this.world.now);
  }

  /** The replica a consumer would read `tp` from now: its leader, or its last in-sync replica when offline. */
  static replicaOf(world: World<unknown>, layout: ClusterLayout, tp: Tp): PartitionLog | null {
    let broker = world.lookup(layout.brokers[0]!);
    if (layout.controller !== null) {
      const s = Controller.partitionTable(world.disk(layout.controller))?.get(tp);
      if (s !== undefined) broker = s.leader >= 0 ? s.leader : s.isr[0]!;
    }
    const disk = world.disk(broker);
    return PartitionLog.exists(disk, tp) ? PartitionLog.open(disk, tp) : null;
  }

  /**
   * Judges a run's end from the two logs as a reader finds them: the payments the service
   * published, the payments log (`input`), the ledger, and the payments the broker acknowledged.
   */
  static verdict(payments: readonly string[], input: PartitionLog | null, ledger: PartitionLog | null, acked: Iterable<string>): LedgerVerdict {
    const effects = EffectsAudit.effects(ledger);
    const inLog = new Map<string, number>();
    if (input !== null) {
      for (const r of input.records) {
        if (r.control !== null || r.offset >= input.highWatermark) continue;
        const id = (r.value as { id: string }).id;
        inLog.set(id, (inLog.get(id) ?? 0) + 1);
      }
    }
    return {
      lost: payments.filter((id) => !effects.count.has(id)),
      duplicated: payments.filter((id) => (effects.count.get(id) ?? 0) > 1).map((id) => [id, effects.count.get(id)!]),
      ackedButLost: [...acked].filter((id) => !inLog.has(id)),
      duplicateRecords: [...inLog].filter(([, n]) => n > 1).map(([id]) => id),
      open: effects.open,
    };
  }

  /** The effects visible in the ledger: committed, non-aborted entries below the high watermark. */
  static effects(log: PartitionLog | null): Effects {
    const count = new Map<string, number>();
    let open = 0;
    if (log === null) return { count, open };
    for (const r of log.records) {
      if (r.offset >= log.highWatermark) break;
      if (r.control !== null || (r.txnNo >= 0 && log.isAborted(r))) continue;
      if (r.txnNo >= 0 && log.isOpen(r)) {
        open++;
        continue;
      }
      const e = r.value as LedgerEntry;
      count.set(e.payment, (count.get(e.payment) ?? 0) + 1);
    }
    return { count, open };
  }
}
