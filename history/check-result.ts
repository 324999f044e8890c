/**
 * What every history checker returns: a verdict, the anomalies that support it (each with a
 * type, the operations involved as data, and an explanation in words), how many operations
 * were checked and how long it took. The same shape for linearizability and for
 * transactional anomalies, so the CLI, a scenario and the UI read one type.
 */

/** `ok`: the history satisfies the model; `violated`: it does not (with a witness); `unknown`: a bound was hit first. */
export type Verdict = 'ok' | 'violated' | 'unknown';

/** One finding, with its data and its explanation in words. */
export interface Anomaly {
  /** E.g. `not-linearizable`, `G1c`, `G-single`, `internal`. */
  type: string;
  /** What happened, in a sentence or two, naming operations as `T12` or `process 3's read() → 1`. */
  explanation: string;
  [field: string]: unknown;
}

/**
 * The fields in which an anomaly names an operation by its name (a number: its position, or
 * Jepsen's index): the session checker's `write`, `read`, `earlier`, `later`, and a
 * linearizability witness's `operation`. What reads a witness's operations reads these.
 */
export const OPERATION_NAME_FIELDS: ReadonlySet<string> = new Set(['write', 'read', 'earlier', 'later', 'operation']);

/** The outcome of checking one history against one model. */
export interface CheckResult {
  /** True when the history satisfies the model, false when it does not, null when unknown. */
  ok: boolean | null;
  verdict: Verdict;
  model: string;
  /** The consistency level claimed, for transactional models. */
  consistency?: string;
  /** Client operations checked (invocations, whatever their outcome). */
  operations: number;
  /** Time the check took, by the clock given to it (0 without one). */
  elapsedMs: number;
  /** The anomalies that violate the model or the claimed consistency level. */
  anomalies: Anomaly[];
  /** Anomalies found that the claimed consistency level allows (e.g. G2-item under snapshot isolation). */
  allowed?: Anomaly[];
  /** Why the verdict is unknown: the bound that was hit. */
  unknown?: { bound: 'time' | 'states'; explanation: string };
}

/** Options every checker takes. */
export interface CheckOptions {
  /** Give up with `unknown` after this long (needs `clock`). */
  timeLimitMs?: number;
  /**
   * Reads the time in ms, for `timeLimitMs` and `elapsedMs`. Injected so the checkers stay
   * free of platform APIs and deterministic inside a simulation; the CLI passes `performance.now`.
   */
  clock?: () => number;
}

/** A stopwatch over an optional injected clock. */
export function stopwatch(options: CheckOptions): { elapsedMs: () => number; deadlineMs: number | undefined } {
  const clock = options.clock;
  if (options.timeLimitMs !== undefined && clock === undefined)
    throw new Error('a time limit needs a clock: pass options.clock (e.g. () => performance.now())');
  const start = clock?.() ?? 0;
  return {
    elapsedMs: () => (clock === undefined ? 0 : clock() - start),
    deadlineMs: options.timeLimitMs === undefined ? undefined : start + options.timeLimitMs,
  };
}
