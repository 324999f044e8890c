/**
 * PostgresBank: the Bank over a live PostgreSQL, written as an application would write it.
 *
 *  - A two-phase transaction is a session: BEGIN; `SELECT ... FOR UPDATE NOWAIT` inside a
 *    savepoint (so a refused lock, SQLSTATE 55P03, gives back every row of the attempt and
 *    leaves the transaction usable — all or none, as the model's lockAll); UPDATE; then
 *    `PREPARE TRANSACTION '<gid>'`, after which the session is free and the transaction
 *    belongs to the server, decided later by `COMMIT PREPARED` / `ROLLBACK PREPARED` from
 *    any session.
 *  - A one-phase transfer is BEGIN; lock NOWAIT; UPDATE both rows; INSERT its outbox record;
 *    COMMIT — or ROLLBACK when a row was locked or the funds fall short.
 *  - An outsider reads committed balances with plain SELECTs (which never wait for locks),
 *    lists its own gids in `pg_prepared_xacts`, and probes each row with a one-statement
 *    `SELECT ... FOR UPDATE NOWAIT`, which is what a new transaction would meet.
 *
 * Each worker has its own tables and gid prefix, so workers share one server.
 */
import type pg from 'pg';
import type { PostgresServer } from '../servers/postgres-server.ts';
import { accountKey, type Bank, type LocalResult, type LockResult, type Observation } from './bank.ts';

const LOCK_NOT_AVAILABLE = '55P03';

export class PostgresBank implements Bank {
  private readonly idle: pg.Client[] = [];
  private readonly sessionOf = new Map<string, pg.Client>();
  private observer: pg.Client | null = null;

  constructor(
    private readonly server: PostgresServer,
    /** Table names and gids of this worker carry this tag. */
    readonly tag: string,
    private readonly accounts: number,
  ) {}

  get accountsTable(): string {
    return `accounts_${this.tag}`;
  }

  get outboxTable(): string {
    return `outbox_${this.tag}`;
  }

  /** Creates the tables if need be, ends whatever a previous sequence left, and opens every account. */
  async reset(openingBalance: number, gidPrefix: string): Promise<void> {
    const db = await this.outsider();
    for (const session of this.sessionOf.values()) await session.query('ROLLBACK').catch(() => {});
    this.idle.push(...this.sessionOf.values());
    this.sessionOf.clear();
    const { rows } = await db.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1', [`${gidPrefix}%`]);
    for (const { gid } of rows) await db.query(`ROLLBACK PREPARED '${gid}'`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${this.accountsTable} (key text PRIMARY KEY, value bigint NOT NULL)`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${this.outboxTable} (seq bigserial PRIMARY KEY, record text NOT NULL)`);
    await db.query(`TRUNCATE ${this.accountsTable}, ${this.outboxTable}`);
    const keys = Array.from({ length: this.accounts }, (_, a) => accountKey(a));
    await db.query(`INSERT INTO ${this.accountsTable} SELECT unnest($1::text[]), $2`, [keys, openingBalance]);
  }

  async begin(tx: string): Promise<void> {
    const session = await this.take();
    this.sessionOf.set(tx, session);
    await session.query('BEGIN');
  }

  async lock(tx: string, accounts: readonly number[]): Promise<LockResult> {
    const session = this.session(tx);
    const rows = await lockRows(session, this.accountsTable, accounts, true);
    return rows === null ? { outcome: 'refused' } : { outcome: 'locked', values: rows };
  }

  async prepare(tx: string, writes: readonly [number, number][]): Promise<void> {
    const session = this.session(tx);
    for (const [account, value] of writes) await session.query(`UPDATE ${this.accountsTable} SET value = $2 WHERE key = $1`, [accountKey(account), value]);
    await session.query(`PREPARE TRANSACTION '${tx}'`);
    this.release(tx);
  }

  async rollback(tx: string): Promise<void> {
    await this.session(tx).query('ROLLBACK');
    this.release(tx);
  }

  async commitPrepared(tx: string): Promise<void> {
    await (await this.outsider()).query(`COMMIT PREPARED '${tx}'`);
  }

