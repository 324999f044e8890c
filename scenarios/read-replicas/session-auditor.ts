/**
 * SessionAuditor: the all-seeing checker of session guarantees, kept apart from the nodes.
 * The primary reports each commit; replicas each entry they apply; sessions the writes
 * acknowledged to them, the reads they issue and what each read returned. It judges, as they
 * happen:
 *
 *  - read your writes: a read issued after a session's write to a row was acknowledged
 *    returns that write or a later one;
 *  - monotonic reads: a read never returns an older version of a row than one the session
 *    had already been shown;
 *
 * keeps the acknowledged writes for the end checks (each must still be in the primary's
 * log), and measures staleness (a read is stale when a newer write to the row had committed
 * before the read was issued; its staleness is how long that newer write had existed by then)
 * and replica lag (how long after its commit each entry was applied on a replica). Times are
 * true simulated time: the observer's clock, never a node's.
 */
import type { World } from '../framework/scenario.ts';

interface Expectation {
  key: string;
  issuedAt: number;
  /** LSN of the session's latest acknowledged write to the row (0: none). */
  ownLsn: number;
  /** Newest LSN of the row the session had been shown (0: none). */
  seenLsn: number;
  /** Newest LSN of the row committed on the primary when the read was issued. */
  committedLsn: number;
}

/** A write the primary acknowledged to a session. */
export interface AckedWrite {
  session: string;
  key: string;
  lsn: number;
  id: string;
  atMs: number;
}

/** The rows on which two copies of a table disagree (a missing row, or another version of it), in the first copy's order. */
interface RowTable {
  get(key: string): { lsn: number } | undefined;
  keys(): Iterable<string>;
  entries(): Iterable<[string, { lsn: number }]>;
}

export function rowsThatDiffer(a: RowTable, b: RowTable): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [key, row] of a.entries()) {
    seen.add(key);
    if (b.get(key)?.lsn !== row.lsn) out.push(key);
  }
  for (const key of b.keys()) if (!seen.has(key)) out.push(key);
  return out;
}

/** Apply lag past which a replica counts as far behind (the lag-spike goal). */
const FAR_BEHIND_MS = 500;

/** What the auditor keeps of one session. */
interface SessionRecord {
  acked: Map<string, number>;
  seen: Map<string, number>;
  open: Map<number, Expectation>;
}

export class SessionAuditor {
  /** Per row: LSNs of its commits, in order, and when each committed. */
  private readonly commitLsns = new Map<string, number[]>();
  private readonly commitAtMs: number[] = [];
  /**
   * Per session (a node name), then per row or read: the LSN of its latest acknowledged write,
   * the newest LSN it was shown, its open reads by rid. Keyed in two steps so that no key
   * string is built (and hashed anew) at every read.
   */
  private readonly sessions = new Map<string, SessionRecord>();
  readonly ackedWrites: AckedWrite[] = [];
  readonly stalenessMs: number[] = [];
  reads = 0;
  staleReads = 0;
  readYourWritesBroken = 0;
  monotonicBroken = 0;
  readBacks = 0;
  /** Worst apply lag seen on any replica, in ms. */
  lagMaxMs = 0;
  readonly servedBy = new Map<string, number>();

  constructor(private readonly world: World<unknown>) {}

  committed(key: string, lsn: number): void {
    let list = this.commitLsns.get(key);
    if (list === undefined) this.commitLsns.set(key, (list = []));
    list.push(lsn);
    this.commitAtMs[lsn] = this.world.now;
  }

  /** A replica applied the entry at `lsn`. */
  applied(lsn: number): void {
    const at = this.commitAtMs[lsn];
    if (at === undefined) return;
    this.lagged(this.world.now - at);
  }

  /** A replica is `lagMs` behind (at an apply, or still at the end). */
  lagged(lagMs: number): void {
    if (lagMs <= this.lagMaxMs) return;
    this.lagMaxMs = lagMs;
    if (lagMs > FAR_BEHIND_MS) this.world.reach('replica-lag-spike');
  }

  /** When the entry at `lsn` committed (true time), if it did. */
  commitTimeOf(lsn: number): number | undefined {
    return this.commitAtMs[lsn];
  }

  private sessionOf(session: string): SessionRecord {
    let r = this.sessions.get(session);
    if (r === undefined) {
      r = { acked: new Map(), seen: new Map(), open: new Map() };
      this.sessions.set(session, r);
    }
    return r;
  }

  writeAcked(session: string, key: string, lsn: number, id: string): void {
    const acked = this.sessionOf(session).acked;
    acked.set(key, Math.max(acked.get(key) ?? 0, lsn));
    this.ackedWrites.push({ session, key, lsn, id, atMs: this.world.now });
  }

  readIssued(session: string, rid: number, key: string, readBack: boolean): void {
    const r = this.sessionOf(session);
    const list = this.commitLsns.get(key);
    const ownLsn = r.acked.get(key) ?? 0;
    r.open.set(rid, {
      key,
      issuedAt: this.world.now,
      ownLsn,
      seenLsn: r.seen.get(key) ?? 0,
      committedLsn: list === undefined ? 0 : list[list.length - 1]!,
    });
    if (readBack && ownLsn > 0) {
      this.readBacks++;
      this.world.reach('read-back');
    }
  }

  /** A read returned the row at `lsn` (0: the row did not exist there), served by `server`. */
  readReturned(session: string, rid: number, lsn: number, server: string, sessionNode: string): void {
    const r = this.sessionOf(session);
    const e = r.open.get(rid);
    if (e === undefined) return;
    r.open.delete(rid);
    this.reads++;
    this.servedBy.set(server, (this.servedBy.get(server) ?? 0) + 1);
    if (lsn < e.committedLsn) {
      this.staleReads++;
      const newer = this.commitLsns.get(e.key)!.find((c) => c > lsn)!;
      this.stalenessMs.push(e.issuedAt - this.commitAtMs[newer]!);
    }
    if (lsn < e.ownLsn) {
      this.readYourWritesBroken++;
      this.world.violate(
        'read-your-writes',
        `${session} wrote ${e.key} (LSN ${e.ownLsn}) and was told it was saved, then read it from ${server} and got ${lsn === 0 ? 'no row at all' : `the older LSN ${lsn}`}`,
        { node: sessionNode, witnesses: [{ t: e.issuedAt, node: sessionNode, key: e.key, what: 'the read was issued' }] },
      );
    }
    if (lsn < e.seenLsn) {
      this.monotonicBroken++;
      this.world.violate(
        'monotonic-reads',
        `${session} had already seen ${e.key} at LSN ${e.seenLsn}, then read it from ${server} and got the older LSN ${lsn}: time went backwards`,
        { node: sessionNode, witnesses: [{ t: e.issuedAt, node: sessionNode, key: e.key, what: 'the read was issued' }] },
      );
    }
    if (lsn > (r.seen.get(e.key) ?? 0)) r.seen.set(e.key, lsn);
  }

  /** The acknowledged writes that are not in `log` at the position they were acknowledged with (lost by the primary). */
  writesMissingFrom(log: { entry(lsn: number): { op: { id: string } } | undefined }): AckedWrite[] {
    return this.ackedWrites.filter((w) => log.entry(w.lsn)?.op.id !== w.id);
  }

  /** The read will not return (timed out everywhere). */
  readFailed(session: string, rid: number): void {
    this.sessionOf(session).open.delete(rid);
  }
}
