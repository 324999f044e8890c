/**
 * Event-driven consistency: keeping a projection right when events arrive at least once.
 *
 * A producer (the points service) records that a user earned points and publishes the event
 * through a broker to a consumer that keeps each user's balance: a projection of the
 * producer's history. Nothing here is exactly-once: the broker redelivers what was not
 * acknowledged, publishers retry what was not confirmed, and processes crash between steps.
 * So the design question is which safeguards make at-least-once delivery add up to a correct
 * projection, and what each one costs.
 *
 * The strategies stack the safeguards one by one, and each claims one more invariant:
 * idempotency (no double apply), a dead-letter queue (a poison message cannot block the
 * rest), an outbox (no event lost between the producer's commit and its publish), and a
 * reconciliation pass that re-verifies the projection against the source and repairs it.
 * Beneath them all, two promises every strategy relies on are judged directly: a confirmed
 * publish survives a broker crash, and a processed-id record survives a consumer crash.
 */
import { z } from 'zod';
import { percentile, type Stream } from '../../engine/index.ts';
import { defineScenario, type Witness } from '../framework/scenario.ts';
import { BrokerAudit } from '../parts/messaging/broker-audit.ts';
import type { DurableQueue } from '../parts/messaging/durable-queue.ts';
import { observeAll, type QueueSpec, queueBroker, queueOnDisk } from '../parts/messaging/queue-broker.ts';
import type { Backoff } from '../parts/resilience/backoff.ts';
import { IdempotencyAudit } from '../parts/storage/idempotency-audit.ts';
import { TransactionalStore } from '../parts/storage/transactional-store.ts';
import { uniformArrivals } from '../parts/workload/arrivals.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import { PointsAudit } from './audit.ts';
import { consumer } from './consumer.ts';
import { balanceDrift, type Finding, lostEvents, settledBy, sourceDrift, stuckInQueue } from './end-checks.ts';
import { balanceKey, EVENTS_TABLE, POINTS_TOPIC, type PointsEvent, sourcePointsKey } from './messages.ts';
import { producer } from './producer.ts';
import { type Earning, users } from './users.ts';

