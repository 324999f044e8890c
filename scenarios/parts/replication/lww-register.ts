/**
 * LwwRegister: a last-writer-wins register, the simplest way two regions that both accept
 * writes agree on a value: every write carries a timestamp (the writer's clock, ties broken
 * by the writer's name) and the larger one wins, wherever and in whatever order the writes
 * are merged. It converges; what it does not do is keep both: of two concurrent writes one
 * is discarded without a trace, even though both writers were told "saved".
 */

export interface Stamp {
  /** The writer's clock when it wrote, in ms. */
  ms: number;
  /** The writer (a region, a node) that breaks ties. */
  origin: string;
}

export interface LwwRegister<T> {
  value: T;
  stamp: Stamp;
}

/** True when stamp `a` is later than stamp `b`. */
export function isLater(a: Stamp, b: Stamp): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.origin > b.origin);
}

/** A register holding `value`, written at `stamp`. */
export function lwwRegister<T>(value: T, stamp: Stamp): LwwRegister<T> {
  return { value, stamp };
}

/** The register after merging `incoming`: whichever has the later stamp, whole. */
export function mergeLww<T>(current: LwwRegister<T> | undefined, incoming: LwwRegister<T>): LwwRegister<T> {
  if (current === undefined) return incoming;
  return isLater(incoming.stamp, current.stamp) ? incoming : current;
}
