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
 */
import { z } from 'zod';
import type { Stream } from '../../engine/index.ts';
import { defineScenario } from '../framework/scenario.ts';
import { QUEUE_BROKER_COUNTERS, type QueueSpec, queueBroker, queueDepthGauge, queueOnDisk } from '../parts/messaging/queue-broker.ts';
import type { Backoff } from '../parts/resilience/backoff.ts';
import { TransactionalStore } from '../parts/storage/transactional-store.ts';
import { PointsAudit } from './audit.ts';
import { consumer } from './consumer.ts';
import { balanceDrift, lostEvents, settledBy, stuckInQueue } from './end-checks.ts';
import { balanceKey, EVENTS_TABLE, POINTS_TOPIC, type PointsEvent, sourcePointsKey } from './messages.ts';
import { type Earning, producer } from './producer.ts';

const params = z.object({
  users: z.number().int().min(1).max(64).default(6).describe('users earning points'),
  events: z.number().int().min(1).max(2000).default(30).describe('points events the producer commits'),
  maxPoints: z.number().int().min(1).max(10_000).default(100).describe('most points one event grants'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('events happen (Poisson) over this window, in ms'),
  latencyMeanMs: z.number().min(0).max(1000).default(4).describe('mean one-way network latency above a 1 ms floor, in ms'),
  requestTimeoutMs: z.number().min(5).max(60_000).default(40).describe('a publish or a reconciliation query with no answer after this long is retried, in ms'),
  backoffBaseMs: z.number().min(1).max(60_000).default(20).describe('first retry wait (publishes, queries, and failed deliveries with backoff), in ms'),
  backoffCapMs: z.number().min(1).max(600_000).default(320).describe('longest retry wait before jitter, in ms'),
  visibilityTimeoutMs: z.number().min(10).max(60_000).default(150).describe('the broker delivers an unacknowledged event again after this long, in ms'),
  plainRetryMs: z.number().min(1).max(60_000).default(50).describe('(without a DLQ) a failed event is delivered again after this fixed wait, forever, in ms'),
  maxDeliveries: z.number().int().min(1).max(100).default(4).describe('(with a DLQ) failed deliveries before an event is parked in the dead-letter queue'),
  relayPollMs: z.number().min(0).max(10_000).default(10).describe('(outbox) the relay polls the outbox this long after a commit, in ms'),
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

const PRODUCER = 0;
const BROKER = 1;
const CONSUMER = 2;
const QUEUE = 'points';

export const eventConsistency = defineScenario({
  id: 'event-consistency',
  title: 'Event-driven consistency: at least once, exactly right',
  family: 'transactions',
  question: 'Events are delivered at least once and sometimes not at all: which safeguards keep a projection exact, and what happens without each one?',
  summary:
    'A producer commits points events and publishes them through a durable broker to a consumer that keeps every user’s balance. Crash the consumer between applying an event and acknowledging it, duplicate messages, slow the broker, crash the producer between its commit and its publish, or publish a poison message, and watch balances count an event twice, a queue stall behind one bad message, or an event vanish — until idempotency, a dead-letter queue, an outbox and a reconciliation pass each close one gap.',
  params,
  topology: () => ({
    nodes: [
      { name: 'producer', role: 'points service (source of truth)' },
      { name: 'broker', role: 'broker' },
      { name: 'consumer', role: 'projection (balances)' },
    ],
  }),
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
  charts: () => [
    { id: 'backlog', title: 'Events waiting in the queue', unit: 'messages', series: ['backlog'] },
    { id: 'applied', title: 'Events applied vs committed', unit: 'events', series: ['committed', 'applied'] },
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
    windowMs: p.workloadMs,
    crashable: ['producer', 'broker', 'consumer'],
    partitionable: ['producer', 'broker', 'consumer'],
    crashPoints: { producer: ['committed', 'outbox-published'], consumer: ['applied'] },
    kinds: ['crash', 'restart', 'pause', 'resume', 'partition', 'heal', 'degrade', 'restore'],
    injects: [{ name: 'poison', description: 'the next event is published with a payload no consumer can read', nodes: ['producer'] }],
    faultsMax: 3,
  }),
  build(world) {
    const { sim, params: p } = world;
    const guards = SAFEGUARDS[world.strategy]!;
    const audit = new PointsAudit(world, sim);
    const earnings = drawEarnings(world.stream('workload'), p);
    const backoff: Backoff = { baseMs: p.backoffBaseMs, factor: 2, capMs: p.backoffCapMs, jitter: 'full' };
    const policy = { timeoutMs: p.requestTimeoutMs, attemptsMax: Number.POSITIVE_INFINITY, backoff };
    const queue: QueueSpec = {
      name: QUEUE,
      consumer: CONSUMER,
      prefetch: 1,
      visibilityTimeoutMs: p.visibilityTimeoutMs,
      maxDeliveries: guards.deadLetters ? p.maxDeliveries : Number.POSITIVE_INFINITY,
      retryBackoff: guards.deadLetters ? backoff : { baseMs: p.plainRetryMs, factor: 1, capMs: p.plainRetryMs, jitter: 'none' },
    };

    sim.addNode('producer', producer({ earnings, broker: BROKER, outbox: guards.outbox, publishPolicy: policy, relayPollMs: p.relayPollMs, audit }));
    sim.addNode('broker', queueBroker({ queues: [queue], routes: { [POINTS_TOPIC]: [QUEUE] } }));
    sim.addNode(
      'consumer',
      consumer({
        broker: BROKER,
        producer: PRODUCER,
        dedup: guards.dedup,
        reconcile: guards.reconcile ? { everyMs: p.reconcileEveryMs, graceMs: p.reconcileGraceMs, policy } : null,
        audit,
      }),
    );

    const source = () => new TransactionalStore(sim.durable(PRODUCER), 'points');
    const projection = () => new TransactionalStore(sim.durable(CONSUMER), 'projection');
    const onBroker = () => queueOnDisk(sim.durable(BROKER), queue);
    world.sampleEvery(50, () => {
      sim.metrics.sample('backlog', onBroker().depth);
      sim.metrics.sample('committed', source().table(EVENTS_TABLE).length);
      sim.metrics.sample('applied', audit.appliedCount);
    });

    world.atEnd(() => {
      const sinceHeal = `${world.endMs - world.healAtMs} ms after every fault healed`;
      const queueNow = onBroker();
      const history = source().table<PointsEvent>(EVENTS_TABLE);
      const stuck = stuckInQueue(queueNow, audit);
      if (stuck !== null) world.violate('poison-never-blocks', `${sinceHeal}, ${stuck}`);
      const lost = lostEvents(history, queueNow, audit);
      if (lost !== null) world.violate('no-event-lost', `${sinceHeal}, ${lost}`);
      const drift = balanceDrift(history, projection(), p.users);
      if (drift !== null) world.violate('projection-converged', `${sinceHeal}, ${drift}`);
    });

    return {
      metrics() {
        const truth = source();
        const history = truth.table<PointsEvent>(EVENTS_TABLE);
        const q = onBroker();
        const settled = settledBy(q, audit);
        const lag = [...audit.lagMs].sort((a, b) => a - b);
        const db = projection();
        let errorPoints = 0;
        for (let u = 0; u < p.users; u++) errorPoints += Math.abs((db.read(balanceKey(u)) ?? 0) - (truth.read(sourcePointsKey(u)) ?? 0));
        return {
          eventsCommitted: history.length,
          eventsApplied: audit.appliedCount,
          doubleApplies: audit.doubleApplies,
          eventsMissing: history.filter((e) => !settled(e.id)).length,
          parked: q.parked.length,
          redeliveries: sim.metrics.counter(QUEUE_BROKER_COUNTERS.redeliveries).value,
          duplicatesSkipped: audit.duplicatesSkipped,
          repairs: audit.repairs,
          applyLagP50Ms: percentile(lag, 50),
          applyLagP99Ms: percentile(lag, 99),
          throughputPerSec: audit.appliedCount / (p.workloadMs / 1000),
          backlogMax: Math.max(0, sim.metrics.gauge(queueDepthGauge(QUEUE)).max),
          projectionErrorPoints: errorPoints,
          messagesPerEvent: history.length === 0 ? 0 : sim.messageStats.sent / history.length,
        };
      },
    };
  },
});

/** The points events of one run, drawn up front so every strategy sees the same ones. */
function drawEarnings(rng: Stream, p: Params): Earning[] {
  const times = Array.from({ length: p.events }, () => rng.uniform(0, p.workloadMs)).sort((a, b) => a - b);
  return times.map((atMs, i) => ({ id: `e${i + 1}`, atMs, user: rng.int(p.users), points: 1 + rng.int(p.maxPoints) }));
}

/** Nearest-rank percentile of sorted values; 0 for none. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
