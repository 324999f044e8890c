/**
 * A history a simulation keeps in columns of numbers instead of an object per operation, so
 * that a check can record and judge one in every run: `ListAppendLog` (transactions) and
 * `KvLog` (registers per key). Each is the same history as the operations it turns into
 * (`operations()`, entry for entry: a position is an entry's index in both), and each proves
 * a proposed order on its columns (`prove`): true when the order explains the history under
 * the claim, false for "not proven" (then the operations get the full check), never a verdict
 * of its own.
 */
import type { ConsistencyLevel } from './elle/consistency.ts';
import type { History, Process } from './history.ts';

/** An entry of a columnar history as an operation: the invocation or completion of operation `op`. */
export interface ColumnarEntry {
  /** The operation (its index in the log). */
  op: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  process: Process;
  f: string;
  timeMs: number;
  value: unknown;
}

export interface ColumnarHistory {
  /** The model of faultline/history its operations are written for. */
  readonly model: string;
  /** Operations recorded (invocations). */
  readonly size: number;
  /** The proposed order, as operation indices (what it orders is the model's), or null. */
  readonly order: readonly number[] | null;
  /** True when the proposed order proves the history satisfies `claim` (false: not proven; a claim of another model is never proven). */
  prove(claim: { model: string; consistency?: ConsistencyLevel }): boolean;
  /** The history's entries in order, as operations. */
  operations(): Iterable<ColumnarEntry>;
}

/** A columnar history as a history of operations, with the processes as recorded (so each must have one operation open at a time). */
export function historyOf(log: ColumnarHistory): History {
  const operations: History['operations'] = [];
  for (const e of log.operations()) operations.push({ process: e.process, type: e.type, f: e.f, value: e.value, timeMs: e.timeMs });
  return { operations };
}
