/**
 * TransferStep: one step of a generated bank workload, as plain JSON, run against the
 * transactional-store model and against PostgreSQL with the same meaning.
 *
 * Two-phase transfers go step by step, interleaved with each other — begin (`transfer`),
 * take the row locks, prepare, then commit or abort — as the 2PC scenario's participants
 * run them; a `local` transfer is a one-phase transaction (a saga step), which also appends
 * a record to an outbox table in the same transaction. `observe` reads what an outsider sees:
 * balances, the outbox, transactions in doubt, and which rows a new transaction could lock.
 * `crash` crashes the database (PostgreSQL: an immediate shutdown) and starts it again.
 *
 * A step names its transaction by how far back it began: 0 the newest transfer, 1 the one
 * before (modulo how many have begun), so that steps tend to carry one transfer through its
 * phases. A step aimed at a transaction in no state to take it is skipped on both sides.
 */
export type TransferStep =
  | { op: 'transfer'; from: number; to: number; amount: number }
  | { op: 'lock'; tx: number }
  | { op: 'prepare'; tx: number }
  | { op: 'commit'; tx: number }
  | { op: 'abort'; tx: number }
  | { op: 'local'; from: number; to: number; amount: number }
  | { op: 'observe' }
  | { op: 'crash' };

/** Accounts every sequence starts with, and their opening balance. */
export const ACCOUNTS = 4;
export const OPENING_BALANCE = 100;
