/**
 * UnforcedFacts: what an auditor was told about transactions a node committed but may not
 * have forced yet.
 *
 * An auditor judges facts the moment they happen (a charge, an event applied), so a node
 * reports a fact as soon as its transaction commits — before the force that makes it durable,
 * because a crash may strike during or right after that force and the node would never get to
 * say anything. Until the node's next force completes, such a fact is provisional: if the node
 * crashes first, its restart looks each one up in what it recovered (by transaction id) and
 * the auditor takes back those the crash undid. A fact is thus counted exactly when its
 * effect is durable, whichever instruction the crash interrupted.
 */
export class UnforcedFacts<F> {
  private readonly byNode = new Map<string, { tx: string; fact: F }[]>();

  constructor(
    /** Undoes a fact's effect on the auditor's books (the transaction did not survive). */
    private readonly retract: (fact: F, node: string) => void,
  ) {}

  /** `node` committed transaction `tx`, which made `fact` true; it is durable once `node` forces. */
  committed(node: string, tx: string, fact: F): void {
    let list = this.byNode.get(node);
    if (list === undefined) this.byNode.set(node, (list = []));
    list.push({ tx, fact });
  }

  /** `node` forced its disk: every fact it reported is durable. */
  forced(node: string): void {
    const list = this.byNode.get(node);
    if (list !== undefined && list.length > 0) list.length = 0;
  }

  /** `node` restarted: facts of transactions it did not recover (`kept(tx)` false) are taken back. */
  recovered(node: string, kept: (tx: string) => boolean): void {
    const list = this.byNode.get(node);
    if (list === undefined) return;
    for (const { tx, fact } of list) if (!kept(tx)) this.retract(fact, node);
    list.length = 0;
  }
}
