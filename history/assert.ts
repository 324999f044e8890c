/**
 * Assertions for the history checkers' own invariants: a broken one is a bug in faultline,
 * never a verdict, so it throws and is never swallowed. The same shape as the engine's
 * `assert`, kept here so that `history/` depends on nothing else in the project.
 */
export class HistoryAssertionError extends Error {
  override name = 'HistoryAssertionError';
}

/** Throws when `condition` is false; `message` says what was expected. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new HistoryAssertionError(`assertion failed: ${message}`);
}
