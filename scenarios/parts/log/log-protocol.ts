/**
 * The wire protocol of the partitioned log: every message between producers, consumers,
 * brokers, the controller and the coordinators, as plain JSON so it shows as it is in the
 * trace and the space-time diagram. Requests carry an `id` their response echoes; a client
 * makes ids unique across its restarts, so a reply to a dead incarnation is recognised as stale.
 */
import type { NodeId } from '../../../engine/index.ts';
import type { Isolation, LogRecord, Tp } from './partition-log.ts';

export type Acks = 0 | 1 | 'all';

export type ProduceError = 'not-leader' | 'not-enough-replicas' | 'out-of-order-sequence' | 'producer-fenced';
export type FetchError = 'not-leader' | 'offset-out-of-range';
export type GroupError = 'unknown-member' | 'illegal-generation' | 'rebalance-in-progress';
export type TxnError = 'producer-fenced' | 'concurrent-transactions';

/** What a controller tells replicas about one partition. */
export interface PartitionState {
  tp: Tp;
  replicas: NodeId[];
  /** -1: no leader (offline). */
  leader: NodeId;
  leaderEpoch: number;
  /** Bumped by every change (leader or ISR); replicas ignore older states. */
  partitionEpoch: number;
  isr: NodeId[];
}

/** One partition's batch in a produce request (a request carries every ready batch for one broker). */
export interface ProduceBatch {
  tp: Tp;
  records: { key: string | null; value: unknown }[];
  /** First sequence number (idempotent producers), else -1. */
  baseSeq: number;
  /** The producer's transaction number, else -1. */
  txnNo: number;
}

export interface ProduceResult {
  tp: Tp;
  baseOffset: number;
  error: ProduceError | null;
}

export interface OffsetEntry {
  tp: Tp;
  offset: number;
}

export type LogMessage =
  // producer <-> partition leader
  | { type: 'produce'; id: number; acks: Acks; producerId: number; producerEpoch: number; batches: ProduceBatch[] }
  | { type: 'produce-response'; id: number; results: ProduceResult[] }
  // consumer <-> partition leader
  | { type: 'fetch'; id: number; tp: Tp; offset: number; minRecords: number; maxRecords: number; isolation: Isolation; maxWaitMs: number }
  | { type: 'fetch-response'; id: number; tp: Tp; offset: number; records: LogRecord[]; nextOffset: number; logEndOffset: number; error: FetchError | null }
  // follower <-> leader (replication)
  | { type: 'replica-fetch'; id: number; tp: Tp; offset: number; lastEpoch: number; leaderEpoch: number }
  | {
      type: 'replica-fetch-response';
      id: number;
      tp: Tp;
      records: LogRecord[];
      hw: number;
      /** Set when the follower's log diverged from the leader's: truncate to this offset first. */
      truncateTo: number | null;
      error: 'not-leader' | null;
    }
  // brokers <-> controller
  /** `known`: the sum of the partition epochs the broker has applied, so the controller sees what it missed. */
  | { type: 'broker-heartbeat'; incarnation: number; known: number }
  | { type: 'leader-and-isr'; partitions: PartitionState[] }
  | { type: 'alter-isr'; tp: Tp; leaderEpoch: number; partitionEpoch: number; isr: NodeId[] }
  | { type: 'alter-isr-response'; tp: Tp; state: PartitionState }
  // clients -> metadata source
  | { type: 'metadata'; id: number }
  | { type: 'metadata-response'; id: number; leaders: { tp: Tp; leader: NodeId }[]; topics: { topic: string; partitions: number }[] }
  // admin
  | { type: 'create-partitions'; topic: string; count: number }
  | { type: 'list-offsets'; id: number; tps: Tp[] }
  | { type: 'list-offsets-response'; id: number; offsets: { tp: Tp; logEndOffset: number }[] }
  // consumer <-> group coordinator
  | { type: 'join'; id: number; group: string; memberId: string | null; topics: string[]; sessionTimeoutMs: number; rebalanceTimeoutMs: number }
  | { type: 'join-response'; id: number; memberId: string; generation: number; assignment: Tp[]; members: number }
  | { type: 'heartbeat'; id: number; group: string; memberId: string; generation: number }
  | { type: 'heartbeat-response'; id: number; error: GroupError | null }
  | { type: 'commit'; id: number; group: string; memberId: string; generation: number; offsets: OffsetEntry[] }
  | { type: 'commit-response'; id: number; error: GroupError | null }
  | { type: 'offset-fetch'; id: number; group: string; tps: Tp[] }
  | { type: 'offset-fetch-response'; id: number; offsets: { tp: Tp; offset: number | null }[]; unstable: boolean }
  // transactional producer <-> transaction coordinator
  | { type: 'init-producer-id'; id: number; transactionalId: string | null; timeoutMs: number }
  | { type: 'init-producer-id-response'; id: number; producerId: number; producerEpoch: number }
  | { type: 'add-partitions'; id: number; transactionalId: string; producerId: number; producerEpoch: number; tps: Tp[] }
  | { type: 'add-offsets'; id: number; transactionalId: string; producerId: number; producerEpoch: number; group: string }
  | { type: 'add-response'; id: number; txnNo: number; error: TxnError | null }
  | {
      type: 'txn-offset-commit';
      id: number;
      group: string;
      producerId: number;
      producerEpoch: number;
      memberId: string;
      generation: number;
      offsets: OffsetEntry[];
    }
  | { type: 'txn-offset-commit-response'; id: number; error: GroupError | 'producer-fenced' | null }
  | { type: 'end-txn'; id: number; transactionalId: string; producerId: number; producerEpoch: number; commit: boolean }
  | { type: 'end-txn-response'; id: number; error: TxnError | null }
  // transaction coordinator <-> partition leader
  | { type: 'write-marker'; id: number; tp: Tp; producerId: number; producerEpoch: number; txnNo: number; commit: boolean }
  | { type: 'write-marker-response'; id: number; tp: Tp; error: 'not-leader' | null };

export type LogMessageType = LogMessage['type'];

/** A message of the given type. */
export type Msg<T extends LogMessageType> = Extract<LogMessage, { type: T }>;

/** Request ids unique across a client's restarts: the incarnation in the high digits. */
export class RequestIds {
  private next = 0;
  constructor(private readonly incarnation: number) {}
  take(): number {
    return this.incarnation * 1_000_000 + this.next++;
  }
}
