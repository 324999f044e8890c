/**
 * OrSet: an observed-remove set, a CRDT (a merge type). Each add is tagged uniquely; a
 * remove deletes only the tags it has seen. Adds and removes commute, and applying one twice
 * changes nothing, so replicas that receive the same operations in any order, any number of
 * times, end up equal, and no acknowledged add is lost to a concurrent one: two regions that
 * each added an item to the same cart during a partition both keep theirs. (A remove that
 * races an add of the same item elsewhere loses to it: "add wins".)
 *
 * The state is plain JSON (it sits on disk and travels in messages): tags per element, and
 * the set of removed tags. Nothing here depends on the order of an object's keys: every
 * operation gives the same result whatever order it visits them in, and `elementsOf` sorts.
 */

export interface OrSetState {
  /** element -> tags of its live adds, in the order first seen. */
  adds: Record<string, string[]>;
  /** Tags removed (tombstones), so a late-arriving add of a removed tag stays removed. */
  removed: string[];
}

export type OrSetOp = { kind: 'add'; element: string; tag: string } | { kind: 'remove'; tags: string[] };

export function emptyOrSet(): OrSetState {
  return { adds: {}, removed: [] };
}

/** Applies one operation in place. Idempotent and commutative with every other operation. */
export function applyOrSet(state: OrSetState, op: OrSetOp): void {
  if (op.kind === 'add') {
    if (state.removed.includes(op.tag)) return;
    const tags = state.adds[op.element] ?? [];
    if (!tags.includes(op.tag)) tags.push(op.tag);
    state.adds[op.element] = tags;
    return;
  }
  for (const tag of op.tags) {
    if (!state.removed.includes(tag)) state.removed.push(tag);
    for (const element of Object.keys(state.adds)) {
      const tags = state.adds[element]!.filter((t) => t !== tag);
      if (tags.length === 0) delete state.adds[element];
      else state.adds[element] = tags;
    }
  }
}

/** The operation that removes `element` as this replica sees it (only the tags observed here). */
export function removeOp(state: OrSetState, element: string): OrSetOp {
  return { kind: 'remove', tags: [...(state.adds[element] ?? [])] };
}

/** Merges a whole other state into `state`, in place (state-based replication). */
export function mergeOrSet(state: OrSetState, other: OrSetState): void {
  if (other.removed.length > 0) applyOrSet(state, { kind: 'remove', tags: other.removed });
  for (const [element, tags] of Object.entries(other.adds)) for (const tag of tags) applyOrSet(state, { kind: 'add', element, tag });
}

export function hasElement(state: OrSetState, element: string): boolean {
  return (state.adds[element]?.length ?? 0) > 0;
}

/** The elements present, sorted (a canonical view, for comparing replicas). */
export function elementsOf(state: OrSetState): string[] {
  return Object.keys(state.adds)
    .filter((e) => state.adds[e]!.length > 0)
    .sort();
}
