/**
 * The transactional-store differential: generated bank workloads run against the model and
 * a live PostgreSQL, every answer compared (transfer-sequence.ts). Workloads without crashes
 * run side by side, one worker per pair of tables; workloads with crashes run one at a time
 * afterwards, since a crash of the server ends every session on it.
 */
import fc from 'fast-check';
import { type AreaTally, addToTally, emptyTally, type Mismatch } from '../mismatch.ts';
import type { PostgresServer } from '../servers/postgres-server.ts';
import { ModelBank } from './model-bank.ts';
import { PostgresBank } from './postgres-bank.ts';
import { runTransferSequence } from './transfer-sequence.ts';
import { ACCOUNTS, OPENING_BALANCE, type TransferStep } from './transfer-step.ts';
import { calmSequence, crashingSequence } from './transfer-step-arbitrary.ts';

export interface TransferOptions {
  sequences: number;
  /** Of which this many let the database crash. */
  crashingSequences: number;
  seed: number;
  workers: number;
}

export const transferDefaults: TransferOptions = { sequences: 1000, crashingSequences: 60, seed: 20, workers: 4 };

export interface TransferReport {
  tally: AreaTally;
  crashes: number;
  /** Prepared transactions in doubt at a crash: each had to come back in pg_prepared_xacts, holding its rows. */
  preparedAtCrash: number;
}

export async function runTransferDifferential(server: PostgresServer, options: TransferOptions): Promise<TransferReport> {
  const calm = fc.sample(calmSequence, { seed: options.seed, numRuns: options.sequences - options.crashingSequences });
  const crashing = fc.sample(crashingSequence, { seed: options.seed + 1, numRuns: options.crashingSequences });
  const tally = emptyTally();
  const survivors = { preparedAtCrash: 0 };
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    const bank = new PostgresBank(server, `w${w}`, ACCOUNTS);
    try {
      for (let index = next++; index < calm.length; index = next++) await runOne(bank, calm[index]!, index, options.seed, tally, survivors);
    } finally {
      await bank.close();
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
  const bank = new PostgresBank(server, 'crash', ACCOUNTS);
  try {
    for (const [index, steps] of crashing.entries()) await runOne(bank, steps, index, options.seed + 1, tally, survivors);
  } finally {
    await bank.close();
  }
  return { tally, crashes: crashing.flat().filter((s) => s.op === 'crash').length, preparedAtCrash: survivors.preparedAtCrash };
}

async function runOne(
  bank: PostgresBank,
  steps: readonly TransferStep[],
  index: number,
  seed: number,
  tally: AreaTally,
  survivors: { preparedAtCrash: number },
): Promise<void> {
  const gidPrefix = `${bank.tag}-s${seed}-${index}-`;
  await bank.reset(OPENING_BALANCE, `${bank.tag}-`);
  const run = await runTransferSequence(steps, new ModelBank(ACCOUNTS, OPENING_BALANCE), bank, gidPrefix);
  survivors.preparedAtCrash += run.preparedAtCrash;
  const mismatches: Mismatch[] =
    run.disagreement === undefined
      ? []
      : [{ area: 'transactions', seed, index, sequence: steps, command: steps[run.disagreement.step] ?? { op: 'observe' }, ...run.disagreement }];
  addToTally(tally, run.operations, mismatches);
}
