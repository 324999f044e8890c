/**
 * The ledger: what an all-seeing auditor records about every transaction, kept apart from
 * the protocol's nodes. Nodes report facts (a participant applied COMMIT, the client heard
 * ABORT); the ledger judges them against the invariants the moment they happen, and
 * accumulates the timings the metrics are made of. It keeps the simulation's true time (the
 * nodes' own clocks may be skewed): it is the observer, not a participant.
 */
import { assert } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';

interface TxRecord {
  tx: string;
  /**
   * Outcomes applied by participants, in the order each first applied one: `appliedBy[i]`
   * applied COMMIT when `appliedCommit[i]`. Two short arrays rather than a map per transfer (a
   * transfer has one or two participants, and every transfer of every run has a record).
   */
  appliedBy: string[];
  appliedCommit: boolean[];
  /**
   * Participants that voted YES on it (in the order they first did): since when each has waited
   * for the outcome (undefined once it learned it), and `waitOrder`, where its wait began in the
   * ledger's count of waits (the order the waits are listed in). Kept on the record the outcome
   * already looks up, not in a map of its own keyed by transaction and participant.
   */
  waitBy: string[];
  waitSince: (number | undefined)[];
  waitOrder: number[];
  /** Sides committed (2PC), and since when the transfer has been half applied (undefined: it is not). */
  sidesCommitted: number;
  halfSince: number | undefined;
  /** What the client was told, if anything. */
  reported: boolean | null;
  violated: boolean;
  /** When it was first judged non-atomic (for an end check's witnesses). */
  violatedAt: number | undefined;
  startedAt: number;
}

export class Ledger {
  private readonly txs = new Map<string, TxRecord>();
  /** Waits begun (each participant's YES vote on a transaction, again after it learned an outcome), and those not yet over. */
  private waitsBegun = 0;
  private waiting = 0;
  readonly inDoubtMs: number[] = [];
  readonly lockHoldMs: number[] = [];
  readonly commitLatencyMs: number[] = [];
  readonly halfAppliedMs: number[] = [];
  committed = 0;
  aborted = 0;
  /** Row locks each participant reports holding (for the chart). */
  readonly locksHeld = new Map<string, number>();

  constructor(private readonly world: World<unknown>) {}

  /** True simulated time. */
  get now(): number {
    return this.world.now;
  }

  begin(tx: string): void {
    this.txs.set(tx, {
      tx,
      appliedBy: [],
      appliedCommit: [],
      waitBy: [],
      waitSince: [],
      waitOrder: [],
      sidesCommitted: 0,
      halfSince: undefined,
      reported: null,
      violated: false,
      violatedAt: undefined,
      startedAt: this.world.now,
    });
  }

  /** A participant voted YES: from now until it learns the outcome it is in doubt. */
  votedYes(tx: string, participant: string): void {
    const r = this.begun(tx);
    const i = r.waitBy.indexOf(participant);
    if (i < 0) {
      r.waitBy.push(participant);
      r.waitSince.push(this.world.now);
      r.waitOrder.push(this.waitsBegun++);
      this.waiting++;
      return;
    }
    // A wait that ended and begins again goes to the back, where a new one goes; one still on keeps its place.
    if (r.waitSince[i] === undefined) {
      r.waitOrder[i] = this.waitsBegun++;
      this.waiting++;
    }
    r.waitSince[i] = this.world.now;
  }

  /** A participant applied an outcome. Judges atomicity and no-double-outcome. */
  applied(tx: string, participant: string, commit: boolean): void {
    const r = this.txs.get(tx);
    if (r === undefined) return;
    const waiter = r.waitBy.indexOf(participant);
    const since = waiter < 0 ? undefined : r.waitSince[waiter];
    if (since !== undefined) {
      this.inDoubtMs.push(this.world.now - since);
      r.waitSince[waiter] = undefined;
      this.waiting--;
    }
    const at = r.appliedBy.indexOf(participant);
    const before = at < 0 ? undefined : r.appliedCommit[at];
    if (before !== undefined && before !== commit) {
      this.world.violate('no-double-outcome', `${participant} applied both COMMIT and ABORT to ${tx}`, {
        node: participant,
        witnesses: [
          { t: this.world.now, node: participant, key: tx, what: `${participant} applied ${commit ? 'COMMIT' : 'ABORT'} after ${before ? 'COMMIT' : 'ABORT'}` },
        ],
      });
    }
    if (at < 0) {
      r.appliedBy.push(participant);
      r.appliedCommit.push(commit);
    } else r.appliedCommit[at] = commit;
    this.judge(r, participant);
  }

