/**
 * Bank: what the transfer workload asks of a transactional database, so that the same
 * driver runs it against the model and against PostgreSQL and compares what each answers.
 * Accounts are numbered; a transaction is named by its global id (the 2PC gid).
 */

/** What a transaction's attempt to lock rows met: the rows (and their committed values), or a refusal. */
export type LockResult = { outcome: 'locked'; values: number[] } | { outcome: 'refused' };

/** A one-phase transfer: committed, refused at once (a row was locked), or given up for lack of funds. */
export type LocalResult = { outcome: 'committed' | 'insufficient'; values: number[] } | { outcome: 'refused' };

/** What an outsider sees. */
export interface Observation {
  /** Committed balances, by account. */
  balances: number[];
  /** The outbox's committed records, in commit order. */
  outbox: string[];
  /** Transactions prepared and not yet decided, sorted. */
  inDoubt: string[];
  /** Whether a new transaction would be refused each account's row lock now. */
  locked: boolean[];
}

export interface Bank {
  /** Starts a two-phase transaction. */
  begin(tx: string): Promise<void>;
  /** Locks the accounts' rows for `tx`, all or none, without waiting (NOWAIT). */
  lock(tx: string, accounts: readonly number[]): Promise<LockResult>;
  /** Writes the new balances and prepares: from now on `tx` survives a crash and still holds its locks. */
  prepare(tx: string, writes: readonly [number, number][]): Promise<void>;
  /** Ends a transaction that was not prepared, releasing its locks. */
  rollback(tx: string): Promise<void>;
  commitPrepared(tx: string): Promise<void>;
  rollbackPrepared(tx: string): Promise<void>;
  /** Moves `amount` in one transaction, with an outbox record, if both rows are free and the funds suffice. */
  local(tx: string, from: number, to: number, amount: number): Promise<LocalResult>;
  observe(): Promise<Observation>;
  /** Crashes the database and starts it again: open transactions are gone, prepared ones are not. */
  crash(): Promise<void>;
}

export const accountKey = (account: number): string => `acct${account}`;
