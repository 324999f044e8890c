/**
 * The first divergence of two runs: the first trace event at which their canonical
 * encodings differ. Compare mode shows it; two runs of one strategy never diverge.
 */
import type { Divergence } from './protocol.ts';

/** The first event where two traces differ, comparing their canonical encodings. */
export function firstDivergence(
  a: { json: string; offsets: ArrayLike<number>; times: ArrayLike<number> },
  b: { json: string; offsets: ArrayLike<number>; times: ArrayLike<number> },
): Divergence | null {
  const na = a.times.length;
  const nb = b.times.length;
  const n = Math.min(na, nb);
  const text = (r: typeof a, i: number): string => r.json.slice(r.offsets[i]!, r.offsets[i + 1]! - 1);
  for (let i = 0; i < n; i++) {
    if (a.times[i] !== b.times[i] || text(a, i) !== text(b, i)) {
      return { index: i, t: Math.min(a.times[i]!, b.times[i]!), a: JSON.parse(text(a, i)), b: JSON.parse(text(b, i)) };
    }
  }
  if (na === nb) return null;
  const longer = na > nb ? a : b;
  const event = JSON.parse(text(longer, n));
  return { index: n, t: longer.times[n]!, a: na > nb ? event : null, b: na > nb ? null : event };
}