const params = z.object({
  users: z.number().int().min(1).max(64).default(6).describe('users earning points'),
  events: z.number().int().min(1).max(2000).default(30).describe('points requests the users make (earnings and spendings)'),
  maxPoints: z.number().int().min(1).max(10_000).default(100).describe('most points one event grants or spends'),
  spendShare: z
    .number()
    .min(0)
    .max(1)
    .default(0.25)
    .describe('share of requests that spend points instead of earning them (a spend beyond the balance is refused)'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('events happen (Poisson) over this window, in ms'),
  latencyMeanMs: z.number().min(0).max(1000).default(4).describe('mean one-way network latency above a 1 ms floor, in ms'),
  requestTimeoutMs: z.number().min(5).max(60_000).default(40).describe('a publish or a reconciliation query with no answer after this long is retried, in ms'),
  backoffBaseMs: z.number().min(1).max(60_000).default(20).describe('first retry wait (publishes, queries, and failed deliveries with backoff), in ms'),
  backoffCapMs: z.number().min(1).max(600_000).default(320).describe('longest retry wait before jitter, in ms'),
  visibilityTimeoutMs: z.number().min(10).max(60_000).default(150).describe('the broker delivers an unacknowledged event again after this long, in ms'),
  plainRetryMs: z.number().min(1).max(60_000).default(50).describe('(without a DLQ) a failed event is delivered again after this fixed wait, forever, in ms'),
  maxDeliveries: z.number().int().min(1).max(100).default(4).describe('(with a DLQ) failed deliveries before an event is parked in the dead-letter queue'),
  relayPollMs: z
    .number()
    .min(0)
    .max(10_000)
    .default(50)
    .describe('(outbox) the relay polls the outbox this long after a commit wakes it, publishing everything committed since, in ms'),
  reconcileEveryMs: z.number().min(50).max(600_000).default(300).describe('(reconciliation) the projection is checked against the source this often, in ms'),
  reconcileGraceMs: z.number().min(0).max(600_000).default(200).describe('(reconciliation) events younger than this are left to the broker, in ms'),
  settleMs: z.number().min(100).max(600_000).default(4000).describe('after the last fault heals, time allowed for the projection to catch up, in ms'),
});
type Params = z.infer<typeof params>;

/** Which safeguards a strategy has: each is one more layer on the ones before it. */
interface Safeguards {
  /** A processed-id store makes redelivery harmless. */
  dedup: boolean;
  /** Failed deliveries back off and are parked after maxDeliveries. */
  deadLetters: boolean;
  /** Events go through an outbox instead of a dual write. */
  outbox: boolean;
  /** A periodic pass repairs the projection from the source. */
  reconcile: boolean;
}

const SAFEGUARDS: Readonly<Record<string, Safeguards>> = {
  'at-least-once': { dedup: false, deadLetters: false, outbox: false, reconcile: false },
  'idempotent-consumer': { dedup: true, deadLetters: false, outbox: false, reconcile: false },
  'retry-dlq': { dedup: true, deadLetters: true, outbox: false, reconcile: false },
  outbox: { dedup: true, deadLetters: true, outbox: true, reconcile: false },
  reconciliation: { dedup: true, deadLetters: true, outbox: false, reconcile: true },
};

const QUEUE = 'points';

export const eventConsistency = defineScenario({
  id: 'event-consistency',
  title: 'Event-driven consistency: at least once, exactly right',
  family: 'transactions',
  question: 'Events are delivered at least once and sometimes not at all: which safeguards keep a projection exact, and what happens without each one?',
  summary:
    'A producer commits points events and publishes them through a durable broker to a consumer that keeps every user’s balance. Crash the consumer between applying an event and acknowledging it, duplicate messages, slow the broker, crash the producer between its commit and its publish, or publish a poison message, and watch balances count an event twice, a queue stall behind one bad message, or an event vanish — until idempotency, a dead-letter queue, an outbox and a reconciliation pass each close one gap.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 1 } }),
  strategies: [
    {
      id: 'at-least-once',
      title: 'At least once, no idempotency',
      explanation:
        'The consumer applies every event it is given and then acknowledges it. Nothing is lost at the broker, but anything delivered twice is counted twice: a crash between applying and acknowledging, a lost ack, a slow consumer outliving the visibility timeout, or a publisher retry all add the same points again.',
      expectedViolations: ['no-double-apply'],
    },
    {
      id: 'idempotent-consumer',
      title: 'Idempotent consumer (processed-id store)',
      explanation:
        'The consumer records each event id in the same local transaction as the balance change and skips ids it has seen, so redelivery is harmless: at least once plus idempotency behaves like exactly once. It still retries a failing event forever, so one poison message stalls everything behind it, and the producer still publishes after committing, so a crash in between loses the event.',
      expectedViolations: [],
    },
    {
      id: 'retry-dlq',
      title: 'Retries with backoff and a dead-letter queue',
      explanation:
        'As the idempotent consumer, and a failed event is retried after an exponential backoff with jitter; after a few failed deliveries it is parked in a dead-letter queue for a human to inspect, and the queue moves on. A poison message costs a few hundred milliseconds instead of the whole stream. Events lost by the producer’s dual write are still lost.',
      expectedViolations: [],
    },
    {
      id: 'outbox',
      title: 'Transactional outbox',
      explanation:
        'As retries with a DLQ, and the producer writes each event to an outbox table in the same transaction as the points; a relay publishes from the outbox and resumes after a crash. No committed event is ever lost, at the price of a relay, a little latency, and duplicates after a relay crash (which idempotency absorbs).',
      expectedViolations: [],
    },
    {
      id: 'reconciliation',
      title: 'Reconciliation pass',
      explanation:
        'As retries with a DLQ, still with a dual write, plus a periodic pass that asks the producer for its history and repairs the projection with every event it lacks — lost by the dual write or parked as poison — through the same processed-id store. The projection converges to the source, later rather than never: the repair waits for the next pass.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'idempotent-consumer',
  invariants: [
    {
      name: 'no-double-apply',
      kind: 'safety',
      description: 'No event changes the projection more than once, however often it is delivered.',
    },
    {
      name: 'poison-never-blocks',
      kind: 'liveness',
      description:
        'Once the faults heal, every event the broker accepted is applied within the settle time, or, if it is poison, parked in the dead-letter queue: nothing stays stuck behind a message that cannot be processed.',
      appliesTo: ['retry-dlq', 'outbox', 'reconciliation'],
    },
    {
      name: 'no-event-lost',
      kind: 'liveness',
      description:
        'Once the faults heal, every event the producer committed reaches the projection within the settle time (or, if poison, the dead-letter queue): none vanishes between the producer’s commit and the consumer.',
      appliesTo: ['outbox', 'reconciliation'],
    },
    {
      name: 'projection-converged',
      kind: 'liveness',
      description: 'Once the faults heal, every user’s balance in the projection equals the total in the source of truth within the settle time.',
      appliesTo: ['reconciliation'],
    },
    {
      name: 'source-consistent',
      kind: 'safety',
      description: 'The points service’s local transactions are all or nothing: each user’s total at the source equals the sum of their points history there.',
    },
    {
      name: 'answered-requests-durable',
      kind: 'safety',
      description:
        'Once the points service has answered a user’s request, the request (its points, or its refusal) is on its disk and survives every crash after: the source of truth never forgets what it told a user.',
    },
    {
      name: 'confirmed-publish-durable',
      kind: 'safety',
      description: 'Every event the broker confirmed to the producer is still in its queue after any broker crash.',
    },
    {
      name: 'unacked-redelivered',
      kind: 'safety',
      description:
        'When the broker restarts, the event it holds unacknowledged at the head of the queue is delivered again within the visibility timeout: a restart never strands an event it cannot know was received.',
    },
    {
      name: 'dedup-records-durable',
      kind: 'safety',
      description:
        'Once the consumer has acknowledged an event, its id is in the processed-id store on disk and survives every crash after: a redelivery can never apply it again.',
      appliesTo: ['idempotent-consumer', 'retry-dlq', 'outbox', 'reconciliation'],
    },
  ],
  goals: [
    { name: 'duplicate-delivered', description: 'The consumer was given an event a second time.' },
    { name: 'poison-delivered', description: 'A poison message reached the consumer.' },
  ],
  metrics: [
    { name: 'eventsCommitted', unit: 'events', description: 'events the producer committed (the source of truth)', better: 'neither' },
    { name: 'eventsApplied', unit: 'events', description: 'distinct events applied to the projection', better: 'higher' },
    { name: 'doubleApplies', unit: 'events', description: 'times an event was applied again', better: 'lower' },
    { name: 'eventsMissing', unit: 'events', description: 'committed events neither applied nor parked at the end', better: 'lower' },
    { name: 'parked', unit: 'messages', description: 'messages parked in the dead-letter queue', better: 'neither' },
    { name: 'redeliveries', unit: 'deliveries', description: 'deliveries beyond the first of a message', better: 'lower' },
    { name: 'duplicatesSkipped', unit: 'deliveries', description: 'deliveries the consumer recognised as already applied', better: 'neither' },
    { name: 'repairs', unit: 'events', description: 'events the reconciliation pass applied from the source', better: 'neither' },
    { name: 'applyLagP50Ms', unit: 'ms', description: 'median time from the producer’s commit to the projection’s update', better: 'lower' },
    { name: 'applyLagP99Ms', unit: 'ms', description: '99th percentile time from commit to projection update', better: 'lower' },
    { name: 'throughputPerSec', unit: '1/s', description: 'distinct events applied per second of workload', better: 'higher' },
    { name: 'backlogMax', unit: 'messages', description: 'most messages waiting in the queue at once', better: 'lower' },
    { name: 'projectionErrorPoints', unit: 'points', description: 'sum over users of |projection − source| at the end', better: 'lower' },
    { name: 'messagesPerEvent', unit: 'messages', description: 'messages sent per committed event', better: 'lower' },
  ],
  presets: [
    {
      id: 'consumer-crash-after-apply',
      title: 'Consumer crashes between apply and ack',
      description: 'The consumer applies an event and crashes before acknowledging it; it restarts 200 ms later and the broker delivers the event again.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'consumer', when: 'applied' },
        { at: Math.round(p.workloadMs * 0.3) + 200, kind: 'restart', node: 'consumer' },
      ],
    },
    {
      id: 'poison-message',
      title: 'A poison message',
      description: 'A serializer bug garbles one event’s payload: the consumer cannot read it, ever.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'poison', node: 'producer' }],
    },
    {
      id: 'producer-crash-before-publish',
      title: 'Producer crashes between commit and publish',
      description: 'The producer commits an event and crashes before publishing it; it restarts 200 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'producer', when: 'committed' },
        { at: Math.round(p.workloadMs * 0.3) + 200, kind: 'restart', node: 'producer' },
      ],
    },
    {
      id: 'duplicates',
      title: 'The network duplicates messages',
      description: 'For the whole workload, 30% of messages are delivered twice.',
      faults: (p: Params) => [
        { at: 0, kind: 'degrade', duplicateRate: 0.3 },
        { at: p.workloadMs, kind: 'restore' },
      ],
    },
    {
      id: 'broker-delay',
      title: 'The broker is slow',
      description: 'For 400 ms everything the broker sends takes about 120 ms: deliveries outlive the visibility timeout and come again.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.2), kind: 'degrade', from: 'broker', latency: { kind: 'exponential', meanMs: 120, minMs: 20 } },
        { at: Math.round(p.workloadMs * 0.2) + 400, kind: 'restore' },
      ],
    },
  ],
  defaultPreset: 'consumer-crash-after-apply',
  alarmStates: ['failing', 'parked', 'repaired'],
  faultSpace: (p: Params) => ({
    // Faults strike while events are made and while the last ones drain through the broker.
    windowMs: Math.round(p.workloadMs * 1.2),
    faultsMax: 4,
    // A latency spike may outlast a request timeout or a visibility timeout (a GC pause, a congested link).
    latencySpikeMsMax: 2 * Math.max(p.requestTimeoutMs, p.visibilityTimeoutMs),
    injects: [{ name: 'poison', description: 'the next event is published with a payload no consumer can read', nodes: ['producer'] }],
  }),
  build(world) {
    const { params: p } = world;
    const guards = SAFEGUARDS[world.strategy]!;
    const audit = new PointsAudit(world);
    const keyAudit = guards.dedup ? new IdempotencyAudit(world, 'dedup-records-durable') : null;
    const answers = new IdempotencyAudit(world, 'answered-requests-durable');
    const earnings = drawEarnings(world.stream('workload'), p);
    const backoff: Backoff = { baseMs: p.backoffBaseMs, factor: 2, capMs: p.backoffCapMs, jitter: 'full' };
    const policy = { timeoutMs: p.requestTimeoutMs, attemptsMax: Number.POSITIVE_INFINITY, backoff };
    const queue: QueueSpec = {
      name: QUEUE,
      consumer: 'consumer',
      prefetch: 1,
      visibilityTimeoutMs: p.visibilityTimeoutMs,
      maxDeliveries: guards.deadLetters ? p.maxDeliveries : Number.POSITIVE_INFINITY,
      retryBackoff: guards.deadLetters ? backoff : { baseMs: p.plainRetryMs, factor: 1, capMs: p.plainRetryMs, jitter: 'none' },
    };
    let redeliveries = 0;
    let backlog = 0;
    let backlogMax = 0;

    world.node(
      'users',
      {
        role: 'users',
        spare: {
          crash: 'the users stand for the workload: the points they earn and spend are the input, and what the services make of them is the question',
          pause: 'pausing the users only delays the workload; no service state lives there',
          clock: 'the users’ clock only paces the workload; no service decision reads it',
        },
      },
      users(earnings, 'producer', policy),
    );
    world.node(
      'producer',
      { role: 'points service (source of truth)', crashPoints: ['committed', 'outbox-published'] },
      producer({ broker: 'broker', outbox: guards.outbox, publishPolicy: policy, relayPollMs: p.relayPollMs, audit, answers, requests: {} }),
    );
    world.node(
      'broker',
      { role: 'broker' },
      queueBroker(
        { queues: [queue], routes: { [POINTS_TOPIC]: [QUEUE] } },
        observeAll(new BrokerAudit(world, { confirmed: 'confirmed-publish-durable', redelivered: 'unacked-redelivered' }, 'broker', [queue]).observer(), {
          onDelivered: (_queue, _id, redelivery) => {
            if (redelivery) redeliveries++;
          },
          onDepth: (_queue, depth) => {
            backlog = depth;
            if (depth > backlogMax) backlogMax = depth;
          },
        }),
      ),
    );
    world.node(
      'consumer',
      { role: 'projection (balances)', crashPoints: ['applied'] },
      consumer({
        broker: 'broker',
        producer: 'producer',
        dedup: guards.dedup,
        reconcile: guards.reconcile ? { everyMs: p.reconcileEveryMs, graceMs: p.reconcileGraceMs, policy } : null,
        audit,
        keyAudit,
        requests: {},
      }),
    );

    /** The disks as recovery would read them; read once when the run is judged (metrics reuse it). */
    let atEnd: { source: TransactionalStore; projection: TransactionalStore; queue: DurableQueue } | null = null;
    const readDisks = () =>
      atEnd ?? {
        source: new TransactionalStore(world.disk('producer'), 'points'),
        projection: new TransactionalStore(world.disk('consumer'), 'projection'),
        queue: queueOnDisk(world.disk('broker'), queue),
      };
    world.chart({ id: 'backlog', title: 'Events waiting in the queue', unit: 'messages', everyMs: 50, series: { backlog: () => backlog } });
    world.chart({
      id: 'applied',
      title: 'Events applied vs committed',
      unit: 'events',
      everyMs: 50,
      series: { committed: () => audit.committedCount, applied: () => audit.appliedCount },
    });

    const judge = (invariant: string, finding: Finding | null): void => {
      if (finding === null) return;
      const witnesses: Witness[] = finding.ids.slice(0, 4).flatMap((id) => audit.witness(id) ?? []);
      world.violate(invariant, `${world.endMs - world.healAtMs} ms after every fault healed, ${finding.message}`, { witnesses });
    };

    world.atEnd(() => {
      atEnd = readDisks();
      const history = atEnd.source.table<PointsEvent>(EVENTS_TABLE);
      judge('poison-never-blocks', stuckInQueue(atEnd.queue, audit));
      judge('no-event-lost', lostEvents(history, atEnd.queue, audit));
      judge('projection-converged', balanceDrift(history, atEnd.projection, p.users));
      const finding = sourceDrift(history, atEnd.source, p.users);
      if (finding !== null)
        world.violate('source-consistent', finding.message, { witnesses: finding.ids.slice(0, 4).flatMap((id) => audit.witness(id) ?? []) });
    });

    return {
      metrics() {
        const { source: truth, projection: db, queue: q } = readDisks();
        const history = truth.table<PointsEvent>(EVENTS_TABLE);
        const settled = settledBy(q, audit);
        let errorPoints = 0;
        for (let u = 0; u < p.users; u++) errorPoints += Math.abs((db.read(balanceKey(u)) ?? 0) - (truth.read(sourcePointsKey(u)) ?? 0));
        return {
          eventsCommitted: history.length,
          eventsApplied: audit.appliedCount,
          doubleApplies: audit.doubleApplies,
          eventsMissing: history.filter((e) => !settled(e.id)).length,
          parked: q.parked.length,
          redeliveries,
          duplicatesSkipped: audit.duplicatesSkipped,
          repairs: audit.repairs,
          applyLagP50Ms: percentile(audit.lagMs, 50),
          applyLagP99Ms: percentile(audit.lagMs, 99),
          throughputPerSec: audit.appliedCount / (p.workloadMs / 1000),
          backlogMax,
          projectionErrorPoints: errorPoints,
          messagesPerEvent: history.length === 0 ? 0 : world.messages.sent / history.length,
        };
      },
    };
  },
});

/**
 * The points requests of one run, drawn up front so every strategy sees the same ones: a
 * Poisson process conditioned on its count, a share of them spendings.
 */
function drawEarnings(rng: Stream, p: Params): Earning[] {
  const times = uniformArrivals(rng, p.events, 0, p.workloadMs);
  return times.map((atMs, i) => {
    const user = rng.int(p.users);
    const points = 1 + rng.int(p.maxPoints);
    return { id: eventId(i + 1), atMs, user, points: rng.next() < p.spendShare ? -points : points };
  });
}

/** Event ids, spelt once: the idempotency keys, the processed ids and the audit look every event up by its id. */
const eventId = numberedNames('e');
