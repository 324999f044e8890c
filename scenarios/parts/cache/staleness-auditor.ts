/**
 * StalenessAuditor: an all-seeing checker of how stale the reads of a cached system are.
 *
 * Every write carries a unique id, and its version is its place among the writes of its key
 * in the store that orders them: the database's log for most strategies (read by a
 * `CommitIndex`, so a crash between a commit and any notification of it cannot mislead the
 * auditor), or the cache for write-behind (`WriteOrder`). The clients report when each write
 * was acknowledged and what each read returned.
 *
 * A read that began at time t and returned version v is stale if some write of the key with
 * a version above v had been acknowledged at or before t: the user had been told the newer
 * value was stored, and was then shown an older one. Its staleness is t minus the
 * acknowledgement of the first such write. A strategy promises a bound on that staleness (0
 * plus the time an invalidation takes to land, or a TTL); a read past the bound breaks the
 * promise.
 *
 * The auditor is never consulted by the system it judges.
 */

export interface StaleRead {
  key: string;
  /** The version read and the newest acknowledged before the read began. */
  versionRead: number;
  versionAcknowledged: number;
  stalenessMs: number;
  /** The first newer write the read missed, and when it was acknowledged. */
  missedWrite: number;
  missedAckMs: number;
}

interface KeyHistory {
  /** Acknowledgements in time order: when, which write, and the version acknowledged. */
  ackMs: number[];
  ackWrite: number[];
  ackVersion: number[];
  /** ackMax[i]: the highest version among acknowledgements 0..i. */
  ackMax: number[];
}

export class StalenessAuditor {
  private readonly keys = new Map<string, KeyHistory>();
  private readonly acked: number[] = [];
  reads = 0;
  staleReads = 0;
  /** Staleness of every stale read, in ms. */
  readonly stalenessMs: number[] = [];

  constructor(
    /** The version of a write in the store that orders writes; undefined when it took effect nowhere (yet). */
    private readonly versionOf: (writeId: number) => number | undefined,
  ) {}

  /** The client heard that write `writeId` of `key` succeeded. Calls come in time order. */
  acknowledged(key: string, writeId: number, nowMs: number): void {
    this.acked.push(writeId);
    const v = this.versionOf(writeId);
    if (v === undefined) return; // acknowledged without taking effect anywhere: a lost write, judged apart
    const h = this.history(key);
    h.ackMs.push(nowMs);
    h.ackWrite.push(writeId);
    h.ackVersion.push(v);
    h.ackMax.push(Math.max(v, h.ackMax[h.ackMax.length - 1] ?? 0));
  }

  /** Every write acknowledged so far, in order. */
  get acknowledgedWrites(): readonly number[] {
    return this.acked;
  }

  /** The version a value carries: the write that produced it (0, or absent, for the initial row). */
  versionOfWrite(writeId: number | undefined): number {
    return writeId === undefined || writeId === 0 ? 0 : (this.versionOf(writeId) ?? 0);
  }

  /** True if some write of `key` had been acknowledged at or before `startMs` (a read then tests invalidation). */
  acknowledgedBefore(key: string, startMs: number): boolean {
    const h = this.keys.get(key);
    return h !== undefined && h.ackMs.length > 0 && h.ackMs[0]! <= startMs;
  }

  /** A read of `key` that began at `startMs` returned the value written by `writeId`. Returns the stale read, or null. */
  read(key: string, writeId: number | undefined, startMs: number): StaleRead | null {
    this.reads++;
    const h = this.keys.get(key);
    if (h === undefined) return null;
    // Acknowledgements at or before the read began.
    let lo = 0;
    let hi = h.ackMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (h.ackMs[mid]! <= startMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return null;
    const v = this.versionOfWrite(writeId);
    if (h.ackMax[lo - 1]! <= v) return null;
    let first = 0;
    while (h.ackVersion[first]! <= v) first++;
    const stale: StaleRead = {
      key,
      versionRead: v,
      versionAcknowledged: h.ackMax[lo - 1]!,
      stalenessMs: startMs - h.ackMs[first]!,
      missedWrite: h.ackWrite[first]!,
      missedAckMs: h.ackMs[first]!,
    };
    this.staleReads++;
    this.stalenessMs.push(stale.stalenessMs);
    return stale;
  }

  private history(key: string): KeyHistory {
    let h = this.keys.get(key);
    if (h === undefined) {
      h = { ackMs: [], ackWrite: [], ackVersion: [], ackMax: [] };
      this.keys.set(key, h);
    }
    return h;
  }
}

/**
 * The order in which writes took effect where that is not a database's log (write-behind:
 * the cache's SET). Each write's version is 1 + the writes of its key before it; repeats
 * are ignored.
 */
export class WriteOrder {
  private readonly counts = new Map<string, number>();
  private readonly versions = new Map<number, number>();

  took(key: string, writeId: number): void {
    if (this.versions.has(writeId)) return;
    const v = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, v);
    this.versions.set(writeId, v);
  }

  versionOf(writeId: number): number | undefined {
    return this.versions.get(writeId);
  }
}
