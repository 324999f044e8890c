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
 * anything). The client's events themselves are noted as plain numbers during the run and the
 * history is built at its end: objects kept alive through a run cost a check more than the same
 * objects made at its end. Then, every fault healed and the system settled, a final read
 * (Jepsen's) records every account's list as its participant's log holds it, and the
 * coordinator's decision log is proposed to the checker as the serial order (a quick proof when
 * it explains the history; the full analysis when it does not).
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

/** What the client did, noted as a number during the run: arrival index × 4 + one of these. */
const SUBMITTED = 0;
const HEARD_COMMIT = 1;
const HEARD_ABORT = 2;

export class TransferHistory {
  /** The client's events in the order they happened, and when (true time): numbers only, so the run keeps no object alive for them. */
  private readonly events: number[] = [];
  private readonly times: number[] = [];
  /** Transfer id → arrival index. */
  private readonly index = new Map<string, number>();
  /** The accounts' sides, made once each: participant × 65,536 + account → Side. */
  private readonly sides = new Map<number, Side>();

  private constructor(
    private readonly history: ClientHistory,
    private readonly arrivals: readonly Arrival[],
    private readonly participants: readonly string[],
    /** Whether a transfer reads the accounts it changes (2PC: yes; the saga's steps: no). */
    private readonly reads: boolean,
    private readonly now: () => number,
  ) {
    for (let i = 0; i < arrivals.length; i++) this.index.set(arrivals[i]!.tx, i);
  }

  /** A recorder of the transfers, or null when the history is not recorded (then nothing costs anything). */
  static of(history: ClientHistory, arrivals: readonly Arrival[], participants: readonly string[], reads: boolean, now: () => number): TransferHistory | null {
    return history.recording ? new TransferHistory(history, arrivals, participants, reads, now) : null;
  }

  /** The client submits `arrivals[i]` for the first time. */
  submitted(i: number): void {
    this.events.push(i * 4 + SUBMITTED);
    this.times.push(this.now());
  }

  /** The client hears the outcome of a transfer (once per transfer). */
  heard(tx: string, committed: boolean): void {
    const i = this.index.get(tx);
    if (i === undefined) return;
    this.events.push(i * 4 + (committed ? HEARD_COMMIT : HEARD_ABORT));
    this.times.push(this.now());
  }

