/**
 * Handover: an old owner's side of a migration — the rows it holds but no longer owns, to be
 * copied to their new owners in throttled batches. The throttle is a number of rows per period,
 * shared by the new owners in turn (with many shards, each new owner's share of a period is a
 * small batch of its own); each batch stays in flight until the new owner acknowledges it (after forcing
 * the rows to its disk), and is sent again if a whole resend period passes without that
 * acknowledgement (a lost batch, a new owner that was down). Only an acknowledged batch's rows
 * may be deleted here. The handover is done when nothing is left to send and nothing is in
 * flight.
 *
 * It is volatile: a restarted shard builds a new one from the rows on its disk, and sends
 * again whatever it had not deleted (the new owner's merge keeps the newest copy, so a second
 * copy of a row is harmless).
 */
export interface Batch {
  id: number;
  /** The new owner's name. */
  to: string;
  keys: number[];
  /** Sent (or re-sent) since the last resend tick. */
  fresh: boolean;
}

export class Handover {
  /** Rows still to send, by new owner, in the order found; owners take turns. */
  private readonly outbound = new Map<string, number[]>();
  private readonly inFlight = new Map<number, Batch>();
  private nextId = 1;
  /** Rows to send when the handover began. */
  readonly rows: number;
  /** Rows acknowledged by their new owners so far. */
  moved = 0;

  constructor(
    /** The placement version this handover serves. */
    readonly version: number,
    toMove: ReadonlyMap<string, number[]>,
    private readonly batchKeys: number,
  ) {
    let rows = 0;
    for (const [owner, keys] of toMove) {
      if (keys.length === 0) continue;
      this.outbound.set(owner, [...keys]);
      rows += keys.length;
    }
    this.rows = rows;
  }

  get done(): boolean {
    return this.outbound.size === 0 && this.inFlight.size === 0;
  }

  get hasMore(): boolean {
    return this.outbound.size > 0;
  }

  /** The next batch to send, of at most `max` rows (to the next owner in turn), now in flight; null when nothing is left to send. */
  take(max = this.batchKeys): Batch | null {
    const first = this.outbound.entries().next().value;
    if (first === undefined) return null;
    const [to, keys] = first;
    const batch: Batch = { id: this.nextId++, to, keys: keys.slice(0, max), fresh: true };
    this.outbound.delete(to);
    if (keys.length > max) this.outbound.set(to, keys.slice(max));
    this.inFlight.set(batch.id, batch);
    return batch;
  }

  /** The batches of one period: up to `batchKeys` rows in all, the owners taking turns, each owner at most once. */
  takePeriod(): Batch[] {
    const out: Batch[] = [];
    let budget = this.batchKeys;
    for (let turns = this.outbound.size; budget > 0 && turns > 0; turns--) {
      const batch = this.take(budget);
      if (batch === null) break;
      budget -= batch.keys.length;
      out.push(batch);
    }
    return out;
  }

  /** The batch `id` was acknowledged: its keys, now safe to delete here (undefined if it was not in flight). */
  acknowledged(id: number): number[] | undefined {
    const batch = this.inFlight.get(id);
    if (batch === undefined) return undefined;
    this.inFlight.delete(id);
    this.moved += batch.keys.length;
    return batch.keys;
  }

  /** A resend tick: the batches that went a whole period without an acknowledgement, to send again. */
  overdue(): Batch[] {
    const out: Batch[] = [];
    for (const batch of this.inFlight.values()) {
      if (!batch.fresh) out.push(batch);
      batch.fresh = false;
    }
    return out;
  }
}
