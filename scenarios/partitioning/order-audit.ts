/**
 * OrderAudit: the downstream's view of every key, apart from the nodes. Consumers report
 * each event they apply; the audit keeps, per key, the highest sequence number applied so
 * far. An event applied for the first time after a later event of its key is a per-key order
 * violation, judged the moment it happens. An event applied again (a redelivery after a
 * crash or a rebalance) is counted as a duplicate, not as disorder.
 */
import type { World } from '../framework/scenario.ts';
import type { PartitionLog } from '../parts/log/partition-log.ts';

export interface KeyedEvent {
  key: string;
  seq: number;
}

export class OrderAudit {
  private readonly highest = new Map<string, number>();
  /** Applied sequence numbers per key. */
  private readonly applied = new Map<string, Set<number>>();
  readonly outOfOrderKeys = new Set<string>();
  outOfOrder = 0;
  duplicates = 0;
  appliedCount = 0;

  constructor(private readonly world: World<unknown>) {}

  /** True once event `seq` of `key` was applied. */
  has(key: string, seq: number): boolean {
    return this.applied.get(key)?.has(seq) ?? false;
  }

  apply(e: KeyedEvent, consumer: string, tp: string): void {
    let seen = this.applied.get(e.key);
    if (seen === undefined) this.applied.set(e.key, (seen = new Set()));
    if (seen.has(e.seq)) {
      this.duplicates++;
      return;
    }
    seen.add(e.seq);
    this.appliedCount++;
    const highest = this.highest.get(e.key) ?? 0;
    if (e.seq > highest) {
      this.highest.set(e.key, e.seq);
      return;
    }
    this.outOfOrder++;
    this.outOfOrderKeys.add(e.key);
    this.world.violate(
      'per-key-order',
      `${consumer} applies event ${e.seq} of key ${e.key} (from ${tp}) after event ${highest} of the same key was already applied`,
      {
        node: consumer,
        witnesses: [{ t: this.world.now, node: consumer, key: e.key, what: `event ${e.seq} applied after event ${highest}` }],
      },
    );
  }
}

/** Events (as `key #seq`) that no partition log holds. */
export function missingFromLogs(logs: readonly PartitionLog[], events: Iterable<KeyedEvent>): string[] {
  return missingFrom(heldEvents(logs), events);
}

/** The events the partition logs hold: each key's sequence numbers (read once for several checks). */
export function heldEvents(logs: readonly PartitionLog[]): ReadonlyMap<string, ReadonlySet<number>> {
  const held = new Map<string, Set<number>>();
  for (const log of logs) {
    for (let o = 0; o < log.logEndOffset; o++) {
      const e = log.at(o)!.value as KeyedEvent;
      let seqs = held.get(e.key);
      if (seqs === undefined) held.set(e.key, (seqs = new Set()));
      seqs.add(e.seq);
    }
  }
  return held;
}

/** Events (as `key #seq`) not among `held`. */
export function missingFrom(held: ReadonlyMap<string, ReadonlySet<number>>, events: Iterable<KeyedEvent>): string[] {
  const out: string[] = [];
  for (const e of events) if (held.get(e.key)?.has(e.seq) !== true) out.push(`${e.key} #${e.seq}`);
  return out;
}

/**
 * Events a group committed past without applying: for each partition, the records below its
 * committed offset that `applied` does not know. At-least-once delivery allows none.
 */
export function skippedEvents(partitions: readonly { log: PartitionLog; committed: number }[], applied: (e: KeyedEvent) => boolean): string[] {
  const out: string[] = [];
  for (const { log, committed } of partitions) {
    for (let o = 0; o < committed && o < log.logEndOffset; o++) {
      const e = log.at(o)!.value as KeyedEvent;
      if (!applied(e)) out.push(`${e.key} #${e.seq} (${log.tp} offset ${o})`);
    }
  }
  return out;
}
