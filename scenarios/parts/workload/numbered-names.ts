/**
 * Numbered names — an order `o17`, an account `acct-42`, an event `o17.charge`: a workload's
 * ids and keys, each spelt once per process.
 *
 * A check runs thousands of runs of a scenario in one process, and every run names the same
 * orders, accounts and users again. A name built afresh is a new string, hashed again the
 * first time a Map or a Set looks it up (and most names are looked up at every step they
 * take); spelt once, every run shares one string, its hash computed once. The text is a pure
 * function of the number, so sharing it cannot change a run.
 */
import { assert } from '../../../engine/index.ts';

/** Names kept per namer: numbers past it are spelt afresh each time (a workload that large pays for its names). */
const SPELT_MAX = 1 << 20;

/** Values kept per `spelledOnce` cache before it starts over (the names are the scenario's own, so few). */
const SPELT_BY_NAME_MAX = 1_000;

/**
 * `name -> build(name)`, each built once per process and shared by every run: the names a
 * part derives from its own (a store's disk names, a queue's logs, a topic's partitions).
 * `build` must be a pure function of the name.
 */
export function spelledOnce<T>(build: (name: string) => T): (name: string) => T {
  const built = new Map<string, T>();
  return (name) => {
    let value = built.get(name);
    if (value === undefined) {
      if (built.size >= SPELT_BY_NAME_MAX) built.clear();
      built.set(name, (value = build(name)));
    }
    return value;
  };
}

/** `n -> prefix + n + suffix`, each name spelt once. */
export function numberedNames(prefix: string, suffix = ''): (n: number) => string {
  const names: string[] = [];
  return (n) => {
    // The message is spelt only when it is needed: this runs for every name a run looks up.
    if (!(Number.isInteger(n) && n >= 0)) assert(false, `a numbered name's number is a non-negative integer (${n})`);
    if (n >= SPELT_MAX) return `${prefix}${n}${suffix}`;
    return (names[n] ??= `${prefix}${n}${suffix}`);
  };
}
