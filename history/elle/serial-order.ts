/**
 * A quick proof for list-append histories: replay the transactions in an order the caller
 * proposes (a simulation knows in what order its system committed them) and see whether that
 * order explains the whole history. It does when
 *
 * - every committed transaction is in it once, no failed one is, and an indeterminate one may
 *   be (it took effect) or not (it never did);
 * - replayed one after another from empty lists, every read of a committed transaction returns
 *   exactly the list it returned in the history (an indeterminate one's reads are unknown);
 * - no value is appended twice to a key by transactions that may have taken effect;
 * - for strict serializability, no transaction in it completed before one ahead of it was
 *   invoked.
 *
 * Such an order is a serial execution that produces every observed result, so the history is
 * serializable (strictly, with the real-time condition), and Elle's analysis would find
 * nothing: each of its dependencies, cycles and anomalies contradicts some serial execution.
 * The proof is linear in the history and allocates little, which is what a check that judges
 * every run's history needs. When the order does not explain the history the answer is "not
 * proven", never "violated": the caller then runs the full analysis, which finds and explains
 * the anomaly. A wrong proposal costs time, never a verdict.
 */
import type { History, Process } from '../history.ts';

interface Entry {
  type: 'ok' | 'fail' | 'info';
  invokePosition: number;
  completePosition: number;
  invokeValue: unknown;
  completeValue: unknown;
  used: boolean;
}

/**
 * The number of operations when replaying the transactions in `order` (positions of their
 * invocations in `history`) proves the history serializable (`realtime`: strictly), else null.
 */
export function proveBySerialOrder(history: History, order: readonly number[], realtime: boolean): number | null {
  const ops = history.operations;
  const byPosition: (Entry | undefined)[] = new Array(ops.length);
  const open = new Map<Process, Entry>();
  const entries: Entry[] = [];
  for (let position = 0; position < ops.length; position++) {
    const op = ops[position]!;
    if (op.f !== 'txn') return null;
    if (op.type === 'invoke') {
      if (open.has(op.process)) return null;
      const entry: Entry = {
        type: 'info',
        invokePosition: position,
        completePosition: Number.POSITIVE_INFINITY,
        invokeValue: op.value,
        completeValue: undefined,
        used: false,
      };
      byPosition[position] = entry;
      entries.push(entry);
      open.set(op.process, entry);
      continue;
    }
    const entry = open.get(op.process);
    if (entry === undefined) return null;
    open.delete(op.process);
    entry.type = op.type;
    entry.completeValue = op.value;
    if (op.type !== 'info') entry.completePosition = position;
  }

  // The order: committed or indeterminate transactions, each once, respecting real time.
  let latestInvoke = -1;
  for (const position of order) {
    const entry = byPosition[position];
    if (entry === undefined || entry.used || entry.type === 'fail') return null;
    entry.used = true;
    if (realtime && entry.completePosition < latestInvoke) return null;
    if (entry.invokePosition > latestInvoke) latestInvoke = entry.invokePosition;
  }

  // Appended values are unique per key among the transactions that may have taken effect.
  const appended = new Map<unknown, Set<unknown>>();
  for (const entry of entries) {
    if (entry.type === 'fail') continue;
    if (entry.type === 'ok' && !entry.used) return null;
    const mops = entry.type === 'ok' ? entry.completeValue : entry.invokeValue;
    if (!Array.isArray(mops)) return null;
    for (const mop of mops) {
      if (!Array.isArray(mop) || mop.length !== 3 || !isAtom(mop[1])) return null;
      if (mop[0] !== 'append') continue;
      if (!isAtom(mop[2])) return null;
      let values = appended.get(mop[1]);
      if (values === undefined) appended.set(mop[1], (values = new Set()));
      if (values.has(mop[2])) return null;
      values.add(mop[2]);
    }
  }

  // Replay: every committed read sees exactly what the order has appended so far.
  const lists = new Map<unknown, unknown[]>();
  for (const position of order) {
    const entry = byPosition[position]!;
    const ok = entry.type === 'ok';
    for (const mop of (ok ? entry.completeValue : entry.invokeValue) as [unknown, unknown, unknown][]) {
      const [f, key, value] = mop;
      if (f === 'append') {
        const list = lists.get(key);
        if (list === undefined) lists.set(key, [value]);
        else list.push(value);
      } else if (f !== 'r') return null;
      else if (ok) {
        if (value !== null && !Array.isArray(value)) return null;
        const read = (value ?? []) as unknown[];
        const list = lists.get(key);
        const length = list === undefined ? 0 : list.length;
        if (read.length !== length) return null;
        for (let i = 0; i < length; i++) if (read[i] !== list![i]) return null;
      }
    }
  }
  return entries.length;
}

/** Keys and values the proof compares by identity: strings and numbers (anything else takes the full analysis). */
function isAtom(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number';
}
