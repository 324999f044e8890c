/**
 * Mutants of the transactions family: realistic one-line bugs in its sound strategies
 * (two-phase commit with a durable log or cooperative termination, the saga's orchestration
 * and choreography, event-consistency's idempotent consumer, DLQ, outbox and reconciliation)
 * and the parts they use (the transactional store, the idempotency store, the queue broker,
 * the outbox relay, the request client). See mutants/mutant.ts.
 */
import type { Mutant } from '../mutant.ts';

export const mutants: Mutant[] = [
  // ---------------------------------------------------------------- two-phase commit
  {
    id: '2pc-vote-before-prepare-forced',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/two-phase-commit/participant.ts',
    find: `      votedAt.set(tx, ctx.now);
      disk.force();`,
    replace: `      votedAt.set(tx, ctx.now);`,
    description: 'a participant votes YES without forcing its PREPARE record: a crash after the vote forgets a promise the coordinator relies on',
  },
  {
    id: '2pc-decision-announced-before-force',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/two-phase-commit/coordinator.ts',
    find: `      if (!config.durableLog) return announce(t);`,
    replace: `      if (!config.durableLog || true) return announce(t);`,
    description: 'the coordinator announces its decision before the decision record is forced to its log',
  },
  {
    id: '2pc-commit-on-first-yes',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/two-phase-commit/coordinator.ts',
    find: 'if (t.yesVotes === everyone(t)) decide(t, true);',
    replace: 'if (t.yesVotes !== 0) decide(t, true);',
    description: 'the coordinator decides COMMIT as soon as one participant votes YES, without waiting for the others',
  },
  {
    id: '2pc-row-lock-not-exclusive',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'cooperative',
    file: 'scenarios/parts/storage/transactional-store.ts',
    find: '      if (holder !== undefined && holder !== tx) return false;',
    replace: '      if (holder !== undefined && holder === tx) return false;',
    description:
      'the row lock check is inverted: a transaction may lock a row another transaction holds, so two transfers update one balance from the same base',
  },
  {
    id: '2pc-recovery-forgets-in-doubt-locks',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/parts/storage/transactional-store.ts',
    find: '      for (const k of keys) this.locks.set(k, tx);',
    replace: '',
    description:
      'a restarted participant recovers its in-doubt transactions without re-taking their row locks, so another transfer can prepare on rows whose outcome is pending',
  },
  {
    id: '2pc-peer-says-aborted-without-aborting',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'cooperative',
    file: 'scenarios/two-phase-commit/participant.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text to find is source code with a template literal.
    find: '      apply(tx, false, `${ctx.nameOf(from)} asked and it had not voted yet`);\n',
    replace: '',
    description:
      'under cooperative termination, a participant that has not voted answers "aborted" without recording the abort, and may still vote YES when the PREPARE arrives',
  },
  // ---------------------------------------------------------------- saga
  {
    id: 'saga-step-answered-before-force',
    family: 'transactions',
    scenario: 'saga',
    strategy: 'orchestration',
    file: 'scenarios/saga/service.ts',
    find: `      if (outcome.fact !== undefined) audit.fact(outcome.fact, ctx.name, done.tx!);
      ctx.disk.force();`,
    replace: `      if (outcome.fact !== undefined) audit.fact(outcome.fact, ctx.name, done.tx!);`,
    description: 'a service answers a step without forcing the transaction that holds its effect and its idempotency key',
  },
  {
    id: 'saga-orchestrator-log-not-forced',
    family: 'transactions',
    scenario: 'saga',
    strategy: 'orchestration',
    file: 'scenarios/saga/orchestrator.ts',
    find: '      if (config.durableLog) ctx.disk.force();',
    replace: '',
    description: 'the orchestrator appends to its saga log but never forces it: the client hears "accepted" for a saga a crash can forget',
  },
  {
    id: 'saga-compensation-forgets-release',
    family: 'transactions',
    scenario: 'saga',
    strategy: 'orchestration',
    file: 'scenarios/saga/steps.ts',
    find: "{ 'create-order': 'cancel-order', charge: 'refund', reserve: 'release' }",
    replace: "{ 'create-order': 'cancel-order', charge: 'refund' }",
    description: 'the saga definition has no compensation for the stock reservation: a saga refused at shipping keeps its stock forever',
  },
  {
    id: 'saga-processed-id-by-delivery-tag',
    family: 'transactions',
    scenario: 'saga',
    strategy: 'choreography',
    file: 'scenarios/saga/service.ts',
    find: '      const key = d.id;',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the replacement is source code with a template literal.
    replace: '      const key = `${d.queue}#${d.tag}`;',
    description: 'a service dedups events by the broker’s delivery tag instead of the event id: the same event published twice gets a new tag and runs twice',
  },
  {
    id: 'request-retry-without-idempotency-key',
    family: 'transactions',
    scenario: 'saga',
    strategy: 'orchestration',
    file: 'scenarios/parts/resilience/request-client.ts',
    find: "options.key === undefined ? { type: 'request', rid, body } : { type: 'request', rid, key: options.key, body };",
    replace: "{ type: 'request', rid, body };",
    description:
      'the request client drops the idempotency key: a retry after the orchestrator restarts carries a new request id, and the service runs the step again',
  },
  {
    id: 'queue-broker-no-redelivery-after-restart',
    family: 'transactions',
    scenario: 'saga',
    strategy: 'choreography',
    file: 'scenarios/parts/messaging/queue-broker.ts',
    find: '    for (const name of queues.keys()) pump(name);\n',
    replace: '',
    description: 'a restarted broker waits for new traffic before delivering what was in flight when it crashed',
  },
  {
    id: 'tx-store-rows-before-log-record',
    family: 'transactions',
    scenario: 'saga',
    strategy: 'orchestration',
    file: 'scenarios/parts/storage/transactional-store.ts',
    find: `    this.wal.append(appends.length === 0 ? { type: 'local', tx, writes } : { type: 'local', tx, writes, appends: [...appends] });
    this.redo(writes, appends);`,
    replace: `    this.redo(writes, appends);
    this.wal.append(appends.length === 0 ? { type: 'local', tx, writes } : { type: 'local', tx, writes, appends: [...appends] });`,
    description:
      'a local transaction writes its rows before its log record (not write-ahead): a torn write-back keeps half a transaction that recovery cannot see',
  },
  // ---------------------------------------------------------------- event-driven consistency
  {
    id: 'event-consumer-ack-before-force',
    family: 'transactions',
    scenario: 'event-consistency',
    strategy: 'idempotent-consumer',
    file: 'scenarios/event-consistency/consumer.ts',
    find: `      audit.applied(d.id, 'message', done.tx!);
      ctx.disk.force();`,
    replace: `      audit.applied(d.id, 'message', done.tx!);`,
    description: 'the consumer acknowledges an event before forcing the transaction that applied it and recorded its id',
  },
  {
    id: 'idempotency-index-in-memory',
    family: 'transactions',
    scenario: 'event-consistency',
    strategy: 'retry-dlq',
    file: 'scenarios/parts/storage/idempotency-store.ts',
    find: 'if (!this.db.commitLocalWith(tx, e.writes, [...(e.appends ?? []), { table: this.tableName, record }])) return null;',
    replace: 'if (!this.db.commitLocalWith(tx, e.writes, [...(e.appends ?? [])])) return null; this.index.set(key, e.response);',
    description: 'the processed-id store keeps its keys in an in-memory index only, so a restarted consumer applies a redelivered event again',
  },
  {
    id: 'queue-broker-confirm-before-force',
    family: 'transactions',
    scenario: 'event-consistency',
    strategy: 'outbox',
    file: 'scenarios/parts/messaging/queue-broker.ts',
    find: `      // A confirm promises the message survives a crash: it is forced first.
      ctx.disk.force();`,
    replace: '',
    description: 'the broker confirms a publish without forcing the message to its disk',
  },
  {
    id: 'event-producer-answers-before-force',
    family: 'transactions',
    scenario: 'event-consistency',
    strategy: 'outbox',
    file: 'scenarios/event-consistency/producer.ts',
    find: `      if (committed !== undefined) audit.committed(committed, poison, done.tx!);
      ctx.disk.force();`,
    replace: `      if (committed !== undefined) audit.committed(committed, poison, done.tx!);`,
    description: 'the points service answers the user before forcing the commit that records the points (and the outbox entry)',
  },
  {
    id: 'outbox-relay-no-resume-after-restart',
    family: 'transactions',
    scenario: 'event-consistency',
    strategy: 'outbox',
    file: 'scenarios/parts/messaging/outbox-relay.ts',
    find: '    if (this.backlog > 0) this.wake();',
    replace: '',
    description: 'a restarted relay does not look at its outbox until the next commit wakes it',
  },
  {
    id: 'reconcile-watermark-skips-young-events',
    family: 'transactions',
    scenario: 'event-consistency',
    strategy: 'reconciliation',
    file: 'scenarios/event-consistency/consumer.ts',
    find: 'if (e.atMs > settledMs) break;',
    replace: 'if (e.atMs > settledMs) { position++; continue; }',
    description:
      'the reconciliation pass leaves young events to the broker but moves its watermark past them anyway, so one the broker never delivers is never repaired',
  },
  {
    id: 'store-prepare-releases-row-locks',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/parts/storage/transactional-store.ts',
    find: `    this.prepared.set(tx, writes);
    state.status = 'prepared';`,
    replace: `    this.prepared.set(tx, writes);
    state.status = 'prepared';
    this.releaseKeys(tx, state);`,
    description:
      "PREPARE releases the row locks as if the transaction were over: a second transfer reads the row before the first one's outcome is applied, and one update is lost when both commit",
  },
  {
    id: '2pc-duplicate-prepare-votes-before-force',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/two-phase-commit/participant.ts',
    find: `return forcing.get(tx) === true ? undefined : voteYes(from, tx);`,
    replace: `return voteYes(from, tx);`,
    description: 'a duplicated PREPARE is answered YES while the first one is still being forced: a crash then forgets a promise the coordinator acted on',
  },
];
