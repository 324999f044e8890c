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

/** The client; its timers are indices into `arrivals`. It records its transfers in `history` when the run's history is recorded. */
export function client(
  arrivals: readonly Arrival[],
  coordinator: string,
  ledger: Ledger,
  retryMs: number,
  history: TransferHistory | null = null,
): Spawn<TwoPcMessage, number> {
  return (ctx) => {
    const answered = new Set<string>();
    const submitted = new Set<string>();
    for (let i = 0; i < arrivals.length; i++) ctx.setTimer(Math.max(0, arrivals[i]!.atMs - ctx.now), i);
    return {
      onTimer(i) {
        const a = arrivals[i]!;
        if (answered.has(a.tx)) return;
        if (!submitted.has(a.tx)) {
          submitted.add(a.tx);
          ledger.begin(a.tx);
          history?.submitted(i);
        }
        ctx.send(coordinator, { type: 'begin', tx: a.tx, transfer: a.transfer });
        ctx.setTimer(retryMs, i);
      },
      onMessage(_from, m) {
        if (m.type !== 'outcome' || answered.has(m.tx) || !submitted.has(m.tx)) return;
        answered.add(m.tx);
        ledger.reported(m.tx, m.committed);
        history?.heard(m.tx, m.committed);
      },
    };
  };
}
