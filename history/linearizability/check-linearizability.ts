/**
 * Checks a history for linearizability against a model: pairs the operations, drops what
 * cannot matter (failed operations did not take effect; an indeterminate read constrains
 * nothing), splits the rest into independent parts where the model allows
 * (P-compositionality), and runs the Wing–Gong–Lowe search on each part under one shared
 * time bound. Any part that cannot be linearized makes the history not linearizable, with a
 * witness; a part that hit a bound, with none failing, makes the verdict unknown.
 */

import { assert } from '../assert.ts';
import type { Anomaly, CheckOptions, CheckResult } from '../check-result.ts';
import { stopwatch } from '../check-result.ts';
import type { History, PairedOperation } from '../history.ts';
import { pairOperations } from '../pair-operations.ts';
import { HistoryParseError } from '../parse/history-parse-error.ts';
import type { LinearizabilityModel, ModelOperation, Partition, Refutation } from './model.ts';
import { type SearchBudget, searchLinearization } from './search.ts';
import { describeRefutation, describeWitness } from './witness.ts';

/** Options of the linearizability checker. */
export interface LinearizabilityOptions extends CheckOptions {
  /** Give up with `unknown` once a part's search has memoized this many states (default 5,000,000). */
  statesMax?: number;
  /**
   * register and kv: the order in which the writes took effect, as the positions of their
   * invocations (a simulation's database knows its commit order). When it explains the
   * history (write-order.ts) the verdict is ok at once; otherwise the search runs. A wrong
   * order costs time, never a verdict.
   */
  order?: readonly number[];
}

/** Checks `history` against `model`. Throws HistoryParseError when an operation is not one of the model's. */
export function checkLinearizability<S>(history: History, model: LinearizabilityModel<S>, options: LinearizabilityOptions = {}): CheckResult {
  const watch = stopwatch(options);
  if (options.order !== undefined && model.proveByOrder !== undefined) {
    const operations = model.proveByOrder(history, options.order);
    if (operations !== null) return { ok: true, verdict: 'ok', model: model.name, operations, elapsedMs: watch.elapsedMs(), anomalies: [] };
  }
  const paired = pairOperations(history);
  const partitions = partitionsOf(model, prepareAll(model, paired));
  const anomalies: Anomaly[] = [];
  let unknown: CheckResult['unknown'];
  const budget: SearchBudget = { deadlineMs: watch.deadlineMs, statesMax: options.statesMax ?? 5_000_000, ...(options.clock ? { clock: options.clock } : {}) };
  for (const part of partitions) {
    if (replaysInOrder(model, part.operations)) continue;
    const refutation = model.refute?.(part.operations) ?? null;
    if (refutation !== null) {
      anomalies.push(witnessOfRefuted(model, part, refutation, budget, options.clock));
      continue;
    }
    const result = searchLinearization(model, part.operations, budget);
    if (result.verdict === 'not-linearizable') anomalies.push(describeWitness(model, part, result));
    if (result.verdict === 'unknown' && unknown === undefined) {
      unknown = {
        bound: result.bound,
        explanation:
          result.bound === 'time'
            ? `the search${part.label ? ` of ${part.label}` : ''} ran out of its time limit (${options.timeLimitMs} ms) after ${result.statesExplored.toLocaleString('en-US')} states, having linearized ${result.prefix.length} of ${part.operations.length} operations`
            : `the search${part.label ? ` of ${part.label}` : ''} memoized its limit of ${budget.statesMax.toLocaleString('en-US')} states without deciding`,
      };
      if (result.bound === 'time') break;
    }
  }
  const verdict = anomalies.length > 0 ? 'violated' : unknown !== undefined ? 'unknown' : 'ok';
  const result: CheckResult = {
    ok: verdict === 'ok' ? true : verdict === 'violated' ? false : null,
    verdict,
    model: model.name,
    operations: paired.length,
    elapsedMs: watch.elapsedMs(),
    anomalies,
  };
  if (unknown !== undefined && verdict === 'unknown') result.unknown = unknown;
  return result;
}

/**
 * True when the operations, in invocation order, follow one another in real time (each
 * completed before the next was invoked, none indeterminate) and the model accepts them in
 * that order: their only possible linearization is legal, so no search is needed. Most parts
 * of a per-key history with a few operations per key are such. False says nothing: the
 * refutations and the search decide (and explain) the part.
 */
function replaysInOrder<S>(model: LinearizabilityModel<S>, operations: readonly ModelOperation[]): boolean {
  let state = model.init();
  let completed = Number.NEGATIVE_INFINITY;
  for (const op of operations) {
    if (!op.known || op.source.invokePosition < completed) return false;
    completed = op.source.completePosition;
    const next = model.step(state, op);
    if (next === undefined) return false;
    state = next;
  }
  return true;
}

/** How long the search may look for the longest prefix of a history already refuted. */
const REFUTED_SEARCH_MS = 200;
const REFUTED_SEARCH_STATES = 100_000;

/**
 * A refuted part's witness: the search's, with the longest linearizable prefix, when a short
 * search finishes; else the refutation's own.
 */
function witnessOfRefuted<S>(model: LinearizabilityModel<S>, part: Partition, refutation: Refutation, budget: SearchBudget, clock?: () => number): Anomaly {
  const deadlineMs = clock === undefined ? undefined : Math.min(budget.deadlineMs ?? Number.POSITIVE_INFINITY, clock() + REFUTED_SEARCH_MS);
  const short = searchLinearization(model, part.operations, { ...budget, deadlineMs, statesMax: Math.min(budget.statesMax, REFUTED_SEARCH_STATES) });
  assert(short.verdict !== 'linearizable', `the search linearized a history the ${refutation.rule} refutation rejects`);
  if (short.verdict === 'not-linearizable') return describeWitness(model, part, short);
  return describeRefutation(model, part, refutation, short.prefix);
}

/** The model's reading of each operation that can matter; refuses operations it does not know. */
function prepareAll<S>(model: LinearizabilityModel<S>, paired: readonly PairedOperation[]): ModelOperation[] {
  const prepared: ModelOperation[] = [];
  for (const op of paired) {
    if (op.type === 'fail') continue;
    const result = model.prepare(op);
    if (typeof result === 'string') {
      throw new HistoryParseError(`${result} (model ${model.name})`, op.line ?? op.invokePosition + 1, 1, `:${op.f} by process ${String(op.process)}`);
    }
    if (!result.known && model.readOnly(result)) continue;
    prepared.push(result);
  }
  return prepared;
}

function partitionsOf<S>(model: LinearizabilityModel<S>, operations: ModelOperation[]): Partition[] {
  return model.partition === undefined ? [{ label: '', operations }] : model.partition(operations);
}
