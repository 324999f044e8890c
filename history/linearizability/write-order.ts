/**
 * A quick proof for read/write registers (`register`, and `kv` key by key) whose writes write
 * unique values, given the order in which the writes took effect (a simulation's database
 * knows its commit order). Linearizability is NP-complete in general, but with the writes'
 * order known and each read's value naming its write it is a matter of intervals (Gibbons and
 * Korach): put every read right after the write whose value it returned (a read of nil before
 * the first write), the reads of one value in order of invocation, and the order is a
 * linearization exactly when no operation in it completed before one ahead of it (of its key)
 * was invoked. Reads of one value are interchangeable, and invocation order is the best order
 * for them: of two reads taken the other way round, the one invoked later but placed first
 * completed after the other was invoked.
 *
 * So the proof needs no search and no memo: a pass over the history and a pass over each key's
 * writes, with two numbers per write (the earliest completion and the latest invocation of
 * the reads of its value). When the proposed order does not explain the history — a read of a
 * value no write in the order wrote, an acknowledged write left out, a value written twice, an
 * operation the proof does not know (a cas) — the answer is "not proven", never "violated",
 * and the search decides. A wrong proposal costs time, never a verdict.
 */
import type { History, Process } from '../history.ts';

const NONE = -1;

/**
 * The number of operations when the history is linearizable with its writes taking effect in
 * `order` (positions of the writes' invocations), else null. `keyed`: values are `[key value]`
 * tuples and each key is a register of its own (kv); else one register.
 */
export function proveByWriteOrder(history: History, order: readonly number[], keyed: boolean): number | null {
  const ops = history.operations;
  // Per operation, in order of invocation: whether it writes, its key's slot, its value, and where it was invoked and completed (+infinity: may still take effect).
  const writes: boolean[] = [];
  const slots: number[] = [];
  const values: unknown[] = [];
  const invoked: number[] = [];
  const completed: number[] = [];
  /** 0 open or info, 1 ok, 2 fail. */
  const outcome: number[] = [];
  const opAt: number[] = [];
  const open = new Map<Process, number>();
  const slotOf = new Map<unknown, number>();
  for (let position = 0; position < ops.length; position++) {
    const entry = ops[position]!;
    if (entry.type === 'invoke') {
      if (open.has(entry.process) || (entry.f !== 'read' && entry.f !== 'write')) return null;
      let key: unknown = null;
      let value = entry.value;
      if (keyed) {
        if (!Array.isArray(value) || value.length !== 2 || !isAtom(value[0])) return null;
        key = value[0];
        value = value[1];
      }
      let slot = slotOf.get(key);
      if (slot === undefined) slotOf.set(key, (slot = slotOf.size));
      const op = writes.length;
      if (entry.f === 'write' && (value === null || !isAtom(value))) return null;
      writes.push(entry.f === 'write');
      slots.push(slot);
      values.push(entry.f === 'write' ? value : null);
      invoked.push(position);
      completed.push(Number.POSITIVE_INFINITY);
      outcome.push(0);
      opAt[position] = op;
      open.set(entry.process, op);
      continue;
    }
    const op = open.get(entry.process);
    if (op === undefined) return null;
    open.delete(entry.process);
    if (entry.type === 'info') continue;
    outcome[op] = entry.type === 'ok' ? 1 : 2;
    completed[op] = position;
    if (writes[op] || entry.type !== 'ok') continue;
    let result = entry.value;
    if (keyed) {
      if (!Array.isArray(result) || result.length !== 2 || result[0] !== (ops[invoked[op]!]!.value as unknown[])[0]) return null;
      result = result[1];
    }
    if (result !== null && !isAtom(result)) return null;
    values[op] = result ?? null;
  }

  // The writes in the order proposed, chained per key; every acknowledged write among them, no failed one.
  const n = writes.length;
  const keys = slotOf.size;
  const first: number[] = [];
  const last: number[] = [];
  for (let s = 0; s < keys; s++) {
    first.push(NONE);
    last.push(NONE);
  }
  const next: number[] = [];
  const inOrder: boolean[] = [];
  for (let op = 0; op < n; op++) {
    next.push(NONE);
    inOrder.push(false);
  }
  /** Per key, its written values' writes (a value written twice by writes that may have taken effect: not proven). */
  const writerOf: Map<unknown, number>[] = [];
  for (let s = 0; s < keys; s++) writerOf.push(new Map());
  for (let i = 0; i < order.length; i++) {
    const op = opAt[order[i]!];
    if (op === undefined || !writes[op] || inOrder[op] || outcome[op] === 2) return null;
    inOrder[op] = true;
    const s = slots[op]!;
    if (last[s] === NONE) first[s] = op;
    else next[last[s]!] = op;
    last[s] = op;
  }
  for (let op = 0; op < n; op++) {
    if (!writes[op] || outcome[op] === 2) continue;
    if (outcome[op] === 1 && !inOrder[op]) return null;
    const byValue = writerOf[slots[op]!]!;
    if (byValue.has(values[op])) return null;
    byValue.set(values[op], op);
  }

  // Each committed read joins its write's group (or its key's initial one): the group's earliest completion and latest invocation.
  const readsDone: number[] = [];
  const readsBegun: number[] = [];
  for (let g = 0; g < n + keys; g++) {
    readsDone.push(Number.POSITIVE_INFINITY);
    readsBegun.push(NONE);
  }
  for (let op = 0; op < n; op++) {
    if (writes[op] || outcome[op] !== 1) continue;
    const value = values[op];
    let group: number;
    if (value === null) group = n + slots[op]!;
    else {
      const writer = writerOf[slots[op]!]!.get(value);
      if (writer === undefined || !inOrder[writer]) return null;
      group = writer;
    }
    if (completed[op]! < readsDone[group]!) readsDone[group] = completed[op]!;
    if (invoked[op]! > readsBegun[group]!) readsBegun[group] = invoked[op]!;
  }

  // Each key's linearization: its initial reads, then each write followed by the reads of its value.
  for (let s = 0; s < keys; s++) {
    let latest = readsBegun[n + s]!;
    for (let w = first[s]!; w !== NONE; w = next[w]!) {
      if (completed[w]! < latest) return null;
      if (invoked[w]! > latest) latest = invoked[w]!;
      if (readsDone[w]! < latest) return null;
      if (readsBegun[w]! > latest) latest = readsBegun[w]!;
    }
  }
  return n;
}

/** Values the proof compares by identity: strings and numbers (anything else takes the search). */
function isAtom(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number';
}
