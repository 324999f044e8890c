/**
 * A sequential specification the linearizability checker tests a history against: an initial
 * state and a step function that says whether an operation, with the result it returned, is
 * legal in a state and what state follows. As in Porcupine and Knossos, a model is pure
 * data and functions; the checker never knows which object it is checking.
 *
 * A model also says how to read its operations out of a history (`prepare`), which of them
 * cannot change the state (so that an indeterminate one can be dropped: an `info` read
 * constrains nothing), and, for P-compositionality, how to split a history into independent
 * sub-histories (one per key of a key-value store) that are linearizable together exactly when
 * each is on its own.
 */
import type { History, PairedOperation } from '../history.ts';

/** An operation as the checker sees it: what was asked, what came back, when. */
export interface ModelOperation {
  /** The paired operation's id, for witnesses. */
  id: number;
  f: string;
  /** The argument: a write's value, a cas's [expected, new], an add's amount. */
  input: unknown;
  /** The result: a read's value. Undefined when not known (an `info` operation). */
  output: unknown;
  /** False for an `info` operation: any result is acceptable, and it may take effect or not. */
  known: boolean;
  /** For models made of independent objects (a key-value store): which object it touches. */
  partitionKey?: string;
  source: PairedOperation;
}

/** An operation that provably cannot take effect, and the operations that prove it. */
export interface Refutation {
  stuck: ModelOperation;
  because: ModelOperation[];
  /** Which necessary condition failed. */
  rule: 'stale-read' | 'double-consumption' | 'never-written';
  /** The value the stuck operation needed, as the model's state key. */
  value: string;
}

/** A part of a history that can be checked on its own (P-compositionality). */
export interface Partition {
  /** What this part is, e.g. `key 3`; empty when the history is not split. */
  label: string;
  operations: ModelOperation[];
}

export interface LinearizabilityModel<State = unknown> {
  /** The name users give on the command line. */
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly description: string;
  /** The functions the model understands, for messages. */
  readonly functions: readonly string[];
  init(): State;
  /**
   * Reads one paired operation (never a `fail`: those did not take effect and are dropped
   * before). Returns an error message saying what was expected when the operation is not one
   * of the model's, else the operation.
   */
  prepare(op: PairedOperation): ModelOperation | string;
  /** True when the operation can never change the state (a read). */
  readOnly(op: ModelOperation): boolean;
  /** The state after `op`, or undefined when `op` with its result is illegal in `state`. */
  step(state: State, op: ModelOperation): State | undefined;
  /** A key equal for equal states, for memoization. */
  key(state: State): string;
  /** Splits a history into independent parts; without it, the history is one part. */
  partition?(operations: ModelOperation[]): Partition[];
  /**
   * A quick, sound refutation of one part (a necessary condition of linearizability that fails),
   * tried before the search: null when it finds none. Optional; the search decides regardless.
   */
  refute?(operations: readonly ModelOperation[]): Refutation | null;
  /**
   * A quick proof of a whole history given a proposed order (what the order means is the
   * model's: for the read/write registers, the order in which the writes took effect): the
   * number of operations when it proves the history linearizable, null when it proves nothing.
   * Optional; the search decides regardless.
   */
  proveByOrder?(history: History, order: readonly number[]): number | null;
  /** The operation in words, e.g. `cas(1, 2)`, `read() → 3`. */
  describe(op: ModelOperation): string;
  /** The state in words, e.g. `3`, `nil`, `#{1 2}`. */
  describeState(state: State): string;
}

/** Groups operations by `partitionKey` (P-compositionality for a product of independent objects), in order of first appearance. */
export function partitionByKey(operations: ModelOperation[], label: (op: ModelOperation) => string): Partition[] {
  const parts = new Map<string, Partition>();
  for (const op of operations) {
    const key = op.partitionKey ?? '';
    let part = parts.get(key);
    if (part === undefined) {
      part = { label: label(op), operations: [] };
      parts.set(key, part);
    }
    part.operations.push(op);
  }
  return [...parts.values()];
}
