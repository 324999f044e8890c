/** Messages between the router and the shards. */
import type { PlacementSpec } from '../parts/sharding/placement.ts';

/** A stored row: its value and the router's write number (later writes have larger ones). */
export interface Row {
  value: string;
  version: number;
}

export type ShardingMessage =
  /** A request; `previousOwner` is set while the key may still sit on the shard that owned it before. */
  | { type: 'get'; rid: number; key: number; previousOwner: number | null; version: number }
  | { type: 'put'; rid: number; key: number; row: Row }
  | { type: 'reply'; rid: number; key: number; row: Row | null }
  /** The router switched placements: keys whose owner changed must move. */
  | { type: 'reshard'; version: number; placement: PlacementSpec; previous: PlacementSpec }
  /** A shard has handed over every key it no longer owns. */
  | { type: 'migrated'; version: number; moved: number }
  | { type: 'migration-done'; version: number }
  | { type: 'migrate'; version: number; rows: [number, Row][] }
  | { type: 'migrate-ack'; version: number; keys: number[] }
  /** A new owner asks the previous one for a key a request needs now. */
  | { type: 'pull'; version: number; key: number }
  | { type: 'pulled'; version: number; key: number; row: Row | null };