  /**
   * Once the system has settled: records the client's operations as they happened (a
   * transfer never answered is indeterminate), gives each committed one what it read, and
   * records the final read of every account's list (but those a transaction still in doubt
   * holds locked: a read of them would wait). `stores` are the participants' stores as
   * recovery reads their disks, by name; `commitOrder` the transfers in the order the system
   * says it committed them, proposed to the checker as a serial order.
   */
  end(stores: ReadonlyMap<string, TransactionalStore>, commitOrder: readonly string[]): void {
    const history = this.history;
    const recorded: (Recorded | undefined)[] = new Array(this.arrivals.length);
    for (let k = 0; k < this.events.length; k++) {
      const code = this.events[k]!;
      const i = (code - (code % 4)) / 4;
      const t = this.times[k]!;
      if (code % 4 === SUBMITTED) {
        const a = this.arrivals[i]!;
        const { from, to } = a.transfer;
        const sides = [this.side(from.participant, from.account), this.side(to.participant, to.account)];
        const value: MicroOp[] = [];
        for (const s of sides) {
          if (this.reads) value.push(['r', s.key, null]);
          value.push(['append', s.key, a.tx]);
        }
        const op = history.invoke(history.thread('client'), 'txn', value, t);
        recorded[i] = { tx: a.tx, sides, op, completion: null, answered: false };
        continue;
      }
      const r = recorded[i]!;
      r.answered = true;
      if (code % 4 === HEARD_ABORT) history.fail(r.op, undefined, t);
      else {
        // The reads are facts of the PREPAREs, which came before this; they are filled in below, from the logs.
        r.completion = [];
        history.ok(r.op, r.completion, t);
      }
    }
    const logs = new Map<string, ParticipantLog>();
    for (const [name, store] of stores) logs.set(name, readLog(store.log()));
    /** The accounts the transfers touched, in the order they first did (deterministic, as the workload). */
    const keys = new Map<string, Side>();
    for (const r of recorded) {
      if (r === undefined) continue;
      for (const s of r.sides) if (!keys.has(s.key)) keys.set(s.key, s);
      if (!r.answered) {
        history.info(r.op);
        continue;
      }
      const completion = r.completion;
      if (completion === null) continue;
      for (const s of r.sides) {
        if (this.reads) {
          const log = logs.get(s.participant);
          const seen = log?.readAtPrepare.get(r.tx);
          const at = seen === undefined ? -1 : seen.indexOf(s.row);
          // A side with no PREPARE on record read nothing the history can vouch for: its append alone.
          if (at >= 0) completion.push(['r', s.key, (log!.applied.get(s.row) ?? []).slice(0, seen![at + 1] as number)]);
        }
        completion.push(['append', s.key, r.tx]);
      }
    }
    const reads: MicroOp[] = [];
    const results: MicroOp[] = [];
    for (const s of keys.values()) {
      if (stores.get(s.participant)?.lockHolder(s.row) !== undefined) continue;
      reads.push(['r', s.key, null]);
      results.push(['r', s.key, logs.get(s.participant)?.applied.get(s.row) ?? []]);
    }
    const read = history.invoke(FINAL_READER, 'txn', reads);
    history.ok(read, results);
    const order: ClientOperation[] = [];
    for (const tx of commitOrder) {
      const i = this.index.get(tx);
      const r = i === undefined ? undefined : recorded[i];
      if (r !== undefined) order.push(r.op);
    }
    order.push(read);
    history.proposeOrder(order);
  }

  private side(participant: number, account: number): Side {
    const id = participant * 65_536 + account;
    let side = this.sides.get(id);
    if (side === undefined) {
      const name = this.participants[participant]!;
      const row = accountKey(account);
      this.sides.set(id, (side = { participant: name, row, key: `${name}/${row}` }));
    }
    return side;
  }
}

interface ParticipantLog {
  /** Row → the transfers applied to it, in log order. */
  applied: Map<string, string[]>;
  /** Transfer → [row, how many transfers the row had applied when its (last) PREPARE was logged, row, ...]. */
  readAtPrepare: Map<string, (string | number)[]>;
}

/** Replays a participant's write-ahead log: which transfers each row applied, in order, and what each PREPARE saw. */
function readLog(records: Iterable<WalRecord>): ParticipantLog {
  const applied = new Map<string, string[]>();
  const readAtPrepare = new Map<string, (string | number)[]>();
  for (const r of records) {
    if (r.type === 'prepare') {
      const seen: (string | number)[] = [];
      for (const w of r.writes) seen.push(w.key, applied.get(w.key)?.length ?? 0);
      readAtPrepare.set(r.tx, seen);
      continue;
    }
    let rows: readonly (string | number)[] | undefined;
    let tx = r.tx;
    if (r.type === 'commit') rows = readAtPrepare.get(r.tx);
    else if (r.type === 'local') {
      // A saga step, `t9:debit`: the debit and the credit apply the transfer; a refund compensates it and appends nothing.
      const at = r.tx.lastIndexOf(':');
      const step = r.tx.slice(at + 1);
      if (step !== 'debit' && step !== 'credit') continue;
      tx = r.tx.slice(0, at);
      rows = r.writes.flatMap((w) => [w.key, 0]);
    }
    if (rows === undefined) continue;
    for (let i = 0; i < rows.length; i += 2) {
      const row = rows[i] as string;
      const list = applied.get(row);
      if (list === undefined) applied.set(row, [tx]);
      else list.push(tx);
    }
  }
  return { applied, readAtPrepare };
}
