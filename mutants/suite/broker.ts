/**
 * Mutants of the broker family: realistic one-line bugs in its sound strategies (exactly
 * once, the database-side dedup protections, more partitions, backpressure, key hashing) and
 * in the partitioned log they run on. See mutants/mutant.ts.
 */
import type { Mutant } from '../mutant.ts';

const family = 'broker';

export const mutants: Mutant[] = [
  {
    id: 'log-leader-acks-before-flush',
    family,
    scenario: 'duplicate-handling',
    strategy: 'unique-key',
    file: 'scenarios/parts/log/replica-manager.ts',
    find: `    if (appended) this.ctx.disk.force();`,
    replace: `    // (flushed later, by the OS)`,
    description: 'the partition leader acknowledges a write without forcing its log: a broker crash loses records the producer was told are written',
  },
  {
    id: 'log-follower-fetches-before-flush',
    family,
    scenario: 'delivery-semantics',
    strategy: 'exactly-once',
    file: 'scenarios/parts/log/replica-manager.ts',
    find: `    if (this.ctx.disk.unforced > 0) this.ctx.disk.force();`,
    replace: `    // (flushed later, by the OS)`,
    description:
      'a follower reports what it copied (its next fetch) before forcing it: the leader counts it in sync and acknowledges records the follower loses in a crash',
  },
  {
    id: 'log-acks-all-without-isr',
    family,
    scenario: 'delivery-semantics',
    strategy: 'exactly-once',
    file: 'scenarios/parts/log/replica-manager.ts',
    find: `      if (m.acks === 'all' && r.log.highWatermark <= res.lastOffset) waiting.set(b.tp, res.lastOffset);`,
    replace: `      if (m.acks === 'all' && r.log.highWatermark < res.lastOffset) waiting.set(b.tp, res.lastOffset);`,
    description:
      'acks=all answers once the high watermark reaches the last record instead of passing it: a one-record batch is acknowledged before any follower has it',
  },
  {
    id: 'log-idempotent-duplicate-off-by-one',
    family,
    scenario: 'delivery-semantics',
    strategy: 'exactly-once',
    file: 'scenarios/parts/log/partition-log.ts',
    find: `          if (baseSeq + n - 1 <= entry.lastSeq) {`,
    replace: `          if (baseSeq + n - 1 < entry.lastSeq) {`,
    description: 'the leader does not recognise a retry of the last batch it wrote (off by one on the sequence number) and refuses it as out of order',
  },
  {
    id: 'log-zombie-producer-not-fenced',
    family,
    scenario: 'delivery-semantics',
    strategy: 'exactly-once',
    file: 'scenarios/parts/log/partition-log.ts',
    find: `        if (producerEpoch < entry.epoch) return { ok: false, error: 'producer-fenced' };`,
    replace: `        if (producerEpoch < entry.epoch - 1) return { ok: false, error: 'producer-fenced' };`,
    description:
      'the partition accepts writes from the producer epoch just before the current one: a processor whose transaction was aborted for a timeout keeps writing into the ledger',
  },
  {
    id: 'txn-decision-not-forced',
    family,
    scenario: 'delivery-semantics',
    strategy: 'exactly-once',
    file: 'scenarios/parts/log/transaction-coordinator.ts',
    find: `    if (r.groups.length > 0) this.options.groups.completeTransaction(r.producerId, commit);
    this.ctx.disk.force();`,
    replace: `    if (r.groups.length > 0) this.options.groups.completeTransaction(r.producerId, commit);`,
    description:
      'the transaction coordinator sends commit markers before forcing its decision: after a crash it aborts a transaction some partitions already committed, and the offsets with it',
  },
  {
    id: 'eos-position-kept-after-abort',
    family,
    scenario: 'delivery-semantics',
    strategy: 'exactly-once',
    file: 'scenarios/delivery-semantics/processor.ts',
    find: `        consumer.resetToCommitted();`,
    replace: `        // keeps reading from where it was`,
    description:
      'after an aborted transaction the processor carries on from its in-memory position instead of the committed offsets: the batch whose entries were aborted is never processed again',
  },
  {
    id: 'dedup-idempotency-keys-in-memory',
    family,
    scenario: 'duplicate-handling',
    strategy: 'idempotent-api',
    file: 'scenarios/duplicate-handling/payments-db.ts',
    find: `          return commit(e, { key: true });`,
    replace: `          return tables.keys.add(e.id), commit(e, {});`,
    description: 'the payments API keeps its idempotency keys in an in-memory index instead of in the transaction: a restart forgets them',
  },
  {
    id: 'dedup-db-answers-before-commit',
    family,
    scenario: 'duplicate-handling',
    strategy: 'unique-key',
    file: 'scenarios/duplicate-handling/payments-db.ts',
    find: `      journal.append(row);
      ctx.disk.force();`,
    replace: `      journal.append(row);`,
    description: 'the payments database answers before its transaction is forced to the journal: a crash loses charges the worker has already committed past',
  },
  {
    id: 'dedup-state-machine-checks-target-state',
    family,
    scenario: 'duplicate-handling',
    strategy: 'state-machine',
    file: 'scenarios/duplicate-handling/payments-db.ts',
    find: `          if (state !== from) return skip(e, \`order \${e.order} is \${state}, not \${from}\`);`,
    replace: `          if (state === to) return skip(e, \`order \${e.order} is \${state}, not \${from}\`);`,
    description: 'the state machine refuses an event only when the order is already in the target state: a replayed charge of a shipped order charges again',
  },
  {
    id: 'group-range-assignor-off-by-one',
    family,
    scenario: 'consumer-lag',
    strategy: 'more-partitions',
    file: 'scenarios/parts/log/assignor.ts',
    find: `      for (let k = 0; k < n; k++) out.get(m)!.push(tpOf(topic, next++));`,
    replace: `      for (let k = 0; k < n; k++) out.get(m)!.push(tpOf(topic, ++next));`,
    description: 'the range assignor counts partitions from one: partition 0 is never assigned, and one past the last is',
  },
  {
    id: 'backpressure-ignores-unacknowledged',
    family,
    scenario: 'consumer-lag',
    strategy: 'backpressure',
    file: 'scenarios/consumer-lag/traffic-source.ts',
    find: `          credits = Math.max(0, bp!.highLag - total - producer.outstanding);`,
    replace: `          credits = Math.max(0, bp!.highLag - total);`,
    description:
      'the credit-based limiter counts only the lag the broker reports, not what its own producer still has in flight: after a stall it grants credits twice',
  },
  {
    id: 'partitioner-keyed-records-sticky',
    family,
    scenario: 'partitioning',
    strategy: 'key-hash',
    file: 'scenarios/parts/log/partitioner.ts',
    find: `    partition: (topic, key, partitions) => (key === null ? fallback.partition(topic, null, partitions) : partitionForKey(key, partitions)),`,
    replace: `    partition: (topic, key, partitions) => (key !== null ? fallback.partition(topic, null, partitions) : partitionForKey(key, partitions)),`,
    description: 'the key-hash partitioner sends keyed records to the sticky partition (the keyless path): an account’s events scatter over partitions',
  },
  {
    id: 'producer-several-batches-in-flight',
    family,
    scenario: 'partitioning',
    strategy: 'key-hash',
    file: 'scenarios/parts/log/producer.ts',
    find: `    return this.ready && q.inFlight === null && q.pending.length > 0`,
    replace: `    return this.ready && q.pending.length > 0`,
    description:
      'the producer sends a partition’s next batch while the previous one is unanswered (max.in.flight > 1 with retries): a retried batch lands after a later one',
  },
  {
    id: 'consumer-autocommits-unprocessed-batch',
    family,
    scenario: 'partitioning',
    strategy: 'key-hash',
    file: 'scenarios/parts/log/consumer.ts',
    find: `    if (parts.length > 0) this.cursor = (this.cursor + 1) % parts.length;
    this.waiting = batch.length === 0;`,
    replace: `    if (parts.length > 0) this.cursor = (this.cursor + 1) % parts.length;
    this.waiting = batch.length === 0;
    this.lastAutoCommitMs = -Infinity;
    this.maybeAutoCommit();`,
    description:
      'auto-commit commits the positions of the batch poll is handing out, before the application processed it: a crash mid-batch skips the rest of it',
  },
  {
    id: 'consumer-keeps-revoked-partitions',
    family,
    scenario: 'partitioning',
    strategy: 'key-hash',
    file: 'scenarios/parts/log/consumer.ts',
    find: `    this.assigned.clear();`,
    replace: `    // keeps fetching what it had until the new assignment arrives`,
    description: 'a consumer that rejoins after a rebalance keeps its old partitions besides the new ones: two members apply the same partition',
  },
];
