/** Messages between sessions, the primary and the replicas, plus the replication protocol. */
import type { ReplicationMessage } from '../parts/replication/replication-messages.ts';

/** A write as it sits in the log: `key` takes the value `id` (unique per write), or is deleted. */
export interface WriteOp {
  key: string;
  id: string;
  deleted?: true;
}

/** A row on a database node: the value and the LSN of the write that set it (a deleted row keeps its tombstone's LSN). */
export interface Row {
  lsn: number;
  id: string;
  deleted?: true;
}

export type ReadReplicasMessage =
  | ReplicationMessage<WriteOp>
  | { type: 'write'; rid: number; key: string; id: string; deleted?: true }
  | { type: 'written'; rid: number; lsn: number }
  /** `minLsn` > 0: serve only once this node has applied that log position (a read-your-writes token). */
  | { type: 'read'; rid: number; key: string; minLsn: number }
  | { type: 'value'; rid: number; key: string; lsn: number; appliedLsn: number }
  | { type: 'behind'; rid: number; appliedLsn: number };
