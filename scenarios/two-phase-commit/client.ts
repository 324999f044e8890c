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
  tx: string;
  atMs: number;
  transfer: Transfer;
}

/** A transfer's stage at the client: submitted (no outcome heard yet), then answered. */
const SUBMITTED = 0;
const ANSWERED = 1;

/** The client; its timers are indices into `arrivals`. It records its transfers in `history` when the run's history is recorded. */
export function client(
  arrivals: readonly Arrival[],
  coordinator: string,
  ledger: Ledger,
  retryMs: number,
  history: TransferHistory | null = null,
): Spawn<TwoPcMessage, number> {
  return (ctx) => {
    /** Where each transfer stands (absent: not submitted yet): one lookup per timer and per outcome. */
    const stage = new Map<string, typeof SUBMITTED | typeof ANSWERED>();
    for (let i = 0; i < arrivals.length; i++) ctx.setTimer(Math.max(0, arrivals[i]!.atMs - ctx.now), i);
    return {
      onTimer(i) {
        const a = arrivals[i]!;
        const at = stage.get(a.tx);
        if (at === ANSWERED) return;
        if (at === undefined) {
          stage.set(a.tx, SUBMITTED);
          ledger.begin(a.tx);
          history?.submitted(i);
        }
        ctx.send(coordinator, { type: 'begin', tx: a.tx, transfer: a.transfer });
        ctx.setTimer(retryMs, i);
      },
      onMessage(_from, m) {
        // Only an outcome of a transfer submitted and not yet answered counts.
        if (m.type !== 'outcome' || stage.get(m.tx) !== SUBMITTED) return;
        stage.set(m.tx, ANSWERED);
        ledger.reported(m.tx, m.committed);
        history?.heard(m.tx, m.committed);
      },
    };
  };
}
