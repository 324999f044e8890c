/**
 * IdempotencyAudit: checks the promise an idempotency store (or a consumer's processed-id
 * store) makes — once a node has answered a keyed request or acknowledged a message, the
 * key's record is on its disk, and it survives every crash after that. A record lost in a
 * crash is a duplicate waiting to happen: the retry or redelivery that follows runs the step
 * again (a second charge, points counted twice).
 *
 * Checking the record itself, at every restart, catches the loss when it happens — not only
 * when some later duplicate happens to arrive and its effect happens to be judged. Nodes
 * report what they answered; a restarted node reports what it recovered; the audit judges,
 * on true time, apart from the protocol.
 */
import type { World } from '../../framework/scenario.ts';

interface Answered {
  table: string;
  key: string;
  atMs: number;
}

export class IdempotencyAudit {
  private readonly byNode = new Map<string, Answered[]>();

  constructor(
    private readonly world: World<unknown>,
    /** The invariant a lost record violates. */
    private readonly invariant: string,
  ) {}

  /** `node` answered the request (or acknowledged the message) keyed `key`, recorded in `table`: from now on the record must survive. */
  answered(node: string, table: string, key: string): void {
    let list = this.byNode.get(node);
    if (list === undefined) this.byNode.set(node, (list = []));
    list.push({ table, key, atMs: this.world.now });
  }

  /** `node` restarted: every key it had answered must be in what it recovered (`has`). */
  recovered(node: string, has: (table: string, key: string) => boolean): void {
    const list = this.byNode.get(node);
    if (list === undefined) return;
    const lost = list.filter((a) => !has(a.table, a.key));
    if (lost.length === 0) return;
    // Reported once: a later restart judges only what this one still had.
    this.byNode.set(
      node,
      list.filter((a) => has(a.table, a.key)),
    );
    const keys = lost.map((a) => a.key);
    this.world.violate(
      this.invariant,
      `${node} restarted without the record of ${keys.length === 1 ? 'a request' : `${keys.length} requests`} it had already answered (${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', ...' : ''}): a retry or redelivery of ${keys.length === 1 ? 'it' : 'them'} would run again`,
      {
        node,
        witnesses: lost.slice(0, 3).map((a) => ({ t: a.atMs, node, key: a.key, what: `${node} answered ${a.key} here; a crash later lost its record` })),
      },
    );
  }
}
