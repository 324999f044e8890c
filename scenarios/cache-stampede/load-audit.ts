/**
 * LoadAudit: the promises of the two mechanisms that stop a herd, checked as the run goes.
 *
 * - Single flight (coalescing): an app server runs at most one load of a key at a time. A
 *   load begins when the server sends the key's query and ends when its fill is in the cache
 *   (the cache confirmed the SET) or the load failed; every other miss on that key on that
 *   server in between must wait for it instead of querying. That is what "one query per key
 *   per server per miss" means, and what breaks if a flight ends before its fill lands.
 * - Mutex: only a reader the cache granted the key's lock recomputes it. Every lock attempt
 *   has its own owner token; the cache's keyspace notifications say which tokens it granted,
 *   and a recompute by any other token is a waiter that did not wait.
 *
 * The app servers report the loads they begin and end, with the token they hold; the cache
 * reports the locks it grants. The audit is never consulted by the system it judges.
 */
import type { World } from '../framework/scenario.ts';
import { fmtMs } from '../parts/cache/cache-tier.ts';

export const SINGLE_FLIGHT = 'single-flight';
export const LOCK_HOLDER_RECOMPUTES = 'lock-holder-recomputes';

export class LoadAudit {
  /** Loads in progress, `server/key` -> when the query was sent. */
  private readonly loading = new Map<string, number>();
  /** Lock owner tokens the cache granted. */
  private readonly granted = new Set<string>();
  loads = 0;

  constructor(private readonly world: World<unknown>) {}

  /** The cache granted the lock to `owner` (a SET NX that succeeded). */
  lockGranted(owner: string): void {
    this.granted.add(owner);
  }

  /** `server` sent the query that loads `key`; `owner` is the lock token it acts under, if any. */
  began(server: string, key: string, owner: string | null): void {
    this.loads++;
    const id = `${server}/${key}`;
    const since = this.loading.get(id);
    if (since !== undefined) {
      this.world.violate(
        SINGLE_FLIGHT,
        `${server} sent a second query for ${key} while its load of ${key} begun at ${fmtMs(since)} ms had not landed in the cache`,
        {
          node: server,
          witnesses: [
            { t: since, node: server, key, what: `${server} began loading ${key}` },
            { t: this.world.now, node: server, key, what: `${server} queried ${key} again` },
          ],
        },
      );
    }
    this.loading.set(id, this.world.now);
    if (owner !== null && !this.granted.has(owner)) {
      this.world.violate(
        LOCK_HOLDER_RECOMPUTES,
        `${server} recomputed ${key} under lock token ${owner}, which the cache never granted: a waiter ran the query`,
        {
          node: server,
          witnesses: [{ t: this.world.now, node: server, key, what: `${server} queried ${key} without the lock` }],
        },
      );
    }
  }

  /** The load of `key` by `server` ended: its fill is in the cache, or it failed. */
  ended(server: string, key: string): void {
    this.loading.delete(`${server}/${key}`);
  }

  /** `server` restarted: the loads it had in progress are gone with it. */
  restarted(server: string): void {
    for (const id of [...this.loading.keys()]) if (id.startsWith(`${server}/`)) this.loading.delete(id);
  }
}
