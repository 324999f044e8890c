/**
 * Wall-clock durations as the command line takes them (`--time-limit`): a number with a
 * unit — `ms`, `s`, `m` or `h` — such as `500ms`, `30s`, `1.5m`, `2h`; a bare number is
 * milliseconds, as every `...Ms` value of faultline and `history check --time-limit` read
 * it. Refusals name the flag and what is allowed.
 */
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
/** A week: longer is surely a typo. */
export const DURATION_MS_MAX = 7 * 24 * 3_600_000;

/** Parses `text` into milliseconds; throws an InvalidArgumentError (exit 2) naming `flag`. */
export function parseDurationMs(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const ms = m === null ? Number.NaN : Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  if (!(ms > 0 && ms <= DURATION_MS_MAX)) {
    throw new InvalidArgumentError(
      `${flag} must be a duration such as 500ms, 30s, 5m or 2h (a bare number is milliseconds), above 0 and at most 7 days, got '${text}'.`,
    );
  }
  return ms;
}

/** A commander parser for a duration option. */
export function durationOption(flag: string): (text: string) => number {
  return (text) => parseDurationMs(text, flag);
}

/** `1,500 ms`, `30 s`, `2.5 min`: a limit as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms.toLocaleString('en-US')} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toLocaleString('en-US', { maximumFractionDigits: 3 })} s`;
  return `${(ms / 60_000).toLocaleString('en-US', { maximumFractionDigits: 2 })} min`;
}
