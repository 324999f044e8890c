/**
 * The transfers as the client's history of transactions, for Elle's list-append checker.
 *
 * Each transfer is one transaction of the client, invoked when it is first submitted
 * (re-submissions with the same id are the same operation), `ok` when the client hears COMMIT,
 * `fail` when it hears ABORT, `info` when it never learns. In list-append terms a transfer
 * reads each account it touches and appends its own id to it:
 *
 *   [[:r p1/acct3 [t2 t5]] [:append p1/acct3 t9] [:r p2/acct0 [t4]] [:append p2/acct0 t9]]
 *
 * An account's list is the transfers applied to it, in the order its participant applied them
 * (its balance is a fold of that list). What a transfer read of an account is what the
 * participant's row held when it prepared the transfer: the transfers whose COMMIT precedes
 * the PREPARE record in the participant's log, the base it computed the new balance from. A
 * real client would get those reads back in the COMMIT reply; here they are read off the
 * participants' logs once the run is over (they were fixed at PREPARE, before the client heard
 * anything), so the run itself pays nothing per message. At the end, once every fault has
 * healed and the system has settled, a final read (Jepsen's) records every account's list as
 * its participant's log holds it.
 *
 * With that history a transfer committed on one participant and aborted on another shows up
 * as an aborted read (G1a: the final read sees an append of a transfer the client was told
 * aborted) or a lost append (the client was told COMMIT, yet the account went on without the
 * transfer), and a participant that lets a second transfer read a row before the first one's
 * outcome is applied shows up as a dependency cycle (the second read a list the first then
 * appended to). None of it uses the ledger behind the scenario's own invariants.
 *
 * The saga contrast records the same transactions without reads (a saga step reads nothing
 * another step depends on); its final read lists the transfers whose debit or credit step
 * was applied, and a refunded transfer's debit stays visible there: a saga is not isolated,
 * so it claims nothing of this history.
 */
import type { ClientHistory, ClientOperation } from '../framework/client-history.ts';
import type { TransactionalStore, WalRecord } from '../parts/storage/transactional-store.ts';
import type { Arrival } from './client.ts';
import { accountKey } from './participant.ts';

/** The process the final read is recorded on. */
export const FINAL_READER = 'final-read';

type MicroOp = [f: 'r' | 'append', key: string, value: unknown];

interface Side {
  participant: string;
  /** The row on the participant. */
  row: string;
  /** The account's key in the history: `p1/acct3`. */
  key: string;
}

interface Recorded {
  tx: string;
  sides: Side[];
  op: ClientOperation;
  /** The micro-ops of the `ok` completion, filled once the run is over (null until COMMIT is heard). */
  completion: MicroOp[] | null;
  answered: boolean;
}

export class TransferHistory {
  private readonly transfers = new Map<string, Recorded>();

  private constructor(
    private readonly history: ClientHistory,
    private readonly participants: readonly string[],
    /** Whether a transfer reads the accounts it changes (2PC: yes; the saga's steps: no). */
    private readonly reads: boolean,
  ) {}

  /** A recorder of the transfers, or null when the history is not recorded (then nothing costs anything). */
  static of(history: ClientHistory, participants: readonly string[], reads: boolean): TransferHistory | null {
    return history.recording ? new TransferHistory(history, participants, reads) : null;
  }

  /** The client submits a transfer for the first time. */
  submitted(a: Arrival): void {
    const { from, to } = a.transfer;
    const sides = [from, to].map(({ participant, account }) => {
      const name = this.participants[participant]!;
      const row = accountKey(account);
      return { participant: name, row, key: `${name}/${row}` };
    });
    const value: MicroOp[] = [];
    for (const s of sides) {
      if (this.reads) value.push(['r', s.key, null]);
      value.push(['append', s.key, a.tx]);
    }
    const op = this.history.invoke(this.history.thread('client'), 'txn', value);
    this.transfers.set(a.tx, { tx: a.tx, sides, op, completion: null, answered: false });
  }

  /** The client hears the outcome. */
  heard(tx: string, committed: boolean): void {
    const r = this.transfers.get(tx);
    if (r === undefined || r.answered) return;
    r.answered = true;
    if (!committed) return this.history.fail(r.op);
    // The reads are facts of the PREPAREs, which came before this; they are taken from the logs at the end.
    r.completion = [];
    this.history.ok(r.op, r.completion);
  }

  /**
   * Once the system has settled: transfers never answered are indeterminate, the committed
   * ones get what they read, and the final read records every account's list. `stores` are
   * the participants' stores as recovery would read their disks, by participant name.
   */
  end(stores: ReadonlyMap<string, TransactionalStore>): void {
    for (const r of this.transfers.values()) if (!r.answered) this.history.info(r.op);
    const logs = new Map<string, ParticipantLog>();
    for (const [name, store] of stores) logs.set(name, readLog(store.log()));
    for (const r of this.transfers.values()) {
      if (r.completion === null) continue;
      for (const s of r.sides) {
        const log = logs.get(s.participant);
        const seen = log?.readAtPrepare.get(r.tx)?.get(s.row);
        // A side with no PREPARE on record read nothing the history can vouch for: its append alone.
        if (this.reads && log !== undefined && seen !== undefined) r.completion.push(['r', s.key, (log.applied.get(s.row) ?? []).slice(0, seen)]);
        r.completion.push(['append', s.key, r.tx]);
      }
    }
    const keys = new Map<string, Side>();
    for (const r of this.transfers.values()) for (const s of r.sides) keys.set(s.key, s);
    const sorted = [...keys.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const read = this.history.invoke(
      FINAL_READER,
      'txn',
      sorted.map((s): MicroOp => ['r', s.key, null]),
    );
    this.history.ok(
      read,
      sorted.map((s): MicroOp => ['r', s.key, [...(logs.get(s.participant)?.applied.get(s.row) ?? [])]]),
    );
  }
}

interface ParticipantLog {
  /** Row → the transfers applied to it, in log order. */
  applied: Map<string, string[]>;
  /** Transfer → row → how many transfers had been applied to the row when its (last) PREPARE was logged. */
  readAtPrepare: Map<string, Map<string, number>>;
}

/** Replays a participant's write-ahead log: which transfers each row applied, in order, and what each PREPARE saw. */
function readLog(records: Iterable<WalRecord>): ParticipantLog {
  const applied = new Map<string, string[]>();
  const readAtPrepare = new Map<string, Map<string, number>>();
  const writes = new Map<string, readonly string[]>();
  const apply = (row: string, tx: string): void => {
    const list = applied.get(row);
    if (list === undefined) applied.set(row, [tx]);
    else list.push(tx);
  };
  for (const r of records) {
    if (r.type === 'prepare') {
      const rows = r.writes.map((w) => w.key);
      writes.set(r.tx, rows);
      readAtPrepare.set(r.tx, new Map(rows.map((row) => [row, applied.get(row)?.length ?? 0])));
    } else if (r.type === 'commit') {
      for (const row of writes.get(r.tx) ?? []) apply(row, r.tx);
    } else if (r.type === 'local') {
      // A saga step, `t9:debit`: the debit and the credit apply the transfer; a refund compensates it and appends nothing.
      const at = r.tx.lastIndexOf(':');
      const step = r.tx.slice(at + 1);
      if (step === 'debit' || step === 'credit') for (const w of r.writes) apply(w.key, r.tx.slice(0, at));
    }
  }
  return { applied, readAtPrepare };
}
