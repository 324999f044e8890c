/** Messages between the users, the application servers and the shard nodes, plus replication. */
import type { ReplicationMessage } from '../parts/replication/replication-messages.ts';

/** A counter increment, as it sits in a shard's log. */
export interface Increment {
  key: string;
}

export type HotspotMessage =
  | ReplicationMessage<Increment>
  /** From the users: view a post (read its like count) or like it (increment it). */
  | { type: 'view'; key: string; pick: number }
  | { type: 'like'; key: string; salt: number }
  /** App server to a shard node: read several counters at once (a multi-get). */
  | { type: 'get'; rid: number; keys: string[] }
  | { type: 'values'; rid: number; values: number[] }
  | { type: 'incr'; rid: number; key: string }
  | { type: 'incremented'; rid: number };
