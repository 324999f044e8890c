/**
 * Quick refutations for registers: two necessary conditions of linearizability that can be
 * checked in near-linear time, before the exponential search. The search decides every
 * history, but to *reject* one it must exhaust every ordering of the operations before the
 * violation, and with dozens of timed-out writes pending that is astronomically many; a stale
 * read on values nobody else writes is then obvious to a person and hopeless for the search.
 *
 * For a value v, its sources are the operations that can set the register to v (writes of
 * v, compare-and-sets to v, determinate or not, and the initial state for nil); `lastSourceMs`
 * is when the last of them completed (+infinity if one is indeterminate). Then:
 *
 * - stale read: an operation that needs v (a read returning v, an `ok` cas from v) invoked
 *   after an `ok` operation that set another value completed, which was itself invoked after
 *   every source of v completed, is impossible: nothing can set v again in between;
 * - double consumption: two `ok` compare-and-sets from v to another value, both invoked after
 *   every source of v completed, cannot both have seen v (a lost update);
 * - never written: an operation needs a value that no operation sets.
 *
 * Both are sound (a history they refute is not linearizable) but not complete; the search
 * remains the decision procedure.
 */
import type { ModelOperation, Refutation } from '../model.ts';

/** Positions are history positions; an indeterminate operation completes at +infinity. */
const completes = (op: ModelOperation): number => (op.known ? op.source.completePosition : Number.POSITIVE_INFINITY);
const invoked = (op: ModelOperation): number => op.source.invokePosition;

/** What a register operation sets the register to, if it certainly or possibly sets it. */
function sets(op: ModelOperation): string | undefined {
  if (op.f === 'write') return op.input as string;
  if (op.f === 'cas') return (op.input as [string, string])[1];
  return undefined;
}

/** The value a register operation needs to find, if any. */
function needs(op: ModelOperation): string | undefined {
  if (!op.known) return undefined;
  if (op.f === 'read') return op.output as string;
  if (op.f === 'cas') return (op.input as [string, string])[0];
  return undefined;
}

/** Looks for a stale read or a double consumption among one register's operations. */
export function refuteRegister(ops: readonly ModelOperation[], initial: string): Refutation | null {
  const lastSource = new Map<string, number>([[initial, Number.NEGATIVE_INFINITY]]);
  for (const op of ops) {
    const value = sets(op);
    if (value !== undefined) lastSource.set(value, Math.max(lastSource.get(value) ?? Number.NEGATIVE_INFINITY, completes(op)));
  }
  const needed = new Set<string>();
  for (const op of ops) {
    const value = needs(op);
    if (value !== undefined) needed.add(value);
  }
  // Determinate setters, by completion: the earliest that completes after being invoked past a given point.
  const setters = ops.filter((op) => op.known && sets(op) !== undefined).sort((a, b) => completes(a) - completes(b));
  for (const value of needed) {
    const sourcesDone = lastSource.get(value);
    if (sourcesDone === undefined) return { stuck: ops.find((op) => needs(op) === value)!, because: [], rule: 'never-written', value };
    if (sourcesDone === Number.POSITIVE_INFINITY) continue;
    const found = refuteValue(ops, setters, value, sourcesDone);
    if (found !== null) return found;
  }
  return null;
}

function refuteValue(ops: readonly ModelOperation[], setters: readonly ModelOperation[], value: string, sourcesDone: number): Refutation | null {
  // The first determinate operation that set another value, invoked after every source of v completed.
  const overwrite = setters.find((op) => sets(op) !== value && invoked(op) > sourcesDone);
  const consumers: ModelOperation[] = [];
  for (const op of ops) {
    if (needs(op) !== value) continue;
    if (overwrite !== undefined && op !== overwrite && invoked(op) > completes(overwrite))
      return { stuck: op, because: [overwrite], rule: 'stale-read', value };
    if (op.f === 'cas' && sets(op) !== value && invoked(op) > sourcesDone) {
      consumers.push(op);
      if (consumers.length === 2) return { stuck: consumers[1]!, because: [consumers[0]!], rule: 'double-consumption', value };
    }
  }
  return null;
}
