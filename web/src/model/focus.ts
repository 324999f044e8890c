/**
 * What the user asked to look at: a violation, a divergence, a log row, a note, a message,
 * a client operation of the history view.
 * The cursor pauses at its moment and every view highlights it: the space-time diagram
 * keeps the messages of its key (a transaction, a key, a write) in front and, for a message,
 * its causal past and future; the narration tells the key's story; the verdicts mark the row.
 */

/** A moment an invariant's verdict points at (the scenario's own witnesses, or derived from the trace). */
export interface WitnessMark {
  t: number;
  node?: string;
  key?: string;
  what?: string;
}

export interface Focus {
  kind: 'violation' | 'divergence' | 'outcome' | 'log' | 'note' | 'message' | 'operation';
  /** The moment the cursor stops at. */
  t: number;
  /** The correlation key the views filter on (null: no key). */
  key: string | null;
  /** Nodes concerned. */
  nodes: readonly string[];
  witnesses: readonly WitnessMark[];
  /** Which run it belongs to (compare mode), or null for both. */
  run: number | null;
  /** A message record of that run, for kind 'message'. */
  message?: number;
  /** An id the originating row carries, so it can be shown as selected. */
  id: string;
  label: string;
}
