/**
 * The one place the transactional-store model is deliberately simpler than PostgreSQL, and
 * the check that the simplification is conservative for the 2PC lesson.
 *
 * The model's row locks are NO_WAIT: a transaction that meets a locked row is refused at once
 * (the participant votes NO). PostgreSQL's default is to wait for the lock. The 2PC scenario's
 * lesson is that a participant in doubt holds its locks, and nobody else gets those rows until
 * the outcome is known — not even after a crash of the database. Each trial prepares a
 * transfer and leaves it in doubt (half the trials crash and restart the server first), then
 * has a second transaction ask for the same row: in PostgreSQL with the default, waiting lock
 * (bounded by `lock_timeout`) it waits the whole timeout and gets nothing (55P03); in the
 * model it is refused at once. Same outcome — no progress while in doubt — and the model's is
 * the sooner one. Once the first transaction commits, both grant the row.
 */
import type pg from 'pg';
import { type AreaTally, addToTally, emptyTally, type Mismatch } from '../mismatch.ts';
import type { PostgresServer } from '../servers/postgres-server.ts';
import { accountKey } from './bank.ts';
import { ModelBank } from './model-bank.ts';
import { PostgresBank } from './postgres-bank.ts';
import { OPENING_BALANCE } from './transfer-step.ts';

export interface LockWaitOptions {
  trials: number;
  lockTimeoutMs: number;
}

export const lockWaitDefaults: LockWaitOptions = { trials: 10, lockTimeoutMs: 100 };

type Answer = 'granted' | 'refused';

export async function runLockWaitCheck(server: PostgresServer, options: LockWaitOptions): Promise<AreaTally> {
  const tally = emptyTally();
  const bank = new PostgresBank(server, 'wait', 2);
  try {
    for (let trial = 0; trial < options.trials; trial++) {
      const crash = trial % 2 === 1;
      await bank.reset(OPENING_BALANCE, 'wait-');
      const model = new ModelBank(2, OPENING_BALANCE);
      const gid = `wait-${trial}`;
      for (const side of [model, bank]) {
        await side.begin(gid);
        await side.lock(gid, [0, 1]);
        await side.prepare(gid, [
          [0, OPENING_BALANCE - 1],
          [1, OPENING_BALANCE + 1],
        ]);
        if (crash) await side.crash();
      }
      const modelInDoubt = await model.lock(`${gid}-b`, [0]);
      const serverInDoubt = await waitingLock(server, bank.accountsTable, options.lockTimeoutMs);
      await model.rollback(`${gid}-b`);
      for (const side of [model, bank]) await side.commitPrepared(gid);
      const modelDecided = await model.lock(`${gid}-c`, [0]);
      const serverDecided = await waitingLock(server, bank.accountsTable, options.lockTimeoutMs);
      const answers = { model: [asAnswer(modelInDoubt.outcome), asAnswer(modelDecided.outcome)], server: [serverInDoubt.answer, serverDecided.answer] };
      const expected = JSON.stringify(['refused', 'granted']);
      const agree = JSON.stringify(answers.model) === expected && JSON.stringify(answers.server) === expected;
      const waited = serverInDoubt.waitedMs >= options.lockTimeoutMs;
      const mismatches: Mismatch[] =
        agree && waited
          ? []
          : [
              {
                area: 'lock-wait',
                seed: 0,
                index: trial,
                sequence: { crash, lockTimeoutMs: options.lockTimeoutMs },
                step: 0,
                command: 'a second transaction asks for a row held by a transaction in doubt, then after the commit',
                model: answers.model,
                server: { answers: answers.server, waitedMs: serverInDoubt.waitedMs },
                why: agree ? 'PostgreSQL answered before its lock timeout' : 'the answers differ from refused-then-granted',
              },
            ];
      addToTally(tally, 4, mismatches);
    }
  } finally {
    await bank.close();
  }
  return tally;
}

function asAnswer(outcome: 'locked' | 'refused'): Answer {
  return outcome === 'locked' ? 'granted' : 'refused';
}

/** PostgreSQL's default lock: wait for the row, up to `lock_timeout`. */
async function waitingLock(server: PostgresServer, table: string, timeoutMs: number): Promise<{ answer: Answer; waitedMs: number }> {
  const session: pg.Client = await server.connect();
  const started = Date.now();
  try {
    await session.query('BEGIN');
    await session.query(`SET LOCAL lock_timeout = '${timeoutMs}ms'`);
    await session.query(`SELECT 1 FROM ${table} WHERE key = $1 FOR UPDATE`, [accountKey(0)]);
    return { answer: 'granted', waitedMs: Date.now() - started };
  } catch (error) {
    if ((error as { code?: string }).code !== '55P03') throw error;
    return { answer: 'refused', waitedMs: Date.now() - started };
  } finally {
    await session.query('ROLLBACK').catch(() => {});
    await session.end().catch(() => {});
  }
}
