/**
 * Words and data for transactional anomalies: a transaction is named `T` + its index in the
 * history (as Elle names them), a cycle is told one dependency at a time ("T1 read y = [1]
 * from T2; T2 read x = [1] from T1"), and every anomaly carries the transactions involved as
 * data for JSON and the UI.
 */
import { showValue } from '../values.ts';
import type { CycleStep } from './cycles.ts';
import type { Transaction } from './transaction.ts';

/** A transaction as it appears in an anomaly's data. */
export interface TransactionData {
  name: string;
  process: string | number;
  type: 'ok' | 'fail' | 'info';
  /** Its micro-ops, `[f, key, value]`, as executed (committed) or as submitted. */
  value: unknown[];
  invokePosition: number;
  completePosition: number | null;
  line?: number;
}

/** `T12`. */
export function txnName(txn: Transaction): string {
  return `T${txn.name}`;
}

export function transactionData(txn: Transaction): TransactionData {
  const data: TransactionData = {
    name: txnName(txn),
    process: txn.process,
    type: txn.type,
    value: txn.ops.map((op) => [op.f, op.key, op.value]),
    invokePosition: txn.invokePosition,
    completePosition: Number.isFinite(txn.completePosition) ? txn.completePosition : null,
  };
  if (txn.line !== undefined) data.line = txn.line;
  return data;
}

/** How a model's writes are told: list-append appends, rw-register writes. */
export type WriteVerb = 'append' | 'write';

/** One dependency in words. */
export function explainStep(step: CycleStep, txns: readonly Transaction[], verb: WriteVerb): string {
  const a = txnName(txns[step.from]!);
  const b = txnName(txns[step.to]!);
  const key = showValue(step.reason.key);
  const wrote = (who: string, value: unknown) =>
    verb === 'append' ? `${who} appended ${showValue(value)} to ${key}` : `${who} wrote ${key} = ${showValue(value)}`;
  switch (step.kind) {
    case 'wr':
      return `${b} read ${key} = ${showValue(step.reason.toValue)} from ${a}`;
    case 'ww':
      return `${wrote(a, step.reason.fromValue)}, then ${verb === 'append' ? `${b} appended ${showValue(step.reason.toValue)}` : `${b} overwrote it with ${showValue(step.reason.toValue)}`}`;
    case 'rw':
      return `${a} read ${key} = ${showValue(step.reason.fromValue)}, before ${verb === 'append' ? `${b} appended ${showValue(step.reason.toValue)}` : `${b} wrote ${showValue(step.reason.toValue)}`}`;
    default:
      return `${a} completed before ${b} began`;
  }
}

/** A cycle in words, one dependency after another. */
export function explainCycle(steps: readonly CycleStep[], txns: readonly Transaction[], verb: WriteVerb): string {
  return steps.map((step) => explainStep(step, txns, verb)).join('; ');
}
