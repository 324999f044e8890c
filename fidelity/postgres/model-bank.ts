/**
 * ModelBank: the Bank over the transactional-store model — a TransactionalStore on a
 * free-standing engine disk, forced where a database forces (PREPARE, COMMIT, ABORT, a local
 * commit) as the 2PC participant does. A crash is the disk's crash (what was not forced is
 * lost) and a new store recovering from the log, as a restarted participant builds one.
 */
import { DurableStore } from '../../engine/index.ts';
import { TransactionalStore } from '../../scenarios/parts/storage/transactional-store.ts';
import { accountKey, type Bank, type LocalResult, type LockResult, type Observation } from './bank.ts';

const OUTBOX = 'outbox';

export class ModelBank implements Bank {
  private readonly disk = new DurableStore();
  private store: TransactionalStore;

  constructor(
    private readonly accounts: number,
    openingBalance: number,
  ) {
    this.store = new TransactionalStore(this.disk);
    for (let a = 0; a < accounts; a++) this.store.load(accountKey(a), openingBalance);
    this.disk.force();
  }

  async begin(): Promise<void> {}

  async lock(tx: string, accounts: readonly number[]): Promise<LockResult> {
    if (!this.store.lockAll(tx, accounts.map(accountKey))) return { outcome: 'refused' };
    return { outcome: 'locked', values: accounts.map((a) => this.balance(a)) };
  }

  async prepare(tx: string, writes: readonly [number, number][]): Promise<void> {
    this.store.prepare(
      tx,
      writes.map(([a, value]) => ({ key: accountKey(a), value })),
    );
    this.disk.force();
  }

  async rollback(tx: string): Promise<void> {
    this.store.abort(tx);
    this.disk.force();
  }

  async commitPrepared(tx: string): Promise<void> {
    this.store.commit(tx);
    this.disk.force();
  }

  async rollbackPrepared(tx: string): Promise<void> {
    this.store.abort(tx);
    this.disk.force();
  }

  async local(tx: string, from: number, to: number, amount: number): Promise<LocalResult> {
    const keys = [from, to].map(accountKey);
    if (keys.some((k) => this.store.lockHolder(k) !== undefined)) return { outcome: 'refused' };
    const values = [this.balance(from), this.balance(to)];
    if (values[0]! < amount) return { outcome: 'insufficient', values };
    const writes = [
      { key: keys[0]!, value: values[0]! - amount },
      { key: keys[1]!, value: values[1]! + amount },
    ];
    const committed = this.store.commitLocalWith(tx, writes, [{ table: OUTBOX, record: `${tx}:${from}>${to}:${amount}` }]);
    if (!committed) throw new Error(`the model refused ${tx} although no row it needs was locked`);
    this.disk.force();
    return { outcome: 'committed', values };
  }

  async observe(): Promise<Observation> {
    const all = Array.from({ length: this.accounts }, (_, a) => a);
    return {
      balances: all.map((a) => this.balance(a)),
      outbox: [...this.store.table<string>(OUTBOX)],
      inDoubt: [...this.store.inDoubt()].sort(),
      locked: all.map((a) => this.store.lockHolder(accountKey(a)) !== undefined),
    };
  }

  async crash(): Promise<void> {
    this.disk.crash();
    this.store = new TransactionalStore(this.disk);
  }

  private balance(account: number): number {
    return this.store.read(accountKey(account)) ?? 0;
  }
}
