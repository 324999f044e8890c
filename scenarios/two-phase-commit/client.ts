/**
 * The client: submits the workload's transfers to the coordinator at their arrival times and
 * re-submits each one (same transaction id) until it hears the outcome. The workload is drawn before the run from the `workload` stream, so
 * every strategy sees exactly the same transfers at the same moments.
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import type { Ledger } from './ledger.ts';
import type { Transfer, TwoPcMessage } from './messages.ts';

export interface Arrival {
  tx: string;
  atMs: number;
  transfer: Transfer;
}

export function client(arrivals: readonly Arrival[], coordinator: NodeId, ledger: Ledger, retryMs: number): Spawn<TwoPcMessage> {
  return (ctx: NodeContext<TwoPcMessage>) => {
    const sentAt = new Map<string, number>();
    const answered = new Set<string>();
    for (let i = 0; i < arrivals.length; i++) ctx.setTimer(Math.max(0, arrivals[i]!.atMs - ctx.now), i);
    return {
      onTimer(tag) {
        const a = arrivals[tag as number]!;
        if (answered.has(a.tx)) return;
        if (!sentAt.has(a.tx)) {
          sentAt.set(a.tx, ctx.now);
          ledger.begin(a.tx);
        }
        ctx.send(coordinator, { type: 'begin', tx: a.tx, transfer: a.transfer });
        ctx.setTimer(retryMs, tag);
      },
      onMessage(_from, m) {
        if (m.type !== 'outcome' || answered.has(m.tx)) return;
        const t0 = sentAt.get(m.tx);
        if (t0 === undefined) return;
        answered.add(m.tx);
        ledger.reported(m.tx, m.committed, ctx.now - t0);
      },
    };
  };
}
