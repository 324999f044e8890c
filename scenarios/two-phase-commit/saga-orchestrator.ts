/**
 * The saga contrast: no locks held across messages and no in-doubt state. The orchestrator
 * debits the source account in one local transaction, then credits the destination in
 * another; if the credit is refused it compensates with a refund. Every step is retried
 * until answered and is idempotent at the participant (keyed by transaction and step), and
 * the orchestrator's progress is on disk, forced before each step is issued, so a restarted
 * orchestrator resumes each saga where it stopped. The price: between the debit and the
 * credit (or refund) the money is visibly nowhere — isolation is given up for availability.
 */
import type { DurableStore, NodeId, Spawn } from '../../engine/index.ts';
import type { SagaStep, Transfer, TwoPcMessage } from './messages.ts';

export interface SagaConfig {
  client: string;
  /** Participant names, indexed as transfers name them. */
  participants: readonly string[];
  stepRetryMs: number;
}

type Phase = 'debit' | 'credit' | 'refund' | 'completed' | 'compensated' | 'rejected';

interface SagaRecord {
  tx: string;
  transfer: Transfer;
  phase: Phase;
}

type Timer = { tx: string; phase: Phase };

export function sagaOrchestrator(config: SagaConfig): Spawn<TwoPcMessage, Timer> {
  return (ctx) => {
    // The saga log: one record per saga, rewritten on disk at every step.
    const sagas = ctx.disk.map<SagaRecord>(SAGA_LOG);
    const client = ctx.lookup(config.client);
    const participants = config.participants.map((name) => ctx.lookup(name));

    const stepOf = (s: SagaRecord): { node: NodeId; account: number; delta: number } => {
      const { from, to, amount } = s.transfer;
      if (s.phase === 'debit') return { node: participants[from.participant]!, account: from.account, delta: -amount };
      if (s.phase === 'credit') return { node: participants[to.participant]!, account: to.account, delta: amount };
      return { node: participants[from.participant]!, account: from.account, delta: amount };
    };

    /** Moves a saga to its next phase, on disk, forced before anything depends on it. */
    const advance = (s: SagaRecord, phase: Phase): SagaRecord => {
      const next = { ...s, phase };
      sagas.set(s.tx, next);
      ctx.disk.force();
      return next;
    };

    const issue = (s: SagaRecord): void => {
      if (s.phase !== 'debit' && s.phase !== 'credit' && s.phase !== 'refund') return;
      const step = stepOf(s);
      ctx.send(step.node, { type: 'step', tx: s.tx, step: s.phase, account: step.account, delta: step.delta });
      ctx.setTimer(config.stepRetryMs, { tx: s.tx, phase: s.phase });
    };

    const finish = (s: SagaRecord, phase: Phase, committed: boolean, why: string): void => {
      advance(s, phase);
      ctx.send(client, { type: 'outcome', tx: s.tx, committed });
      ctx.state(phase, s.tx);
      ctx.note(() => `saga ${s.tx} ${phase}: ${why}`);
    };

    const onResult = (tx: string, step: SagaStep, ok: boolean, reason: string | undefined): void => {
      const s = sagas.get(tx);
      if (s === undefined || s.phase !== step) return;
      if (step === 'debit') {
        if (!ok) return finish(s, 'rejected', false, `the debit was refused (${reason})`);
        ctx.crashPoint('debit-done');
        issue(advance(s, 'credit'));
      } else if (step === 'credit') {
        if (ok) return finish(s, 'completed', true, 'debit and credit both applied');
        ctx.note(() => `saga ${tx}: the credit was refused (${reason}); compensating with a refund`, 'key');
        issue(advance(s, 'refund'));
      } else if (ok) finish(s, 'compensated', false, 'the debit was refunded');
      else issue(s);
    };

    if (ctx.incarnation > 0) {
      let resumed = 0;
      for (const s of sagas.values()) {
        if (s.phase === 'debit' || s.phase === 'credit' || s.phase === 'refund') {
          issue(s);
          resumed++;
        }
      }
      ctx.note(() => `orchestrator restarts and reads its saga log: ${resumed} saga(s) resumed where they stopped`, 'key');
    }

    return {
      onMessage(_from, m) {
        if (m.type === 'begin') {
          const known = sagas.get(m.tx);
          if (known !== undefined) {
            // A client retry: answer if the saga is over; otherwise the answer will come.
            if (known.phase === 'completed' || known.phase === 'compensated' || known.phase === 'rejected') {
              ctx.send(client, { type: 'outcome', tx: m.tx, committed: known.phase === 'completed' });
            }
            return;
          }
          ctx.crashPoint('begin');
          issue(advance({ tx: m.tx, transfer: m.transfer, phase: 'debit' }, 'debit'));
        } else if (m.type === 'step-result') onResult(m.tx, m.step, m.ok, m.reason);
      },
      onTimer({ tx, phase }) {
        const s = sagas.get(tx);
        if (s !== undefined && s.phase === phase) issue(s);
      },
    };
  };
}

const SAGA_LOG = 'sagas';

/** Sagas not finished (for the end-of-run liveness check). */
export function unfinishedSagas(disk: DurableStore): string[] {
  if (!disk.holds(SAGA_LOG)) return [];
  return [...disk.map<SagaRecord>(SAGA_LOG).values()]
    .filter((s) => s.phase === 'debit' || s.phase === 'credit' || s.phase === 'refund')
    .map((s) => `${s.tx} (at ${s.phase})`);
}
