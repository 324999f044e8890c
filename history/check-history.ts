/**
 * One entry point for every checker: a model name picks the linearizability checker (with
 * the named sequential model) or the transactional one (list-append, rw-register, with a
 * consistency level). This is what the CLI calls and what a scenario will call on its
 * recorded history.
 */
import type { CheckResult } from './check-result.ts';
import { checkTransactions, TRANSACTIONAL_MODELS, type TransactionalModel } from './elle/check-transactions.ts';
import { CONSISTENCY_LEVELS, type ConsistencyLevel } from './elle/consistency.ts';
import type { History } from './history.ts';
import { checkLinearizability, type LinearizabilityOptions } from './linearizability/check-linearizability.ts';
import { LINEARIZABILITY_MODELS } from './linearizability/models/registry.ts';
import { checkSession } from './session/check-session.ts';

/** Every model name a history can be checked against. */
export const HISTORY_MODELS: readonly string[] = [...Object.keys(LINEARIZABILITY_MODELS), ...TRANSACTIONAL_MODELS, 'session'];

/** Options for `checkHistory`. */
export interface HistoryCheckOptions extends LinearizabilityOptions {
  /** A model of HISTORY_MODELS. */
  model: string;
  /** For transactional models: the level claimed (default serializable). Refused for the others. */
  consistency?: ConsistencyLevel;
  /**
   * A proposed order (invocation positions) that, when it explains the history, decides it at
   * once: for list-append a serial order of the transactions, for register and kv the order in
   * which the writes took effect. Ignored by the other models.
   */
  order?: readonly number[];
}

/** True when the model is transactional (checked for anomalies under a consistency level). */
export function isTransactionalModel(model: string): model is TransactionalModel {
  return (TRANSACTIONAL_MODELS as readonly string[]).includes(model);
}

/**
 * Checks a history against a model.
 * @throws Error naming the allowed values when the model or consistency level is unknown
 * @throws HistoryParseError when an operation is not one the model understands
 */
export function checkHistory(history: History, options: HistoryCheckOptions): CheckResult {
  const { model, consistency, ...rest } = options;
  if (consistency !== undefined && !CONSISTENCY_LEVELS.includes(consistency)) {
    throw new Error(`unknown consistency level '${consistency}'; expected one of ${CONSISTENCY_LEVELS.join(', ')}`);
  }
  if (isTransactionalModel(model)) return checkTransactions(history, model, consistency === undefined ? rest : { consistency, ...rest });
  if (model === 'session') {
    if (consistency !== undefined)
      throw new Error(
        `--consistency applies to the transactional models (${TRANSACTIONAL_MODELS.join(', ')}); session checks read-your-writes and monotonic reads`,
      );
    return checkSession(history, rest.clock ? { clock: rest.clock } : {});
  }
  const sequential = LINEARIZABILITY_MODELS[model];
  if (sequential === undefined) throw new Error(`unknown model '${model}'; expected one of ${HISTORY_MODELS.join(', ')}`);
  if (consistency !== undefined) {
    throw new Error(`--consistency applies to the transactional models (${TRANSACTIONAL_MODELS.join(', ')}); ${model} is checked for linearizability`);
  }
  return checkLinearizability(history, sequential, rest);
}