  async rollbackPrepared(tx: string): Promise<void> {
    await (await this.outsider()).query(`ROLLBACK PREPARED '${tx}'`);
  }

  async local(tx: string, from: number, to: number, amount: number): Promise<LocalResult> {
    const session = await this.take();
    try {
      await session.query('BEGIN');
      const values = await lockRows(session, this.accountsTable, [from, to], false);
      if (values === null) return { outcome: 'refused' };
      if (values[0]! < amount) return { outcome: 'insufficient', values };
      await session.query(`UPDATE ${this.accountsTable} SET value = $2 WHERE key = $1`, [accountKey(from), values[0]! - amount]);
      await session.query(`UPDATE ${this.accountsTable} SET value = $2 WHERE key = $1`, [accountKey(to), values[1]! + amount]);
      await session.query(`INSERT INTO ${this.outboxTable} (record) VALUES ($1)`, [`${tx}:${from}>${to}:${amount}`]);
      await session.query('COMMIT');
      return { outcome: 'committed', values };
    } finally {
      // After COMMIT this is a harmless no-op; otherwise it ends the refused or short transfer.
      await session.query('ROLLBACK').catch(() => {});
      this.idle.push(session);
    }
  }

  async observe(): Promise<Observation> {
    const db = await this.outsider();
    const balances = await db.query<{ value: string }>(`SELECT value FROM ${this.accountsTable} ORDER BY key`);
    const outbox = await db.query<{ record: string }>(`SELECT record FROM ${this.outboxTable} ORDER BY seq`);
    const inDoubt = await db.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1 ORDER BY gid', [`${this.tag}-%`]);
    const locked: boolean[] = [];
    for (let a = 0; a < this.accounts; a++) locked.push((await lockRows(db, this.accountsTable, [a], false)) === null);
    return {
      balances: balances.rows.map((r) => Number(r.value)),
      outbox: outbox.rows.map((r) => r.record),
      inDoubt: inDoubt.rows.map((r) => r.gid).sort(),
      locked,
    };
  }

  async crash(): Promise<void> {
    this.idle.length = 0;
    this.sessionOf.clear();
    this.observer = null;
    await this.server.crash();
    await this.server.restart();
  }

  /** Closes every session this bank opened. */
  async close(): Promise<void> {
    const all = [...this.idle, ...this.sessionOf.values(), ...(this.observer === null ? [] : [this.observer])];
    await Promise.all(all.map((c) => c.end().catch(() => {})));
  }

  private session(tx: string): pg.Client {
    const session = this.sessionOf.get(tx);
    if (session === undefined) throw new Error(`${tx} has no open session`);
    return session;
  }

  private release(tx: string): void {
    const session = this.sessionOf.get(tx);
    this.sessionOf.delete(tx);
    if (session !== undefined) this.idle.push(session);
  }

  private async take(): Promise<pg.Client> {
    return this.idle.pop() ?? (await this.server.connect());
  }

  private async outsider(): Promise<pg.Client> {
    this.observer ??= await this.server.connect();
    return this.observer;
  }
}

/**
 * Locks the accounts' rows NOWAIT and returns their values, or null when one was locked by
 * another transaction. In a transaction (`savepoint`), a refusal is rolled back to a savepoint
 * so the transaction stays usable and keeps no row of the attempt.
 */
async function lockRows(session: pg.Client, table: string, accounts: readonly number[], savepoint: boolean): Promise<number[] | null> {
  const keys = accounts.map(accountKey);
  if (savepoint) await session.query('SAVEPOINT lock_attempt');
  try {
    const { rows } = await session.query<{ key: string; value: string }>(`SELECT key, value FROM ${table} WHERE key = ANY($1) FOR UPDATE NOWAIT`, [keys]);
    if (savepoint) await session.query('RELEASE SAVEPOINT lock_attempt');
    const byKey = new Map(rows.map((r) => [r.key, Number(r.value)]));
    return keys.map((k) => byKey.get(k) ?? 0);
  } catch (error) {
    if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
    if (savepoint) await session.query('ROLLBACK TO SAVEPOINT lock_attempt');
    return null;
  }
}
