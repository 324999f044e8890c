/**
 * StalenessAuditor: an all-seeing checker of how stale the reads of a cached system are.
 *
 * Every write carries a unique id. The store that orders writes (the database, or for
 * write-behind the cache) reports each write as it takes effect, which gives the write its
 * version: 1 + the number of writes of that key before it. The clients report when each
 * write was acknowledged and what each read returned.
 *
 * A read that began at time t and returned version v is stale if some write of the key with
 * a version above v had been acknowledged before t: the user had been told the newer value
 * was stored, and was then shown an older one. Its staleness is t minus the acknowledgement
 * of the first such write. A strategy promises a bound on that staleness (0 plus the time an
 * invalidation takes to land, or a TTL); a read past the bound breaks the promise.
 *
 * The auditor is never consulted by the system it judges.
 */
export interface StaleRead {
  key: string;
  /** The version read and the newest acknowledged before the read began. */
  versionRead: number;
  versionAcknowledged: number;
  stalenessMs: number;
}

interface KeyHistory {
  /** Acknowledgements in time order: when, and the version acknowledged. */
  ackMs: number[];
  ackVersion: number[];
  /** ackMax[i]: the highest version among acknowledgements 0..i. */
  ackMax: number[];
  writes: number;
}

export class StalenessAuditor {
  private readonly keys = new Map<string, KeyHistory>();
  private readonly versionOf = new Map<number, number>();
  private readonly keyOf = new Map<number, string>();
  private readonly durable = new Set<number>();
  private readonly acked: number[] = [];
  reads = 0;
  staleReads = 0;
  /** Staleness of every stale read, in ms. */
  readonly stalenessMs: number[] = [];

  /** Write `writeId` took effect on `key` in the store that orders writes. Repeats are ignored. */
  ordered(key: string, writeId: number): void {
    if (this.versionOf.has(writeId)) return;
    const h = this.history(key);
    h.writes++;
    this.versionOf.set(writeId, h.writes);
    this.keyOf.set(writeId, key);
  }

  /** Write `writeId` reached the database's disk. */
  persisted(writeId: number): void {
    this.durable.add(writeId);
  }

  /** The client heard that write `writeId` succeeded. Calls come in time order. */
  acknowledged(writeId: number, nowMs: number): void {
    this.acked.push(writeId);
    const key = this.keyOf.get(writeId);
    if (key === undefined) return; // acknowledged without taking effect anywhere: lostWrites() reports it
    const h = this.history(key);
    const v = this.versionOf.get(writeId)!;
    h.ackMs.push(nowMs);
    h.ackVersion.push(v);
    h.ackMax.push(Math.max(v, h.ackMax[h.ackMax.length - 1] ?? 0));
  }

  /** Acknowledged writes so far. */
  get acknowledgedCount(): number {
    return this.acked.length;
  }

  /** The version a value carries: the write that produced it (0, or absent, for the initial row). */
  versionOfWrite(writeId: number | undefined): number {
    return writeId === undefined || writeId === 0 ? 0 : (this.versionOf.get(writeId) ?? 0);
  }

  /** True if some write of `key` had been acknowledged before `startMs` (a read then tests invalidation). */
  acknowledgedBefore(key: string, startMs: number): boolean {
    const h = this.keys.get(key);
    return h !== undefined && h.ackMs.length > 0 && h.ackMs[0]! < startMs;
  }

  /** A read of `key` that began at `startMs` returned the value written by `writeId`. Returns the stale read, or null. */
  read(key: string, writeId: number | undefined, startMs: number): StaleRead | null {
    this.reads++;
    const h = this.keys.get(key);
    if (h === undefined || h.ackMs.length === 0) return null;
    const v = this.versionOfWrite(writeId);
    // Acknowledgements strictly before the read began.
    let lo = 0;
    let hi = h.ackMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (h.ackMs[mid]! < startMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0 || h.ackMax[lo - 1]! <= v) return null;
    let first = 0;
    while (h.ackVersion[first]! <= v) first++;
    const stale: StaleRead = { key, versionRead: v, versionAcknowledged: h.ackMax[lo - 1]!, stalenessMs: startMs - h.ackMs[first]! };
    this.staleReads++;
    this.stalenessMs.push(stale.stalenessMs);
    return stale;
  }

  /** Acknowledged writes that never reached the database. */
  lostWrites(): number[] {
    return this.acked.filter((w) => !this.durable.has(w));
  }

  private history(key: string): KeyHistory {
    let h = this.keys.get(key);
    if (h === undefined) {
      h = { ackMs: [], ackVersion: [], ackMax: [], writes: 0 };
      this.keys.set(key, h);
    }
    return h;
  }
}
