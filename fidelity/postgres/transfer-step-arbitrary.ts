/**
 * The fast-check arbitrary of bank workloads: a few concurrent two-phase transfers over four
 * accounts (so they collide on rows), one-phase transfers among them, amounts that sometimes
 * exceed a balance, observations, and now and then a crash of the database.
 */
import fc from 'fast-check';
import { ACCOUNTS, type TransferStep } from './transfer-step.ts';

const account = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const pair = fc.tuple(account, account).filter(([a, b]) => a !== b);
const amount = fc.integer({ min: 1, max: 150 });
/** How far back the transaction began: mostly the newest ones. */
const tx = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 2 });

const step = (crashWeight: number, commitWeight = 3): fc.Arbitrary<TransferStep> =>
  fc.oneof(
    { arbitrary: fc.record({ pair, amount }).map(({ pair: [from, to], amount }) => ({ op: 'transfer' as const, from, to, amount })), weight: 4 },
    { arbitrary: tx.map((t) => ({ op: 'lock' as const, tx: t })), weight: 5 },
    { arbitrary: tx.map((t) => ({ op: 'prepare' as const, tx: t })), weight: 4 },
    { arbitrary: tx.map((t) => ({ op: 'commit' as const, tx: t })), weight: commitWeight },
    { arbitrary: tx.map((t) => ({ op: 'abort' as const, tx: t })), weight: 1 },
    { arbitrary: fc.record({ pair, amount }).map(({ pair: [from, to], amount }) => ({ op: 'local' as const, from, to, amount })), weight: 3 },
    { arbitrary: fc.constant({ op: 'observe' as const }), weight: 2 },
    ...(crashWeight > 0 ? [{ arbitrary: fc.constant({ op: 'crash' as const }), weight: crashWeight }] : []),
  );

/** A workload of 1 to 30 steps without crashes. */
export const calmSequence: fc.Arbitrary<TransferStep[]> = fc.array(step(0), { minLength: 1, maxLength: 30, size: 'max' });

/**
 * A workload in which the database crashes: a run of steps (long enough for transfers to be
 * prepared, and with few commits, so that some are left in doubt), the crash, and more steps
 * that may crash it again.
 */
export const crashingSequence: fc.Arbitrary<TransferStep[]> = fc
  .tuple(fc.array(step(0, 1), { minLength: 5, maxLength: 25, size: 'max' }), fc.array(step(1), { maxLength: 12, size: 'max' }))
  .map(([before, after]) => [...before, { op: 'crash' as const }, ...after]);
