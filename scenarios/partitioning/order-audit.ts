/**
 * OrderAudit: the downstream's view of every key, apart from the nodes. Consumers report
 * each event they apply; the audit keeps, per key, the highest sequence number applied so
 * far. An event applied for the first time after a later event of its key is a per-key order
 * violation, judged the moment it happens. An event applied again (a redelivery after a
 * crash or a rebalance) is counted as a duplicate, not as disorder.
 */
import type { NodeId } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';

export interface KeyedEvent {
  key: string;
  seq: number;
  atMs: number;
}

export class OrderAudit {
  private readonly highest = new Map<string, number>();
  private readonly applied = new Set<string>();
  readonly outOfOrderKeys = new Set<string>();
  outOfOrder = 0;
  duplicates = 0;
  appliedCount = 0;

  constructor(private readonly world: World<unknown>) {}

  apply(e: KeyedEvent, consumer: NodeId, name: string, tp: string): void {
    const id = `${e.key}#${e.seq}`;
    if (this.applied.has(id)) {
      this.duplicates++;
      return;
    }
    this.applied.add(id);
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
      `${name} applies event ${e.seq} of key ${e.key} (from ${tp}) after event ${highest} of the same key was already applied`,
      consumer,
    );
  }
}
