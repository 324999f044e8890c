/**
 * A run's client history as a viewer needs it: each operation once, invocation and completion
 * paired (Jepsen's model: `ok`, `fail`, `info` open-ended), its function and values as short
 * text, and for each invariant the strategy claims on the history its verdict and, when it
 * was violated, the anomalies with the operations they name — so the page can draw a lane per
 * client and highlight the witnesses without a checker of its own.
 *
 * Carried beside the verdicts in the run summary (never in the trace: the trace hash does not
 * change). Bounded: at most `operationsMax` operations (the ones the anomalies name always
 * among them, then the earliest invoked), values cut to `VALUE_CHARS`, at most
 * `ANOMALIES_MAX` anomalies per claim; what was left out is counted and said.
 *
 * The anomalies are the run's own judgement of each claim (RunResult.historyJudgements); given
 * only a history and verdicts, a violated claim is judged again with the run's checker and
 * bound (a pure function of the history: the same anomalies).
 */
import { type Anomaly, type CheckResult, checkHistory, type History, OPERATION_NAME_FIELDS, type PairedOperation, pairOperations } from '../history/index.ts';
import { HISTORY_STATES_MAX, type HistoryClaim, type InvariantResult, type InvariantSpec } from '../scenarios/index.ts';

/** One client operation, invocation to completion. */
export interface HistoryOperationView {
  /** Dense id in order of invocation (the paired operation's id). */
  id: number;
  /** The history's name for it (its position, or Jepsen's index): "operation 6" in an anomaly's explanation. */
  name: number;
  process: string;
  f: string;
  type: 'ok' | 'fail' | 'info';
  invokeMs: number;
  /** When it completed; null for `info` and never-completed operations (open to the end of the run). */
  completeMs: number | null;
  /** For a key-value operation (`[k v]` values, as Jepsen's independent keys): the key. */
  key: string | null;
  /** The argument (without its key for a key-value operation), in Jepsen's notation (nil, [1 2]), cut to VALUE_CHARS. */
  value: string;
  /** The result at an ok completion (a read's value; without its key likewise); null when it has none. */
  result: string | null;
}

/** One anomaly of a violated claim: its words and the operations it names. */
export interface HistoryAnomalyView {
  type: string;
  explanation: string;
  /** Ids of the operations it names (its witnesses), in order of invocation. */
  operations: number[];
  /** The operation it is about (the read that missed a write, the operation that cannot take effect), when it names one. */
  main: number | null;
}

/** An invariant judged on the history. */
export interface HistoryClaimView {
  invariant: string;
  model: string;
  consistency?: string;
  /** As the run judged it ('held' also when the checker hit its bound: that is narrated, not a violation). */
  verdict: 'held' | 'violated';
  anomalies: HistoryAnomalyView[];
  /** Anomalies found, including those not carried. */
  anomaliesTotal: number;
}

export interface RunHistory {
  operations: HistoryOperationView[];
  /** Operations in the run's history (operations.length when nothing was cut). */
  operationsTotal: number;
  /** What was left out and why, in words; null when nothing was. */
  cut: string | null;
  claims: HistoryClaimView[];
}

/** Operations sent at most (a few hundred bytes each: a 2,000-operation history is a few hundred KB). */
export const HISTORY_OPERATIONS_MAX = 2_000;
export const VALUE_CHARS = 60;
export const ANOMALIES_MAX = 20;
/** Of a linearizability witness's prefix, the last operations its explanation names. */
const PREFIX_NAMED = 4;

/**
 * The viewer's form of a run's history, or null when the run recorded no operation.
 * `invariants` are the strategy's (with their claims), `results` the run's verdicts and
 * `judgements` its judgement of each claim (RunResult.historyJudgements), when it has them.
 */
export function summarizeHistory(
  history: History,
  invariants: readonly InvariantSpec[],
  results: readonly InvariantResult[],
  operationsMax = HISTORY_OPERATIONS_MAX,
  judgements: Readonly<Record<string, CheckResult>> | null = null,
): RunHistory | null {
  if (history.operations.length === 0) return null;
  const paired = pairOperations(history);
  const byPosition = new Map(paired.map((op) => [op.invokePosition, op]));
  const byName = new Map(paired.map((op) => [op.name, op]));
  const claims: HistoryClaimView[] = [];
  for (const spec of invariants) {
    if (spec.history === undefined) continue;
    const violated = results.some((r) => r.name === spec.name && !r.ok);
    const judged = violated ? (judgements?.[spec.name] ?? judge(history, spec.history)) : null;
    claims.push(claimView(spec.name, spec.history, judged, byName, byPosition));
  }
  const named = new Set(claims.flatMap((c) => c.anomalies.flatMap((a) => a.operations)));
  const kept = paired.length <= operationsMax ? paired : keep(paired, named, operationsMax);
  return {
    operations: kept.map(operationView),
    operationsTotal: paired.length,
    cut: kept.length === paired.length ? null : describeCut(kept.length, paired.length, named.size, operationsMax),
    claims,
  };
}

