/** Messages between the users, the application servers and the shard nodes, plus replication. */
import type { ReplicationMessage } from '../parts/replication/replication-messages.ts';

/** A like, as it sits in a shard's log: one more for `key`, from the like `likeId` (unique, so a retried like is counted once). */
export interface Increment {
  key: string;
  likeId: string;
}

export type HotspotMessage =
  | ReplicationMessage<Increment>
  /** From the users: view a post (read its like count) or like it (increment it); `atMs` is when the user did it. */
  | { type: 'view'; key: string; pick: number; atMs: number }
  | { type: 'like'; key: string; salt: number; likeId: string; atMs: number }
  /** App server to a shard node: read several counters at once (a multi-get). */
  | { type: 'get'; rid: number; keys: string[] }
  | { type: 'values'; rid: number; values: number[] }
  /** Count the like `likeId` once, however often it is asked. */
  | { type: 'incr'; key: string; likeId: string }
  | { type: 'incremented'; likeId: string };
