/**
 * The users' requests as a key-value history, for the generic linearizability checker: each
 * key a register, each write (or delete, whose tombstone is a value like any other) a write of
 * its request id, each read the id of the write whose value it returned (nil for a key's
 * initial value, which no request wrote). Invoked when the user sends the request, `ok` when
 * the answer is a success; a failed read took no effect (`fail`), a failed or unanswered write
 * may have committed all the same (`info`).
 *
 * versioned-keys promises that no read is ever stale: every read asks the database for the
 * key's current version. That makes each key linearizable, and this history lets a checker
 * that knows nothing of caches, versions or the scenario's own auditor hold it to that.
 *
 * The claim is judged in every run of a check, so the history is a KvLog (numbers pushed as
 * requests go and come back: the key's rank, the request ids) and the database's commit order
 * is proposed at the end as the order the writes took effect in, which decides a sound run in
 * one pass; named operations are made only when someone reads them.
 */

import { KvLog } from '../../history/index.ts';
import type { ClientHistory } from '../framework/client-history.ts';
import type { DbCommit } from '../parts/storage/database.ts';
import type { RequestOutcome } from '../parts/workload/open-loop-clients.ts';
import { keyName, type Request } from '../parts/workload/workload.ts';

/** The process every user request is recorded on (each request in flight on a thread of its own). */
const USERS = 'users';
/** A read of a key's initial value. */
const NIL = -1;

export class RequestHistory {
  private readonly log = new KvLog({ key: keyName, value: (id) => id });
  /**
   * Request id → its operation in the log: an array for the workload's ids (1 to its length,
   * looked up twice per request), a map for the few made up during the run (read-backs).
   */
  private readonly opOf: number[];
  private readonly extraOpOf = new Map<number, number>();

  private constructor(
    history: ClientHistory,
    workload: number,
    private readonly now: () => number,
  ) {
    this.opOf = new Array<number>(workload + 1).fill(-1);
    history.recordColumns(this.log);
  }

  /** A recorder of the users' requests (the workload's ids are 1 to `workload`), or null when the history is not recorded (then nothing costs anything). */
  static of(history: ClientHistory, workload: number, now: () => number): RequestHistory | null {
    return history.recording ? new RequestHistory(history, workload, now) : null;
  }

  /** The user sends an attempt of a request (the first one invokes it). */
  attempted(request: Request, attempt: number): void {
    if (attempt !== 1) return;
    const op = request.kind === 'read' ? this.log.read(USERS, request.rank, this.now()) : this.log.write(USERS, request.rank, request.id, this.now());
    if (request.id < this.opOf.length) this.opOf[request.id] = op;
    else this.extraOpOf.set(request.id, op);
  }

  /** The user has the request's final answer (or gave up). */
  finished(o: RequestOutcome): void {
    const op = this.operation(o.request.id);
    if (op < 0 || this.log.completed(op)) return;
    const now = this.now();
    if (o.request.kind !== 'read') {
      if (o.ok) this.log.ok(op, now);
      else this.log.info(op, now);
    } else if (o.ok) this.log.ok(op, now, writeOf(o.response?.value));
    else this.log.fail(op, now);
  }

  /**
   * Once the run is over: proposes the database's commit order (its log, read from its disk)
   * as the order in which the writes took effect, so that the checker can prove the history
   * in one pass instead of searching for that order (a wrong proposal only costs the search).
   */
  end(commits: Iterable<DbCommit>): void {
    const order: number[] = [];
    for (const c of commits) {
      const op = c.requestId === undefined ? -1 : this.operation(c.requestId);
      if (op >= 0) order.push(op);
    }
    this.log.propose(order);
  }

  /** The operation request `id` invoked (-1: none). */
  private operation(id: number): number {
    return id < this.opOf.length ? this.opOf[id]! : (this.extraOpOf.get(id) ?? -1);
  }
}

/** The write a read's value came from: its request id, or NIL for the row's initial value (`{ w: 0 }`). */
function writeOf(value: unknown): number {
  const w = (value as { w?: unknown } | null | undefined)?.w;
  return typeof w === 'number' && w > 0 ? w : NIL;
}
