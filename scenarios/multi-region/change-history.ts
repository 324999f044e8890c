/**
 * The users' changes as a key-value history, for the generic linearizability checker (`kv`):
 * one register per item, `list/item`, written `added` by the add and `removed` by the removal;
 * `ok` once acknowledged, `info` when the users give up (it may have been applied). Once the
 * system has settled, Jepsen's final read: every register the users wrote, read from the data
 * that counts (the active region's lists), so the history says what the system ended with and
 * the checker judges what the users were told against what survived, independently of the
 * WriteLedger behind the scenario's own invariants.
 *
 * The claim is judged in every run of an active-passive check, so the history is a KvLog
 * (numbers pushed as the changes go and come back: the register's number, 0 for added, 1 for
 * removed), and the active region's replication log is proposed at the end as the order the
 * writes took effect in, which decides a sound run in one pass; named operations are made only
 * when someone reads them (then they are the ones a ClientHistory records directly).
 */
import { KvLog } from '../../history/index.ts';
import type { ClientHistory } from '../framework/client-history.ts';
import type { ReplicationLog } from '../parts/replication/replication-log.ts';
import type { ListChange } from './messages.ts';
import type { StoredList } from './passive-database.ts';

/** The process the final reads are recorded on. */
export const FINAL_READER = 'final-read';

/** The register the history keeps for an item: `list/item`. */
const itemRegister = (key: string, item: string): string => `${key}/${item}`;

/** A register's values: what a change writes. */
const ADDED = 0;
const REMOVED = 1;
const VALUE_NAMES = ['added', 'removed'] as const;
/** A final read of a register no list holds (the key's initial nil). */
const NIL = -1;

export class ChangeHistory {
  /** Each register's name, by its number (numbered as the users first write them). */
  private readonly names: string[] = [];
  /** Each register's add and removal: its operation in the log (-1: none yet). */
  private readonly addOp: number[] = [];
  private readonly removeOp: number[] = [];
  private readonly registerOf = new Map<string, number>();
  private readonly log = new KvLog({ key: (id) => this.names[id]!, value: (v) => VALUE_NAMES[v]! });

  private constructor(
    history: ClientHistory,
    private readonly now: () => number,
  ) {
    history.recordColumns(this.log);
  }

  /** A recorder of the users' changes, or null when the history is not recorded (then nothing costs anything). */
  static of(history: ClientHistory, now: () => number): ChangeHistory | null {
    return history.recording ? new ChangeHistory(history, now) : null;
  }

  /** The users of `process` set out to make `change` (retries are the same operation). Returns the operation. */
  changed(process: string, change: ListChange): number {
    const register = this.register(change);
    const op = this.log.write(process, register, change.remove ? REMOVED : ADDED, this.now());
    (change.remove ? this.removeOp : this.addOp)[register] = op;
    return op;
  }

  /** The change was acknowledged. */
  ok(op: number): void {
    this.log.ok(op, this.now());
  }

  /** The users gave up on the change: it may or may not have been applied. */
  info(op: number): void {
    this.log.info(op, this.now());
  }

  /**
   * Once the system has settled: a final read of every register written, in order of name, as
   * the active region's `lists` hold it (added, removed, or nil: never there), and its log
   * proposed as the order the writes took effect in (each change where it was first applied:
   * a later copy of it changes nothing).
   */
  end(lists: Iterable<StoredList>, log: ReplicationLog<ListChange>): void {
    // By register: an item is in one list only, so its register is the item's (one written by nobody is not read).
    const held: number[] = new Array(this.names.length).fill(NIL);
    for (const list of lists) {
      for (const item of list.items) this.hold(held, item, ADDED);
      for (const item of list.removed) this.hold(held, item, REMOVED);
    }
    const names = this.names;
    const byName = names.map((_, register) => register).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
    const now = this.now();
    for (const register of byName) this.log.ok(this.log.read(FINAL_READER, register, now), now, held[register]!);
    const order: number[] = [];
    const proposed = new Set<number>();
    for (let lsn = 1; lsn <= log.lastLsn; lsn++) {
      const e = log.entry(lsn)!;
      const register = this.registerOf.get(e.op.item);
      if (register === undefined) continue;
      const op = (e.op.remove ? this.removeOp : this.addOp)[register] ?? -1;
      if (op < 0 || proposed.has(op)) continue;
      proposed.add(op);
      order.push(op);
    }
    this.log.propose(order);
  }

  private hold(held: number[], item: string, value: number): void {
    const register = this.registerOf.get(item);
    if (register !== undefined) held[register] = value;
  }

  private register(change: ListChange): number {
    let register = this.registerOf.get(change.item);
    if (register === undefined) {
      register = this.names.length;
      this.names.push(itemRegister(change.key, change.item));
      this.addOp.push(-1);
      this.removeOp.push(-1);
      this.registerOf.set(change.item, register);
    }
    return register;
  }
}
