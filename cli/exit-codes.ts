/**
 * The exit codes of every faultline command, in one place so that scripts and CI can rely
 * on them:
 *  - 0 `held`: the command ran and everything held;
 *  - 1 `violated`: it ran and an invariant was violated (a run, a comparison) or a
 *    counterexample was found (a check, even for a strategy whose flaw is expected);
 *  - 2 `badInput`: bad input (unknown scenario, strategy or preset, a parameter out of
 *    bounds, a malformed fault plan or shard spec...) or a run hit a bound; the message on
 *    stderr names the value and what is allowed;
 *  - 3 `internal`: faultline itself failed (a crash, with its stack, or a missing part such as
 *    the server). Kept apart from 1 and 2 so a script never mistakes a bug for a verdict;
 *  - 4 `unknown`: `history check` could not decide a history within its bounds (time or
 *    states) and found no violation: neither a pass nor a failure, so a code of its own.
 */
export const EXIT = {
  held: 0,
  violated: 1,
  badInput: 2,
  internal: 3,
  unknown: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The worse of two outcomes: bad input or a bound beats a violation, which beats success. */
export function worstExit(a: ExitCode, b: ExitCode): ExitCode {
  return Math.max(a, b) as ExitCode;
}
