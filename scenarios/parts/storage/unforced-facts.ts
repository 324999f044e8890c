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
  private readonly byNode = new Map<string, Unforced<F>>();

  constructor(
    /** Undoes a fact's effect on the auditor's books (the transaction did not survive). */
    private readonly retract: (fact: F, node: string) => void,
  ) {}

  /** `node` committed transaction `tx`, which made `fact` true; it is durable once `node` forces. */
  committed(node: string, tx: string, fact: F): void {
    let list = this.byNode.get(node);
    if (list === undefined) this.byNode.set(node, (list = { count: 0, txs: [], facts: [] }));
    list.txs[list.count] = tx;
    list.facts[list.count++] = fact;
  }

  /** `node` forced its disk: every fact it reported is durable. */
  forced(node: string): void {
    const list = this.byNode.get(node);
    if (list !== undefined) list.count = 0;
  }

  /** `node` restarted: facts of transactions it did not recover (`kept(tx)` false) are taken back. */
  recovered(node: string, kept: (tx: string) => boolean): void {
    const list = this.byNode.get(node);
    if (list === undefined) return;
    for (let i = 0; i < list.count; i++) if (!kept(list.txs[i]!)) this.retract(list.facts[i]!, node);
    list.count = 0;
  }
}

/**
 * A node's unforced facts: the first `count` entries of `txs` and `facts`. A force only resets
 * the count, so the arrays keep their room for the next facts instead of growing again from
 * nothing after every force (a node forces after every step it commits); a stale entry beyond
 * the count is overwritten before it is read again.
 */
interface Unforced<F> {
  count: number;
  txs: string[];
  facts: F[];
}
