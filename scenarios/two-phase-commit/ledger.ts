/**
 * The ledger: what an all-seeing auditor records about every transaction, kept apart from
 * the protocol's nodes. Nodes report facts (a participant applied COMMIT, the client heard
 * ABORT); the ledger judges them against the invariants the moment they happen, and
 * accumulates the timings the metrics are made of.
 */
import type { NodeId, Simulation } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';

interface TxRecord {
  tx: string;
  /** Outcomes applied by participants: node -> commit? */
  applied: Map<NodeId, boolean>;
  /** What the client was told, if anything. */
  reported: boolean | null;
  violated: boolean;
  startedAt: number;
}

export class Ledger {
  private readonly txs = new Map<string, TxRecord>();
  /** (tx, participant) -> time the participant voted YES and started waiting. */
  private readonly waitingSince = new Map<string, number>();
  readonly inDoubtMs: number[] = [];
  readonly lockHoldMs: number[] = [];
  readonly commitLatencyMs: number[] = [];
  readonly halfAppliedMs: number[] = [];
  private readonly halfSince = new Map<string, number>();
  private readonly sidesCommitted = new Map<string, number>();
  committed = 0;
  aborted = 0;
  /** Row locks each participant reports holding (for the chart). */
  readonly locksHeld = new Map<NodeId, number>();

  constructor(
    private readonly world: World<unknown>,
    private readonly sim: Simulation,
  ) {}

  begin(tx: string): void {
    this.txs.set(tx, { tx, applied: new Map(), reported: null, violated: false, startedAt: this.sim.now });
  }

  /** A participant voted YES: from now until it learns the outcome it is in doubt. */
  votedYes(tx: string, participant: NodeId): void {
    this.waitingSince.set(`${tx}@${participant}`, this.sim.now);
  }

  /** A participant applied an outcome. Judges atomicity and no-double-outcome. */
  applied(tx: string, participant: NodeId, commit: boolean): void {
    const r = this.txs.get(tx);
    if (r === undefined) return;
    const key = `${tx}@${participant}`;
    const since = this.waitingSince.get(key);
    if (since !== undefined) {
      this.inDoubtMs.push(this.sim.now - since);
      this.waitingSince.delete(key);
    }
    const before = r.applied.get(participant);
    if (before !== undefined && before !== commit) {
      this.world.violate('no-double-outcome', `${this.sim.nodeName(participant)} applied both COMMIT and ABORT to ${tx}`, participant);
    }
    r.applied.set(participant, commit);
    this.judge(r, participant);
  }

  /** The client heard the outcome. */
  reported(tx: string, commit: boolean, latencyMs: number): void {
    const r = this.txs.get(tx);
    if (r === undefined || r.reported !== null) return;
    r.reported = commit;
    if (commit) {
      this.committed++;
      this.commitLatencyMs.push(latencyMs);
    } else this.aborted++;
    this.judge(r, -1);
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
    if (step === 'debit') this.halfSince.set(tx, this.sim.now);
    else this.balanced(tx);
  }

  /** A 2PC participant committed its side: the transfer is half applied until every side is. */
  sideCommitted(tx: string, sides: number): void {
    const n = (this.sidesCommitted.get(tx) ?? 0) + 1;
    this.sidesCommitted.set(tx, n);
    if (n === 1) this.halfSince.set(tx, this.sim.now);
    if (n === sides) this.balanced(tx);
  }

  private balanced(tx: string): void {
    const since = this.halfSince.get(tx);
    if (since === undefined) return;
    this.halfAppliedMs.push(this.sim.now - since);
    this.halfSince.delete(tx);
  }

  /** Transfers still half applied (debited, neither credited nor refunded). */
  halfApplied(): string[] {
    return [...this.halfSince.keys()];
  }

  /** Participants in doubt right now. */
  get inDoubtNow(): number {
    return this.waitingSince.size;
  }

  reportLocks(participant: NodeId, count: number): void {
    this.locksHeld.set(participant, count);
  }

  lockReleased(heldMs: number): void {
    this.lockHoldMs.push(heldMs);
  }

  /** Every participant that applied an outcome agrees, and agrees with what the client heard. */
  private judge(r: TxRecord, by: NodeId): void {
    if (r.violated) return;
    // Counted without building lists: this runs on every outcome of every run of a check.
    let commitCount = 0;
    let abortCount = 0;
    for (const commit of r.applied.values()) {
      if (commit) commitCount++;
      else abortCount++;
    }
    const split = commitCount > 0 && abortCount > 0;
    const lied = r.reported !== null && (r.reported ? abortCount > 0 : commitCount > 0);
    if (!split && !lied) return;
    r.violated = true;
    const names = (commit: boolean): string => {
      const ids: string[] = [];
      for (const [node, c] of r.applied) if (c === commit) ids.push(this.sim.nodeName(node));
      return ids.join(', ');
    };
    const message = split
      ? `${r.tx} committed on ${names(true)} but aborted on ${names(false)}`
      : `the client was told ${r.tx} ${r.reported ? 'committed' : 'aborted'}, but ${names(!r.reported)} ${r.reported ? 'aborted' : 'committed'} it`;
    this.world.violate('atomicity', message, by >= 0 ? by : undefined);
  }

  /** Participants still waiting for an outcome at the end: their wait counts up to now. */
  stillInDoubt(): { tx: string; participant: NodeId; sinceMs: number }[] {
    return [...this.waitingSince.entries()].map(([key, since]) => {
      const at = key.lastIndexOf('@');
      return { tx: key.slice(0, at), participant: Number(key.slice(at + 1)), sinceMs: since };
    });
  }

  get transactions(): number {
    return this.txs.size;
  }
}
