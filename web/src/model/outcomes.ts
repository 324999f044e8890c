/**
 * What two compared runs ended up with, and where that first differs: the first divergent
 * event is often trivial (a timer fires before a send), while the user asks "which
 * transaction, write or key came out differently?". Read generically from the trace:
 *  - each (node, key) pair's final state, where a `state` event names a key in its detail
 *    (p3's t5: aborted in A, committed in B; a write kept or lost);
 *  - each key's last `key` note;
 *  - the invariants' verdicts, and the violations' keys.
 * The outcome shown first is the one a violation names (its key on its node), else the one
 * whose deciding moment (in either run) is earliest.
 */
import type { TraceEvent } from '../../../engine/index.ts';
import type { RunSet } from './run-set.ts';
import type { TraceStore } from './trace-store.ts';
import { keyOfText } from './witnesses.ts';

export interface OutcomeDifference {
  /** What differs, in words: "t5 on p3". */
  subject: string;
  key: string | null;
  node: string | null;
  /** Each run's outcome ('—': none). */
  a: string;
  b: string;
  /** When each run settled it (NaN: never). */
  ta: number;
  tb: number;
  /** The earlier of the two: where to look first. */
  t: number;
}

interface Outcome {
  value: string;
  t: number;
  key: string | null;
  node: string | null;
  subject: string;
}

/** Outcomes of one run, by subject. */
function outcomesOf(store: TraceStore): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const [key, indices] of store.statesOfKey) {
    for (const i of indices) {
      const e = store.events[i] as Extract<TraceEvent, { type: 'state' }>;
      out.set(`state|${e.node}|${key}`, { value: e.state, t: e.t, key, node: e.node, subject: `${key} on ${e.node}` });
    }
  }
  for (const inv of store.summary.invariants) {
    const v = inv.violations[0];
    out.set(`invariant|${inv.name}`, {
      value: inv.ok ? 'holds' : `violated${v ? ` (${v.message})` : ''}`,
      t: v?.time ?? Number.NaN,
      key: v ? keyOfText(store, v.message) : null,
      node: v?.node ?? null,
      subject: `invariant ${inv.name}`,
    });
  }
  return out;
}

/** The first outcome that differs between the two runs of a comparison (null: none, or not a comparison). */
export function firstOutcomeDifference(runs: RunSet): OutcomeDifference | null {
  if (!runs.compare) return null;
  const a = outcomesOf(runs.stores[0]!);
  const b = outcomesOf(runs.stores[1]!);
  // What a violation names (its key, its node) is what the user came to see.
  const named = [...a.values(), ...b.values()].filter((o) => o.subject.startsWith('invariant ') && o.key !== null);
  const rank = (d: OutcomeDifference): number => (named.some((o) => o.key === d.key && o.node === d.node) ? 0 : named.some((o) => o.key === d.key) ? 1 : 2);
  let best: OutcomeDifference | null = null;
  let bestInvariant: OutcomeDifference | null = null;
  for (const subject of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(subject);
    const y = b.get(subject);
    const va = x?.value ?? '—';
    const vb = y?.value ?? '—';
    if (va === vb) continue;
    const ta = x?.t ?? Number.NaN;
    const tb = y?.t ?? Number.NaN;
    const t = Math.min(Number.isNaN(ta) ? Number.POSITIVE_INFINITY : ta, Number.isNaN(tb) ? Number.POSITIVE_INFINITY : tb);
    const d: OutcomeDifference = {
      subject: (x ?? y)!.subject,
      key: x?.key ?? y?.key ?? null,
      node: x?.node ?? y?.node ?? null,
      a: va,
      b: vb,
      ta,
      tb,
      t: Number.isFinite(t) ? t : 0,
    };
    if (subject.startsWith('invariant|')) {
      if (bestInvariant === null || d.t < bestInvariant.t) bestInvariant = d;
    } else if (best === null || rank(d) < rank(best) || (rank(d) === rank(best) && d.t < best.t)) best = d;
  }
  // A key's own outcome (a transaction, a write) says more than a verdict; the verdict when there is none.
  return best ?? bestInvariant;
}
