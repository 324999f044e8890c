/**
 * ShardRouter: the routing table in front of the shards, and the one place that knows a
 * resharding is under way. Resharding is live: the router switches to the new placement at
 * once (new requests go to the new owners) while the old owners copy their keys over in the
 * background. Until that copy finishes, a key may still sit on its previous owner, so the
 * route names both: the new owner serves the request and pulls the key from the previous
 * owner if it has not arrived yet. One resharding at a time, as real balancers do: a change
 * asked for during a migration waits for it to finish.
 */
import { assert } from '../../../engine/index.ts';
import { type Placement, placementFromSpec } from './placement.ts';

export interface Route {
  /** The shard that owns the key now. */
  owner: string;
  /** While a migration runs: the shard that owned the key before, if it was another one. */
  previousOwner: string | null;
}

export class ShardRouter {
  /** Bumped at every resharding; requests and migration messages carry it. */
  version = 0;
  private previous: Placement | null = null;

  constructor(private current: Placement) {}

  get placement(): Placement {
    return this.current;
  }

  /** The placement keys are moving away from, while a migration runs. */
  get migratingFrom(): Placement | null {
    return this.previous;
  }

  get migrating(): boolean {
    return this.previous !== null;
  }

  route(key: number): Route {
    const owner = this.current.ownerOf(key);
    if (this.previous === null) return { owner, previousOwner: null };
    const before = this.previous.ownerOf(key);
    return { owner, previousOwner: before === owner ? null : before };
  }

  /** Switches to `next`; the keys whose owner changed start moving. */
  begin(next: Placement): void {
    assert(!this.migrating, 'one resharding at a time');
    this.previous = this.current;
    this.current = next;
    this.version++;
  }

  /** Every old owner has handed its moved keys over. */
  finish(): void {
    assert(this.migrating, 'a migration is running');
    this.previous = null;
  }

  /** Rebuilds a router from JSON placements (a shard keeps them on disk). */
  static restore(version: number, current: Parameters<typeof placementFromSpec>[0], previous: Parameters<typeof placementFromSpec>[0] | null): ShardRouter {
    const router = new ShardRouter(placementFromSpec(current));
    router.version = version;
    if (previous !== null) router.previous = placementFromSpec(previous);
    return router;
  }
}
