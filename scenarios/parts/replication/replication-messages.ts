/**
 * The replication protocol's messages, shared by Primary and Replica. A primary ships log
 * entries after a point both logs agree on (`prevLsn` with `prevEpoch`, as in Raft); the
 * replica acknowledges what it has flushed and applied, or says where its log stops matching;
 * a replica that follows a newer epoch rejects an old primary (fencing). `stream` names the
 * log when a node replicates more than one (active-active: its own writes out, the other
 * region's in); absent means the only one.
 */
import type { LogEntry } from './replication-log.ts';

export type ReplicationMessage<Op> =
  | { type: 'repl-append'; stream?: string; epoch: number; prevLsn: number; prevEpoch: number; entries: LogEntry<Op>[] }
  | { type: 'repl-ack'; stream?: string; epoch: number; ok: true; lsn: number; appliedLsn: number }
  | { type: 'repl-ack'; stream?: string; epoch: number; ok: false; lsn: number; lsnEpoch: number; appliedLsn: number }
  | { type: 'repl-reject'; stream?: string; epoch: number };

export function isReplicationMessage(msg: { type: string }): msg is ReplicationMessage<unknown> {
  return msg.type === 'repl-append' || msg.type === 'repl-ack' || msg.type === 'repl-reject';
}
