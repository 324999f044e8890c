/**
 * SingleFlight: request coalescing (Go's `singleflight`). While a call for a key is in
 * flight, every other caller for the same key joins it instead of making its own, and all
 * are answered by its one result. N concurrent misses on a key become one database query
 * per process.
 *
 * The caller that finds no flight leads: it makes the call and hands the result to
 * `finish`, which answers every waiter (the leader included), in the order they joined.
 *
 * A caller can also be too late to join yet too early to see the flight's effect (its cache
 * GET left before the fill landed, its answer came back after the flight ended).
 * `finishedSince(key, t)` hands it the last flight's result if that flight ended at or after
 * `t`, when the caller started looking: the result is at least as new as anything it could
 * have found.
 */
import { assert } from '../../../engine/index.ts';

export class SingleFlight<T> {
  private readonly flights = new Map<string, ((result: T) => void)[]>();
  private readonly last = new Map<string, { result: T; atMs: number }>();
  /** Callers that joined a flight already in progress. */
  coalesced = 0;

  /** Joins the flight for `key`; true when there was none and the caller must make the call. */
  join(key: string, waiter: (result: T) => void): boolean {
    const waiters = this.flights.get(key);
    if (waiters !== undefined) {
      waiters.push(waiter);
      this.coalesced++;
      return false;
    }
    this.flights.set(key, [waiter]);
    return true;
  }

  /** Ends the flight for `key` at `nowMs` and answers every waiter; returns how many there were. */
  finish(key: string, result: T, nowMs = 0): number {
    const waiters = this.flights.get(key);
    assert(waiters !== undefined, `a flight for ${key} is in progress`);
    this.flights.delete(key);
    this.last.set(key, { result, atMs: nowMs });
    for (const w of waiters) w(result);
    return waiters.length;
  }

  /** The last flight's result for `key` if it ended at or after `sinceMs`. */
  finishedSince(key: string, sinceMs: number): T | undefined {
    const last = this.last.get(key);
    return last !== undefined && last.atMs >= sinceMs ? last.result : undefined;
  }

  inFlight(key: string): boolean {
    return this.flights.has(key);
  }

  /** Callers waiting on `key`'s flight (the leader included). */
  waiting(key: string): number {
    return this.flights.get(key)?.length ?? 0;
  }
}
