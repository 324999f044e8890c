/**
 * Checks a transactional history for the anomalies a consistency level prohibits, Elle's
 * way: read the transactions, analyse them by model (list-append or rw-register) into a
 * dependency graph plus the anomalies that need no cycle, add real-time edges when the level
 * needs them, find and classify the graph's cycles, and sort every anomaly into those the
 * claimed level prohibits (the verdict) and those it allows (reported apart).
 */
import type { Anomaly, CheckOptions, CheckResult } from '../check-result.ts';
import { stopwatch } from '../check-result.ts';
import type { History } from '../history.ts';
import { pairOperations } from '../pair-operations.ts';
import { type ConsistencyLevel, DEFAULT_CONSISTENCY, needsRealtime, prohibits } from './consistency.ts';
import { findCycles } from './cycles.ts';
import { explainCycle, transactionData, txnName, type WriteVerb } from './explain.ts';
import { analyzeListAppend } from './list-append.ts';
import { addRealtimeEdges } from './realtime-edges.ts';
import { analyzeRwRegister } from './rw-register.ts';
import { proveBySerialOrder } from './serial-order.ts';
import { transactionsOf } from './transaction.ts';

/** The transactional models. */
export type TransactionalModel = 'list-append' | 'rw-register';
export const TRANSACTIONAL_MODELS: readonly TransactionalModel[] = ['list-append', 'rw-register'];

/** Options of the transactional checker. */
export interface TransactionalOptions extends CheckOptions {
  /** The consistency level the system claims (default serializable). */
  consistency?: ConsistencyLevel;
  /** At most this many anomalies of one type are reported in full (default 20); the count says how many there were. */
  examplesMax?: number;
  /**
   * list-append only: a proposed serial order, as the positions in the history of the
   * transactions' invocations (a simulation knows in what order its system committed them).
   * When replaying it explains every read, the verdict is ok at once; otherwise the full
   * analysis runs. A wrong order costs time, never a verdict (see serial-order.ts).
   */
  order?: readonly number[];
}

/** Checks `history` of `model` transactions against the claimed consistency level. */
export function checkTransactions(history: History, model: TransactionalModel, options: TransactionalOptions = {}): CheckResult {
  const watch = stopwatch(options);
  const consistency = options.consistency ?? DEFAULT_CONSISTENCY;
  if (options.order !== undefined && model === 'list-append') {
    const operations = proveBySerialOrder(history, options.order, needsRealtime(consistency));
    if (operations !== null) return { ok: true, verdict: 'ok', model, consistency, operations, elapsedMs: watch.elapsedMs(), anomalies: [] };
  }
  const paired = pairOperations(history);
  const txns = transactionsOf(paired, model);
  const analysis = model === 'list-append' ? analyzeListAppend(txns) : analyzeRwRegister(txns);
  const realtime = needsRealtime(consistency);
  if (realtime) addRealtimeEdges(analysis.graph, txns, (t) => t.type !== 'fail');
  const verb: WriteVerb = model === 'list-append' ? 'append' : 'write';
  const cycles = findCycles(analysis.graph, realtime).map(
    (cycle): Anomaly => ({
      type: cycle.type,
      explanation: explainCycle(cycle.steps, txns, verb),
      cycle: cycle.steps.map((step) => {
        const shown: Record<string, unknown> = { from: txnName(txns[step.from]!), to: txnName(txns[step.to]!), kind: step.kind };
        const { key, fromValue, toValue } = step.reason;
        if (key !== undefined) shown.key = key;
        if (fromValue !== undefined) shown.fromValue = fromValue;
        if (toValue !== undefined) shown.toValue = toValue;
        return shown;
      }),
      transactions: cycle.steps.map((step) => transactionData(txns[step.from]!)),
    }),
  );
  const all = [...analysis.anomalies, ...cycles];
  const examplesMax = options.examplesMax ?? 20;
  const anomalies = summarize(
    all.filter((a) => prohibits(consistency, a.type)),
    examplesMax,
  );
  const allowed = summarize(
    all.filter((a) => !prohibits(consistency, a.type)),
    examplesMax,
  );
  const ok = anomalies.length === 0;
  const result: CheckResult = {
    ok,
    verdict: ok ? 'ok' : 'violated',
    model,
    consistency,
    operations: paired.length,
    elapsedMs: watch.elapsedMs(),
    anomalies,
  };
  if (allowed.length > 0) result.allowed = allowed;
  return result;
}

/** Keeps the first `max` anomalies of each type, noting on the last kept how many there were in all. */
function summarize(anomalies: Anomaly[], max: number): Anomaly[] {
  const counts = new Map<string, number>();
  for (const a of anomalies) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
  const kept: Anomaly[] = [];
  const shown = new Map<string, number>();
  for (const a of anomalies) {
    const n = (shown.get(a.type) ?? 0) + 1;
    shown.set(a.type, n);
    if (n > max) continue;
    const total = counts.get(a.type)!;
    kept.push(n === Math.min(max, total) && total > max ? Object.assign({}, a, { ofType: total }) : a);
  }
  return kept;
}
