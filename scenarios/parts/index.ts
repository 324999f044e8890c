/**
 * faultline's reusable parts (`faultline/parts`): models that behave like the things they stand
 * for, for scenarios of your own — storage (a transactional store with a write-ahead log, a pooled
 * database, idempotency records), messaging (a durable queue broker, an outbox relay), a Kafka-like
 * partitioned log (replicated partitions, producers, consumer groups, transactions), a Redis-like
 * cache, resilience (circuit breaker, token bucket, retries with backoff, bulkhead), sharding
 * (hash ring, placement), replication (primary, replicas, LWW register, OR-set) and workloads.
 * docs/fidelity.md says how closely each follows the real thing. This file only re-exports.
 */

export * from './cache/append-only-file.ts';
export * from './cache/backend.ts';
export * from './cache/cache-mutex.ts';
export * from './cache/cache-node.ts';
export * from './cache/cache-store.ts';
export * from './cache/cache-tier.ts';
export * from './cache/cache-warmup.ts';
export * from './cache/early-expiration.ts';
export * from './cache/keyspace-effect.ts';
export * from './cache/redis-integer.ts';
export * from './cache/single-flight.ts';
export * from './cache/staleness-auditor.ts';
export * from './cache/stall.ts';
export * from './cache/ttl-jitter.ts';
export * from './cache/write-audit.ts';
export * from './log/admin-client.ts';
export * from './log/assignor.ts';
export * from './log/broker.ts';
export * from './log/cluster-layout.ts';
export * from './log/consumer.ts';
export * from './log/controller.ts';
export * from './log/group-coordinator.ts';
export * from './log/group-lag.ts';
export * from './log/group-ownership.ts';
export * from './log/log-node.ts';
export * from './log/log-protocol.ts';
export * from './log/metadata.ts';
export * from './log/partition-log.ts';
export * from './log/partitioner.ts';
export * from './log/producer.ts';
export type { ReplicaTimer } from './log/replica-manager.ts';
export * from './log/replica-manager.ts';
export * from './log/rpc.ts';
export * from './log/transaction-coordinator.ts';
export * from './log/transport.ts';
export * from './messaging/broker-audit.ts';
export * from './messaging/durable-queue.ts';
export * from './messaging/outbox-relay.ts';
export * from './messaging/queue-broker.ts';
export * from './replication/global-load-balancer.ts';
export * from './replication/lww-register.ts';
export * from './replication/or-set.ts';
export * from './replication/primary.ts';
export type { ReplicaTimer as ReplicationReplicaTimer } from './replication/replica.ts';
export * from './replication/replica.ts';
export * from './replication/replication-lag.ts';
export * from './replication/replication-log.ts';
export * from './replication/replication-messages.ts';
export * from './resilience/backoff.ts';
export * from './resilience/bulkhead.ts';
export * from './resilience/circuit-breaker.ts';
export * from './resilience/pending-calls.ts';
// Two names two parts both use, each for its own thing: the first stays, the second is renamed.
export type { Request } from './resilience/request-client.ts';
export * from './resilience/request-client.ts';
export * from './resilience/sliding-window.ts';
export * from './resilience/token-bucket.ts';
export * from './sharding/hash-ring.ts';
export * from './sharding/key-hash.ts';
export * from './sharding/placement.ts';
export * from './sharding/shard-router.ts';
export * from './storage/database.ts';
export * from './storage/idempotency-audit.ts';
export * from './storage/idempotency-store.ts';
export * from './storage/offered-load.ts';
export * from './storage/overload-watch.ts';
export * from './storage/service-queue.ts';
export * from './storage/tcp-receiver.ts';
export * from './storage/transactional-store.ts';
export * from './storage/unforced-facts.ts';
export * from './workload/arrivals.ts';
export * from './workload/numbered-names.ts';
export * from './workload/open-loop-clients.ts';
export * from './workload/traffic-monitor.ts';
export type { Request as WorkloadRequest } from './workload/workload.ts';
export * from './workload/workload.ts';
