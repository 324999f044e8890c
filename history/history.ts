/**
 * A history of client operations, in Jepsen's model: each operation is invoked by a process
 * and completes once, as `ok` (it took effect), `fail` (it certainly did not) or `info` (it
 * may or may not have, and may still take effect at any later time: a timeout, a crash). An
 * invocation with no completion at all is open, and counts as `info`.
 *
 * These types are what every parser produces, what `HistoryRecorder` records inside a
 * simulation, and what the checkers read. Values are plain JSON values (EDN keywords become
 * strings, vectors and lists arrays, sets arrays, nil null), so one history converts between
 * Jepsen's EDN and faultline's JSON without loss that a checker could notice.
 */

/** What happened at this point of the history. */
export type OperationType = 'invoke' | 'ok' | 'fail' | 'info';

/** The operation types, for validation and messages. */
export const OPERATION_TYPES: readonly OperationType[] = ['invoke', 'ok', 'fail', 'info'];

/** A process: Jepsen numbers them; faultline's clients have names such as `client-3`. */
export type Process = string | number;

/** One entry of a history: an invocation or a completion. */
export interface Operation {
  /** The client process that invoked or completed the operation. */
  process: Process;
  type: OperationType;
  /** The function: `read`, `write`, `cas`, `add`, `txn`... */
  f: string;
  /** The argument at invocation; the result at completion (a read's value, a transaction's micro-ops). */
  value: unknown;
  /** When it happened, in milliseconds (simulated time for faultline's runs; Jepsen's nanoseconds / 1e6). */
  timeMs?: number;
  /** The operation's index in its source history (Jepsen's `:index`), when it has one. */
  index?: number;
  /** The source line it was read from, for messages; not part of the history's value. */
  line?: number;
}

/** A history: its operations in the order they happened. */
export interface History {
  operations: Operation[];
}

/**
 * An invocation paired with its completion. `type` is the completion's (`info` for an open
 * invocation). Positions are indices into the history's `operations`; an open operation's
 * completion position is `Infinity`, as Jepsen puts an indeterminate operation's return at the
 * end of time.
 */
export interface PairedOperation {
  /** Dense id, 0-based, in order of invocation. */
  id: number;
  process: Process;
  f: string;
  type: 'ok' | 'fail' | 'info';
  /** The value at invocation (a write's argument, a transaction as submitted). */
  invokeValue: unknown;
  /** The value at completion (a read's result, a transaction as executed); undefined when open. */
  completeValue: unknown;
  invokePosition: number;
  /** Position of the completion; Infinity for an `info` or open operation. */
  completePosition: number;
  /** Where an `info` completion was recorded (the operation stays open-ended regardless). */
  infoPosition?: number;
  /** The name the history gives it: the invocation's `index` if present, else its position. */
  name: number;
  invokeTimeMs?: number;
  completeTimeMs?: number;
  line?: number;
}
