/**
 * SessionAuditor: the all-seeing checker of session guarantees, kept apart from the nodes.
 * The primary reports each commit; sessions report the writes acknowledged to them, the
 * reads they issue and what each read returned. The auditor judges:
 *
 *  - read your writes: a read issued after a session's write to a row was acknowledged
 *    returns that write or a later one;
 *  - monotonic reads: a read never returns an older version of a row than one the session
 *    had already been shown;
 *
 * and measures staleness: a read is stale when a newer write to the row had committed before
 * the read was issued; its staleness is how long that newer write had existed by then.
 */
import type { Histogram, NodeId, Simulation } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';

interface Commit {
  lsn: number;
  atMs: number;
}

interface Expectation {
  session: string;
  key: string;
  issuedAt: number;
  /** LSN of the session's latest acknowledged write to the row (0: none). */
  ownLsn: number;
  /** Newest LSN of the row the session had been shown (0: none). */
  seenLsn: number;
  /** Newest LSN of the row committed on the primary when the read was issued. */
  committedLsn: number;
}

export class SessionAuditor {
  private readonly commits = new Map<string, Commit[]>();
  private readonly acked = new Map<string, number>();
  private readonly seen = new Map<string, number>();
  private readonly open = new Map<string, Expectation>();
  readonly stalenessMs: Histogram;
  reads = 0;
  staleReads = 0;
  readYourWritesBroken = 0;
  monotonicBroken = 0;
  readBacks = 0;
  readonly servedBy = new Map<string, number>();

  constructor(
    private readonly world: World<unknown>,
    private readonly sim: Simulation,
  ) {
    this.stalenessMs = sim.metrics.histogram('read-replicas:staleness');
  }

  committed(key: string, lsn: number, atMs: number): void {
    let list = this.commits.get(key);
    if (list === undefined) this.commits.set(key, (list = []));
    list.push({ lsn, atMs });
  }

  writeAcked(session: string, key: string, lsn: number): void {
    const k = `${session}/${key}`;
    this.acked.set(k, Math.max(this.acked.get(k) ?? 0, lsn));
  }

  readIssued(session: string, rid: number, key: string, readBack: boolean): void {
    const k = `${session}/${key}`;
    const list = this.commits.get(key);
    this.open.set(`${session}#${rid}`, {
      session,
      key,
      issuedAt: this.sim.now,
      ownLsn: this.acked.get(k) ?? 0,
      seenLsn: this.seen.get(k) ?? 0,
      committedLsn: list === undefined ? 0 : list[list.length - 1]!.lsn,
    });
    if (readBack && (this.acked.get(k) ?? 0) > 0) {
      this.readBacks++;
      this.world.reach('read-back');
    }
  }

  /** A read returned the row at `lsn` (0: the row did not exist there), served by `node`. */
  readReturned(session: string, rid: number, lsn: number, node: NodeId, sessionNode: NodeId): void {
    const e = this.open.get(`${session}#${rid}`);
    if (e === undefined) return;
    this.open.delete(`${session}#${rid}`);
    this.reads++;
    const server = this.sim.nodeName(node);
    this.servedBy.set(server, (this.servedBy.get(server) ?? 0) + 1);
    if (lsn < e.committedLsn) {
      this.staleReads++;
      const newer = this.commits.get(e.key)!.find((c) => c.lsn > lsn)!;
      this.stalenessMs.record(e.issuedAt - newer.atMs);
    }
    if (lsn < e.ownLsn) {
      this.readYourWritesBroken++;
      this.world.violate(
        'read-your-writes',
        `${session} wrote ${e.key} (LSN ${e.ownLsn}) and was told it was saved, then read it from ${server} and got ${lsn === 0 ? 'no row at all' : `the older LSN ${lsn}`}`,
        sessionNode,
      );
    }
    if (lsn < e.seenLsn) {
      this.monotonicBroken++;
      this.world.violate(
        'monotonic-reads',
        `${session} had already seen ${e.key} at LSN ${e.seenLsn}, then read it from ${server} and got the older LSN ${lsn}: time went backwards`,
        sessionNode,
      );
    }
    const k = `${session}/${e.key}`;
    this.seen.set(k, Math.max(this.seen.get(k) ?? 0, lsn));
  }

  /** The read will not return (timed out everywhere). */
  readFailed(session: string, rid: number): void {
    this.open.delete(`${session}#${rid}`);
  }
}
