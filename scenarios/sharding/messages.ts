/** Messages between the router and the shards. */
import type { PlacementSpec } from '../parts/sharding/placement.ts';

/**
 * A stored row: the number of the write that last set it (later writes have larger ones; a
 * merge keeps the larger), and whether that write deleted it (a tombstone, kept so that an
 * older copy arriving late cannot bring the row back).
 */
export interface Row {
  version: number;
  deleted?: true;
}

export type ShardingMessage =
  /** Requests carry the placement version the router routed them by. */
  | { type: 'get'; rid: number; key: number; version: number }
  | { type: 'put'; rid: number; key: number; row: Row; version: number }
  | { type: 'reply'; rid: number; key: number; row: Row | null }
  /** The shard no longer owns the key under a newer placement than the request's: route it again. */
  | { type: 'moved'; rid: number; version: number }
  /** The router switched placements: rows whose owner changed must move. Re-sent until the shard reports `migrated`. */
  | { type: 'reshard'; version: number; placement: PlacementSpec; previous: PlacementSpec }
  /** A shard has handed over every row it no longer owns (its deletions forced). */
  | { type: 'migrated'; version: number }
  | { type: 'migration-done'; version: number }
  | { type: 'migrate'; version: number; batch: number; rows: [number, Row][] }
  | { type: 'migrate-ack'; version: number; batch: number }
  /** A new owner asks the previous one for a row a read needs now. */
  | { type: 'pull'; version: number; key: number }
  | { type: 'pulled'; version: number; key: number; row: Row | null };
