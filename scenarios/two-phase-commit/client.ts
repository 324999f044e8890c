/**
 * The client: submits the workload's transfers to the coordinator at their arrival times and
 * re-submits each one (same transaction id) until it hears the outcome. The workload is drawn before the run from the `workload` stream, so
 * every strategy sees exactly the same transfers at the same moments.
 */
import type { Spawn } from '../../engine/index.ts';
import type { Ledger } from './ledger.ts';
import type { Transfer, TwoPcMessage } from './messages.ts';
import type { TransferHistory } from './transfer-history.ts';

export interface Arrival {
  /** `t<i + 1>` for the i-th arrival (the workload names them so: see arrivalIndex). */
  tx: string;
  atMs: number;
  transfer: Transfer;
}

/** A transfer's stage at the client: not submitted yet, submitted (no outcome heard yet), answered. */
const UNSUBMITTED = 0;
const SUBMITTED = 1;
const ANSWERED = 2;

/**
 * The arrival a transfer id names (-1: none). The workload names arrival i `t<i + 1>`; the id
 * is read back as a number and confirmed against the arrival's own, so a run needs no map of
 * its ids (a check would build one per run otherwise).
 */
export function arrivalIndex(arrivals: readonly Arrival[], tx: string): number {
  let n = 0;
  for (let c = 1; c < tx.length; c++) {
    const digit = tx.charCodeAt(c) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n >= 1 && arrivals[n - 1]?.tx === tx ? n - 1 : -1;
}

/** The client; its timers are indices into `arrivals`. It records its transfers in `history` when the run's history is recorded. */
export function client(
  arrivals: readonly Arrival[],
  coordinator: string,
  ledger: Ledger,
  retryMs: number,
  history: TransferHistory | null = null,
): Spawn<TwoPcMessage, number> {
  return (ctx) => {
    /** Where each arrival stands, by index: an array, not a map of the transfers' ids (one per run). */
    const stage: number[] = [];
    for (let i = 0; i < arrivals.length; i++) stage.push(UNSUBMITTED);
    for (let i = 0; i < arrivals.length; i++) ctx.setTimer(Math.max(0, arrivals[i]!.atMs - ctx.now), i);
    return {
      onTimer(i) {
        const a = arrivals[i]!;
        if (stage[i] === ANSWERED) return;
        if (stage[i] === UNSUBMITTED) {
          stage[i] = SUBMITTED;
          ledger.begin(a.tx);
          history?.submitted(i);
        }
        ctx.send(coordinator, { type: 'begin', tx: a.tx, transfer: a.transfer });
        ctx.setTimer(retryMs, i);
      },
      onMessage(_from, m) {
        if (m.type !== 'outcome') return;
        // Only an outcome of a transfer submitted and not yet answered counts.
        const i = arrivalIndex(arrivals, m.tx);
        if (i < 0 || stage[i] !== SUBMITTED) return;
        stage[i] = ANSWERED;
        ledger.reported(m.tx, m.committed);
        history?.heard(m.tx, m.committed);
      },
    };
  };
}
