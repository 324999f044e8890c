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
 * anything). Then, every fault healed and the system settled, a final read (Jepsen's)
 * records every account's list as its participant's log holds it, and the coordinator's
 * decision log is proposed to the checker as the serial order (a quick proof when it explains
 * the history; the full analysis when it does not).
 *
 * The check judges this history in every run of a 2PC strategy, so it is built for cost: the
 * client notes its events as plain numbers during the run (objects kept alive through a run
 * cost a check more than the same objects made at its end), and at the end the history is a
 * ListAppendLog — accounts and transfers as small integers, each read a prefix of the
 * account's applied list — that the checker proves in columns, naming accounts and transfers
 * only when someone reads the history as operations (`run --history`, a claim the proof does
 * not settle).
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

import { ListAppendLog } from '../../history/index.ts';
import type { ClientHistory } from '../framework/client-history.ts';
import type { TransactionalStore, WalRecord } from '../parts/storage/transactional-store.ts';
import { type Arrival, arrivalIndex } from './client.ts';
import { accountKey } from './participant.ts';

/** The process the final read is recorded on. */
export const FINAL_READER = 'final-read';

/** What the client did, noted as a number during the run: arrival index × 4 + one of these. */
const SUBMITTED = 0;
const HEARD_COMMIT = 1;
const HEARD_ABORT = 2;

/** Row names by account number, and back, for the accounts a participant may have (params allow 32): spelt once, not per run. */
const ROWS = Array.from({ length: 64 }, (_, a) => accountKey(a));
const ACCOUNT_OF_ROW = new Map<string, number>(ROWS.map((row, a) => [row, a]));

/** The key of row `row` of participant `p` (-1: no transfer touched it). */
function keyOfRow(keyOf: readonly number[], p: number, accounts: number, row: string): number {
  const a = ACCOUNT_OF_ROW.get(row);
  return a === undefined || a >= accounts ? -1 : keyOf[p * accounts + a]!;
}

/** An array of `length` -1s (a plain array: a typed one costs more to make than a run uses it). */
function unset(length: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.push(-1);
  return out;
}

export class TransferHistory {
  /** The client's events in the order they happened, and when (true time): numbers only, so the run keeps no object alive for them. */
  private readonly events: number[] = [];
  private readonly times: number[] = [];
  /**
   * The accounts the transfers touch, numbered as the client first submits a transfer that
   * touches them (deterministic, as the workload): keyOf[participant × accounts + account] → key,
   * and `slots` each key's participant × accounts + account back. Noted at submission, while the
   * arrival is at hand, rather than looked up again at the end.
   */
  private readonly keyOf: number[];
  private readonly slots: number[] = [];
  /** Each arrival's two sides as keys (-1: never submitted). */
  private readonly sides: number[];
  private constructor(
    private readonly history: ClientHistory,
    private readonly arrivals: readonly Arrival[],
    private readonly participants: readonly string[],
    private readonly accounts: number,
    /** Whether a transfer reads the accounts it changes (2PC: yes; the saga's steps: no). */
    private readonly reads: boolean,
    private readonly now: () => number,
  ) {
    this.keyOf = unset(participants.length * accounts);
    this.sides = unset(2 * arrivals.length);
  }

  /** A recorder of the transfers, or null when the history is not recorded (then nothing costs anything). */
  static of(
    history: ClientHistory,
    arrivals: readonly Arrival[],
    participants: readonly string[],
    accounts: number,
    reads: boolean,
    now: () => number,
  ): TransferHistory | null {
    return history.recording ? new TransferHistory(history, arrivals, participants, accounts, reads, now) : null;
  }

  /** The client submits `arrivals[i]` for the first time. */
  submitted(i: number): void {
    this.events.push(i * 4 + SUBMITTED);
    this.times.push(this.now());
    const { from, to } = this.arrivals[i]!.transfer;
    this.sides[2 * i] = this.keyFor(from.participant * this.accounts + from.account);
    this.sides[2 * i + 1] = this.keyFor(to.participant * this.accounts + to.account);
  }

  /** The client hears the outcome of a transfer (once per transfer). */
  heard(tx: string, committed: boolean): void {
    const i = this.arrivalOf(tx);
    if (i < 0) return;
    this.events.push(i * 4 + (committed ? HEARD_COMMIT : HEARD_ABORT));
    this.times.push(this.now());
  }

  /**
   * Once the system has settled: records the client's operations as they happened (a
   * transfer never answered is indeterminate), gives each committed one what it read, and
   * records the final read of every account's list (but those a transaction still in doubt
   * holds locked: a read of them would wait). `stores` are the participants' stores as
   * recovery reads their disks, in `participants` order; `commitOrder` the transfers in the
   * order the system says it committed them, proposed to the checker as a serial order (null:
   * the system kept no such record, and the order in which the client heard COMMIT is proposed).
   */
  end(stores: readonly TransactionalStore[], commitOrder: readonly string[] | null): void {
    const { arrivals, accounts, events, keyOf, slots, sides } = this;
    const n = arrivals.length;
    // What the participants' logs hold: each key's applied transfers in order, and how many a side had applied at its PREPARE.
    const applied: number[][] = [];
    for (let k = 0; k < slots.length; k++) applied.push([]);
    const readAt = unset(2 * n);
    for (let p = 0; p < stores.length; p++) this.readLog(p, stores[p]!.log(), keyOf, slots, sides, applied, readAt);

    const log = new ListAppendLog(
      {
        key: (k) => `${this.participants[Math.floor(slots[k]! / accounts)]!}/${accountKey(slots[k]! % accounts)}`,
        value: (i) => arrivals[i]!.tx,
      },
      // Every transfer and the final read; a transfer's micro-ops (a read and an append per account), the final read's per key.
      { transactions: n + 1, microOps: (this.reads ? 4 : 2) * n + slots.length },
    );
    for (let k = 0; k < slots.length; k++) log.list(applied[k]!);
    /** Arrival index → transaction of the log (-1: never submitted). */
    const txnOf = unset(n);
    for (let k = 0; k < events.length; k++) {
      const code = events[k]!;
      const kind = code % 4;
      const i = (code - kind) / 4;
      if (kind === SUBMITTED) {
        txnOf[i] = log.invoke('client', this.times[k]!);
        for (let s = 2 * i; s < 2 * i + 2; s++) {
          // A side with no PREPARE on record read nothing the history can vouch for: its append alone.
          if (this.reads) log.read(sides[s]!, sides[s]!, readAt[s]!);
          log.append(sides[s]!, i);
        }
      } else if (kind === HEARD_COMMIT) log.ok(txnOf[i]!, this.times[k]!);
      else log.fail(txnOf[i]!, this.times[k]!);
    }
    const now = this.now();
    /** The transfers the client never heard of (indeterminate). */
    const unheard: number[] = [];
    for (let i = 0; i < n; i++)
      if (txnOf[i]! >= 0 && !log.completed(txnOf[i]!)) {
        log.info(txnOf[i]!, now);
        unheard.push(i);
      }
    const read = log.invoke(FINAL_READER, now);
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k]!;
      if (stores[Math.floor(slot / accounts)]?.lockHolder(ROWS[slot % accounts]!) !== undefined) continue;
      log.read(k, k, applied[k]!.length);
    }
    log.ok(read, now);
    const order: number[] = [];
    if (commitOrder === null) {
      for (let k = 0; k < events.length; k++) if (events[k]! % 4 === HEARD_COMMIT) order.push(txnOf[(events[k]! - HEARD_COMMIT) / 4]!);
    } else
      for (const tx of commitOrder) {
        const i = this.arrivalOf(tx);
        if (i < 0 || txnOf[i]! < 0) continue;
        // A decision the client never heard of took effect only if a participant applied it (one that aborted alone did not).
        if (unheard.length > 0 && unheard.includes(i) && !applied[sides[2 * i]!]!.includes(i) && !applied[sides[2 * i + 1]!]!.includes(i)) continue;
        order.push(txnOf[i]!);
      }
    order.push(read);
    log.propose(order);
    this.history.recordColumns(log);
  }

  /** The key of an account slot (participant × accounts + account), numbering it when first seen. */
  private keyFor(slot: number): number {
    let k = this.keyOf[slot]!;
    if (k < 0) {
      k = this.keyOf[slot] = this.slots.length;
      this.slots.push(slot);
    }
    return k;
  }

  /** The arrival a transfer id names (-1: none). */
  private arrivalOf(tx: string): number {
    return arrivalIndex(this.arrivals, tx);
  }

  /**
   * Replays participant `p`'s write-ahead log: appends each transfer it applied to its keys'
   * lists, in log order, and notes for each side it prepared how many transfers the key had
   * applied then (its last PREPARE's, if it prepared twice).
   */
  private readLog(
    p: number,
    records: Iterable<WalRecord>,
    keyOf: readonly number[],
    slots: readonly number[],
    sides: number[],
    applied: number[][],
    readAt: number[],
  ): void {
    const accounts = this.accounts;
    /** This participant's slots are base to base + accounts - 1. */
    const base = p * accounts;
    for (const r of records) {
      if (r.type === 'prepare') {
        const i = this.arrivalOf(r.tx);
        if (i < 0) continue;
        for (const w of r.writes) {
          const k = keyOfRow(keyOf, p, accounts, w.key);
          if (k < 0) continue;
          const s = sides[2 * i] === k ? 2 * i : sides[2 * i + 1] === k ? 2 * i + 1 : -1;
          if (s >= 0) readAt[s] = applied[k]!.length;
        }
      } else if (r.type === 'commit') {
        const i = this.arrivalOf(r.tx);
        if (i < 0) continue;
        // The rows of its PREPARE on this participant: its sides here that have one.
        for (let s = 2 * i; s < 2 * i + 2; s++) {
          const k = sides[s]!;
          if (k >= 0 && readAt[s]! >= 0 && slots[k]! >= base && slots[k]! < base + accounts) applied[k]!.push(i);
        }
      } else if (r.type === 'local') {
        // A saga step, `t9:debit`: the debit and the credit apply the transfer; a refund compensates it and appends nothing.
        const at = r.tx.lastIndexOf(':');
        const step = r.tx.slice(at + 1);
        if (step !== 'debit' && step !== 'credit') continue;
        const i = this.arrivalOf(r.tx.slice(0, at));
        if (i < 0) continue;
        for (const w of r.writes) {
          const k = keyOfRow(keyOf, p, accounts, w.key);
          if (k >= 0) applied[k]!.push(i);
        }
      }
    }
  }
}