  /** The client heard the outcome. */
  reported(tx: string, commit: boolean): void {
    const r = this.txs.get(tx);
    if (r === undefined || r.reported !== null) return;
    r.reported = commit;
    if (commit) {
      this.committed++;
      this.commitLatencyMs.push(this.world.now - r.startedAt);
    } else this.aborted++;
    this.judge(r, null);
  }

  /** A participant has waited past its inquiry timeout: the "in doubt" goal is reached. */
  sawInDoubt(): void {
    this.world.reach('participant-in-doubt');
  }

  /**
   * A saga step changed a balance. A transfer is half applied from its debit until its
   * credit or its refund: that window is when the books do not balance.
   */
  sagaStepApplied(tx: string, step: 'debit' | 'credit' | 'refund'): void {
    const r = this.begun(tx);
    if (step === 'debit') r.halfSince = this.world.now;
    else this.balanced(r);
  }

  /** A 2PC participant committed its side: the transfer is half applied until every side is. */
  sideCommitted(tx: string, sides: number): void {
    const r = this.begun(tx);
    const n = ++r.sidesCommitted;
    if (n === 1) r.halfSince = this.world.now;
    if (n === sides) this.balanced(r);
  }

  private balanced(r: TxRecord): void {
    if (r.halfSince === undefined) return;
    this.halfAppliedMs.push(this.world.now - r.halfSince);
    r.halfSince = undefined;
  }

  /** The record of a transaction the client began, as every one a node works on was (the client begins it before any server hears of it). */
  private begun(tx: string): TxRecord {
    const r = this.txs.get(tx);
    if (r === undefined) assert(false, `${tx} reached a server before the client began it`);
    return r;
  }

  /** Waits in doubt right now: one per participant and transaction (a participant may wait on several). */
  get inDoubtNow(): number {
    return this.waiting;
  }

  reportLocks(participant: string, count: number): void {
    this.locksHeld.set(participant, count);
  }

  /** A transaction released the locks it took at `sinceMs` (true time). */
  lockReleased(sinceMs: number): void {
    this.lockHoldMs.push(this.world.now - sinceMs);
  }

  /** Every participant that applied an outcome agrees, and agrees with what the client heard. */
  private judge(r: TxRecord, by: string | null): void {
    if (r.violated) return;
    // Counted without building lists: this runs on every outcome of every run of a check.
    let commitCount = 0;
    let abortCount = 0;
    for (const commit of r.appliedCommit) {
      if (commit) commitCount++;
      else abortCount++;
    }
    const split = commitCount > 0 && abortCount > 0;
    const lied = r.reported !== null && (r.reported ? abortCount > 0 : commitCount > 0);
    if (!split && !lied) return;
    r.violated = true;
    r.violatedAt ??= this.world.now;
    const names = (commit: boolean): string => {
      const ids: string[] = [];
      for (let i = 0; i < r.appliedBy.length; i++) if (r.appliedCommit[i] === commit) ids.push(r.appliedBy[i]!);
      return ids.join(', ');
    };
    const message = split
      ? `${r.tx} committed on ${names(true)} but aborted on ${names(false)}`
      : `the client was told ${r.tx} ${r.reported ? 'committed' : 'aborted'}, but ${names(!r.reported)} ${r.reported ? 'aborted' : 'committed'} it`;
    const t = this.world.now;
    this.world.violate(
      'atomicity',
      message,
      by === null ? { witnesses: [{ t, key: r.tx, what: message }] } : { node: by, witnesses: [{ t, node: by, key: r.tx, what: message }] },
    );
  }

  /** Transactions judged non-atomic, with when: what an end check that finds money missing points at. */
  brokenTransactions(): { tx: string; t: number }[] {
    return [...this.txs.values()].filter((r) => r.violated).map((r) => ({ tx: r.tx, t: r.violatedAt ?? r.startedAt }));
  }

  /** Participants still waiting for an outcome at the end: their wait counts up to now. */
  stillInDoubt(): { tx: string; participant: string; sinceMs: number }[] {
    if (this.waiting === 0) return [];
    const waits: { tx: string; participant: string; sinceMs: number }[] = [];
    const order: number[] = [];
    for (const r of this.txs.values())
      for (let i = 0; i < r.waitBy.length; i++) {
        const since = r.waitSince[i];
        if (since === undefined) continue;
        waits.push({ tx: r.tx, participant: r.waitBy[i]!, sinceMs: since });
        order.push(r.waitOrder[i]!);
      }
    // In the order the waits began.
    const byOrder = waits.map((_, i) => i).sort((a, b) => order[a]! - order[b]!);
    return byOrder.map((i) => waits[i]!);
  }

  get transactions(): number {
    return this.txs.size;
  }
}
