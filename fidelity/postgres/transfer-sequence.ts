/**
 * Runs one generated bank workload against two Banks — the model and PostgreSQL — step by
 * step, and compares what each answered: whether a lock was granted or refused, the values
 * read under the lock, whether a transfer committed, and every observation (balances, the
 * outbox, the transactions in doubt, which rows are locked). Money is conserved on both
 * sides at every observation: the balances always add up to what the accounts opened with.
 *
 * The driver keeps each two-phase transaction's phase (started, locked, prepared, done, or
 * dead once a crash took its session); a step the phase does not allow is skipped on both
 * sides. It stops at the first disagreement, since the two sides no longer share a state.
 */
import type { Bank, Observation } from './bank.ts';
import { ACCOUNTS, OPENING_BALANCE, type TransferStep } from './transfer-step.ts';

type Phase = 'started' | 'locked' | 'prepared' | 'done' | 'dead';

interface Transfer {
  gid: string;
  from: number;
  to: number;
  amount: number;
  phase: Phase;
  /** The balances read under the lock, [from, to]. */
  values?: number[];
}

/** Transactions open at once (each holds a database session) at most. */
const OPEN_MAX = 6;

export interface TransferRun {
  /** Steps run on both sides (skipped ones not counted), observations included. */
  operations: number;
  /** Prepared transactions that were in doubt when the database crashed (and had to survive it). */
  preparedAtCrash: number;
  /** The first disagreement, if any: the step's index and what each side answered. */
  disagreement?: { step: number; model: unknown; server: unknown; why: string };
}

export async function runTransferSequence(steps: readonly TransferStep[], model: Bank, server: Bank, gidPrefix: string): Promise<TransferRun> {
  const transfers: Transfer[] = [];
  let operations = 0;
  let locals = 0;
  let preparedAtCrash = 0;
  const both = async <T>(act: (bank: Bank) => Promise<T>): Promise<[T, T]> => {
    operations++;
    return [await act(model), await act(server)];
  };
  const total = ACCOUNTS * OPENING_BALANCE;
  const observe = async (index: number): Promise<TransferRun['disagreement']> => {
    const [m, s] = await both((bank) => bank.observe());
    const why = differenceOf(m, s, total);
    return why === null ? undefined : { step: index, model: m, server: s, why };
  };

  for (const [index, step] of [...steps, { op: 'observe' } as const].entries()) {
    const tx = 'tx' in step && transfers.length > 0 ? transfers[transfers.length - 1 - (step.tx % transfers.length)]! : undefined;
    let found: TransferRun['disagreement'];
    switch (step.op) {
      case 'transfer': {
        if (transfers.filter((t) => t.phase === 'started' || t.phase === 'locked').length >= OPEN_MAX) break;
        const t: Transfer = { gid: `${gidPrefix}t${transfers.length}`, from: step.from, to: step.to, amount: step.amount, phase: 'started' };
        transfers.push(t);
        await both((bank) => bank.begin(t.gid));
        break;
      }
      case 'lock': {
        if (tx === undefined || (tx.phase !== 'started' && tx.phase !== 'locked')) break;
        const [m, s] = await both((bank) => bank.lock(tx.gid, [tx.from, tx.to]));
        if (JSON.stringify(m) !== JSON.stringify(s)) found = { step: index, model: m, server: s, why: `lock ${tx.gid}: the answers differ` };
        else if (m.outcome === 'locked') {
          tx.phase = 'locked';
          tx.values = m.values;
        }
        break;
      }
      case 'prepare': {
        if (tx?.phase !== 'locked') break;
        const [from, to] = tx.values!;
        // The participant votes NO (and aborts) when the debit would overdraw the account.
        if (from! < tx.amount) await both((bank) => bank.rollback(tx.gid));
        else
          await both((bank) =>
            bank.prepare(tx.gid, [
              [tx.from, from! - tx.amount],
              [tx.to, to! + tx.amount],
            ]),
          );
        tx.phase = from! < tx.amount ? 'done' : 'prepared';
        break;
      }
      case 'commit':
        if (tx?.phase !== 'prepared') break;
        await both((bank) => bank.commitPrepared(tx.gid));
        tx.phase = 'done';
        break;
      case 'abort':
        if (tx === undefined || tx.phase === 'done' || tx.phase === 'dead') break;
        await both((bank) => (tx.phase === 'prepared' ? bank.rollbackPrepared(tx.gid) : bank.rollback(tx.gid)));
        tx.phase = 'done';
        break;
      case 'local': {
        const gid = `${gidPrefix}l${locals++}`;
        const [m, s] = await both((bank) => bank.local(gid, step.from, step.to, step.amount));
        if (JSON.stringify(m) !== JSON.stringify(s)) found = { step: index, model: m, server: s, why: `one-phase transfer ${gid}: the answers differ` };
        break;
      }
      case 'observe':
        found = await observe(index);
        break;
      case 'crash':
        preparedAtCrash += transfers.filter((t) => t.phase === 'prepared').length;
        await both((bank) => bank.crash());
        for (const t of transfers) if (t.phase === 'started' || t.phase === 'locked') t.phase = 'dead';
        // What survived: the prepared transactions, still in doubt and still holding their rows.
        found = await observe(index);
        break;
    }
    if (found !== undefined) return { operations, preparedAtCrash, disagreement: found };
  }
  return { operations, preparedAtCrash };
}

/** Null when the observations agree and both conserve money; otherwise what differs. */
function differenceOf(model: Observation, server: Observation, total: number): string | null {
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  if (sum(model.balances) !== total) return `the model's balances add up to ${sum(model.balances)}, not ${total}`;
  if (sum(server.balances) !== total) return `PostgreSQL's balances add up to ${sum(server.balances)}, not ${total}`;
  for (const field of ['balances', 'outbox', 'inDoubt', 'locked'] as const) {
    if (JSON.stringify(model[field]) !== JSON.stringify(server[field])) return `${field} differ`;
  }
  return null;
}
