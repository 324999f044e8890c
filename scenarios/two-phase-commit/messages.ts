/**
 * The messages of the two-phase-commit scenario: the 2PC protocol itself, the cooperative
 * termination protocol between participants, and the saga steps of the contrast strategy.
 * Plain JSON, so they show as they are in the trace and the space-time diagram.
 */

/** One side of a transfer: an account on a participant. */
export interface AccountRef {
  participant: number;
  account: number;
}

export interface Transfer {
  from: AccountRef;
  to: AccountRef;
  amount: number;
}

/** A change to one account: the amount to add (negative to debit). */
export interface AccountDelta {
  account: number;
  delta: number;
}

export type TwoPcMessage =
  // client <-> coordinator
  | { type: 'begin'; tx: string; transfer: Transfer }
  | { type: 'outcome'; tx: string; committed: boolean }
  // phase 1
  | { type: 'prepare'; tx: string; deltas: AccountDelta[]; peers: string[] }
  | { type: 'vote'; tx: string; yes: boolean; reason?: string }
  // phase 2
  | { type: 'decision'; tx: string; commit: boolean }
  | { type: 'ack'; tx: string }
  // termination: an in-doubt participant asks the coordinator, or (cooperative) its peers
  | { type: 'inquire'; tx: string }
  | { type: 'peer-inquire'; tx: string }
  | { type: 'peer-status'; tx: string; status: 'committed' | 'aborted' | 'prepared' }
  // saga contrast: one local transaction per step, compensated on failure
  | { type: 'step'; tx: string; step: SagaStep; account: number; delta: number }
  | { type: 'step-result'; tx: string; step: SagaStep; ok: boolean; reason?: string };

export type SagaStep = 'debit' | 'credit' | 'refund';
