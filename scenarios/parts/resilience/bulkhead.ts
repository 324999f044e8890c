/**
 * Bulkhead: an app server's connection pool to a dependency, as a limit on what it keeps
 * outstanding there. At most `size` calls are in flight at once; a call holds its connection
 * until the dependency answers, or until the connection is given up for dead (a socket
 * timeout), not merely until the caller stops waiting — the dependency is still working on a
 * call its caller abandoned, and a pool that forgot it would send it more than it can hold.
 *
 * Unlike a rate limiter, it needs no clock and adapts to the dependency's speed (Little's
 * law: a slower dependency gets proportionally fewer calls per second), which is why it
 * protects a database that has slowed down and a rate limiter alone does not.
 *
 * Calls that may be turned away `tryAcquire` a connection; work that must wait for one (a
 * warm-up) queues with `whenFree` and is served first come, first served.
 */
import { assert } from '../../../engine/index.ts';

export class Bulkhead {
  private inUse = 0;
  private waiting: (() => void)[] = [];
  /** Calls turned away because every connection was busy. */
  refused = 0;

  constructor(readonly size: number) {
    assert(Number.isInteger(size) && size >= 1, 'a bulkhead has at least one connection');
  }

  /** Takes a connection if one is free. */
  tryAcquire(): boolean {
    if (this.inUse >= this.size || this.waiting.length > 0) {
      this.refused++;
      return false;
    }
    this.inUse++;
    return true;
  }

  /** Runs `then` holding a connection: now if one is free, else when one is released. */
  whenFree(then: () => void): void {
    if (this.inUse < this.size && this.waiting.length === 0) {
      this.inUse++;
      return then();
    }
    this.waiting.push(then);
  }

  /** Gives a connection back; the longest waiter, if any, takes it. */
  release(): void {
    assert(this.inUse > 0, 'a bulkhead releases only a connection it lent');
    const next = this.waiting.shift();
    if (next !== undefined) return next();
    this.inUse--;
  }

  get busy(): number {
    return this.inUse;
  }
}