/** A claim judged as the run judges it (its checker and bound). */
function judge(history: History, claim: HistoryClaim): CheckResult {
  return checkHistory(history, { model: claim.model, ...(claim.consistency ? { consistency: claim.consistency } : {}), statesMax: HISTORY_STATES_MAX });
}

/** A claim's view: held, or violated with the anomalies of its judgement. */
function claimView(
  invariant: string,
  claim: HistoryClaim,
  violation: CheckResult | null,
  byName: ReadonlyMap<number, PairedOperation>,
  byPosition: ReadonlyMap<number, PairedOperation>,
): HistoryClaimView {
  const view: HistoryClaimView = { invariant, model: claim.model, verdict: violation === null ? 'held' : 'violated', anomalies: [], anomaliesTotal: 0 };
  if (claim.consistency !== undefined) view.consistency = claim.consistency;
  if (violation === null) return view;
  view.anomaliesTotal = violation.anomalies.length;
  view.anomalies = violation.anomalies.slice(0, ANOMALIES_MAX).map((a) => anomalyView(a, byName, byPosition));
  return view;
}

/**
 * The operations an anomaly names: by name in the session checker's fields (`write`, `read`,
 * `earlier`, `later`), as operation records elsewhere (a linearizability witness's
 * `operation`, `because`, `pending` and the last of its `prefix`; Elle's `transactions`).
 */
export function anomalyView(
  anomaly: Anomaly,
  byName: ReadonlyMap<number, PairedOperation>,
  byPosition: ReadonlyMap<number, PairedOperation>,
): HistoryAnomalyView {
  const ids = new Set<number>();
  let main: number | null = null;
  const visit = (value: unknown, field: string): void => {
    if (typeof value === 'number') {
      const op = OPERATION_NAME_FIELDS.has(field) ? byName.get(value) : undefined;
      if (op === undefined) return;
      ids.add(op.id);
      if (MAIN_FIELDS.has(field)) main = op.id;
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record.invokePosition === 'number') {
      const op = byPosition.get(record.invokePosition);
      if (op === undefined) return;
      ids.add(op.id);
      if (MAIN_FIELDS.has(field)) main = op.id;
      return;
    }
    if (Array.isArray(value)) {
      const items = field === 'prefix' ? value.slice(-PREFIX_NAMED) : value;
      for (const item of items) visit(item, field);
      return;
    }
    for (const [k, v] of Object.entries(record)) visit(v, k);
  };
  visit(anomaly, '');
  return { type: anomaly.type, explanation: anomaly.explanation, operations: [...ids].sort((a, b) => a - b), main };
}

const MAIN_FIELDS = new Set(['read', 'later', 'operation']);

/** The operations kept under the cap: every named one, then the earliest invoked; in order of invocation. */
function keep(paired: readonly PairedOperation[], named: ReadonlySet<number>, operationsMax: number): PairedOperation[] {
  let room = Math.max(0, operationsMax - named.size);
  return paired.filter((op) => {
    if (named.has(op.id)) return true;
    if (room === 0) return false;
    room--;
    return true;
  });
}

function describeCut(kept: number, total: number, named: number, operationsMax: number): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const namedWords = named === 0 ? '' : ` and the ${n(named)} the anomalies name`;
  return `${n(kept)} of ${n(total)} operations shown: the first ${n(kept - named)} invoked${namedWords} (the history sent to a viewer is capped at ${n(operationsMax)})`;
}

function operationView(op: PairedOperation): HistoryOperationView {
  const key = keyOf(op.invokeValue);
  const unkeyed = (value: unknown): unknown => (key !== null && keyOf(value) === key ? (value as unknown[])[1] : value);
  return {
    id: op.id,
    name: op.name,
    process: String(op.process),
    f: op.f,
    type: op.type,
    invokeMs: op.invokeTimeMs ?? 0,
    completeMs: op.type === 'info' ? null : (op.completeTimeMs ?? null),
    key,
    value: show(unkeyed(op.invokeValue)),
    result: op.type === 'ok' && op.completeValue !== undefined ? show(unkeyed(op.completeValue)) : null,
  };
}

/** The key of a `[k v]` value (k a string or a number), else null. */
function keyOf(value: unknown): string | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const k: unknown = value[0];
  return typeof k === 'string' || typeof k === 'number' ? String(k) : null;
}

/** A value in Jepsen's notation (nil, [k v], strings bare), cut to VALUE_CHARS. */
export function show(value: unknown): string {
  const text = notation(value);
  return text.length <= VALUE_CHARS ? text : `${text.slice(0, VALUE_CHARS - 1)}…`;
}

function notation(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `[${value.map(notation).join(' ')}]`;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}
