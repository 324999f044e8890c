/**
 * Saga: a long transaction as a chain of local ones, each with a compensation.
 *
 * Placing an order touches four services, each with its own database: the order service
 * records the order, payment charges the customer, inventory reserves the stock, shipping
 * schedules the delivery. No distributed transaction spans them: each step commits on its
 * own, and when a later step is refused (card declined, out of stock, no carrier) the steps
 * already done are undone by compensations — refund the payment, release the stock, cancel
 * the order. Nothing blocks and no lock outlives a step; the price is that a saga is visibly
 * half done while it runs, and that every step must be safe to run twice, because messages
 * are retried and redelivered.
 *
 * Who drives the saga is the design question: an orchestrator that asks each service in
 * turn (easy to follow, but a single point of failure whose state must survive a crash), or
 * a choreography of events where each service reacts to the last (no centre to fail, and no
 * single place that knows where a saga stands).
 */
import { z } from 'zod';
import { percentile, type Spawn, type Stream } from '../../engine/index.ts';
import { defineScenario, type NodeSpec, type Witness } from '../framework/scenario.ts';
import { BrokerAudit } from '../parts/messaging/broker-audit.ts';
import { observeAll, type QueueSpec, queueBroker, queueOnDisk } from '../parts/messaging/queue-broker.ts';
import type { Backoff } from '../parts/resilience/backoff.ts';
import { IdempotencyAudit } from '../parts/storage/idempotency-audit.ts';
import { TransactionalStore } from '../parts/storage/transactional-store.ts';
import { uniformArrivals } from '../parts/workload/arrivals.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import { SagaAudit } from './audit.ts';
import { routes } from './choreography.ts';
import { type Arrival, client } from './client.ts';
import { finalState, recordsOf, unbalancedBooks, undrained } from './final-state.ts';
import { type Order, rows, SERVICES, type ServiceName } from './messages.ts';
import { orchestrator } from './orchestrator.ts';
import { service } from './service.ts';

const params = z.object({
  orders: z.number().int().min(1).max(500).default(12).describe('orders the client places (one saga each)'),
  customers: z.number().int().min(1).max(100).default(6).describe('customers placing them'),
  balanceMin: z.number().int().min(0).max(1_000_000).default(100).describe('least money a customer starts with'),
  balanceMax: z.number().int().min(0).max(1_000_000).default(600).describe('most money a customer starts with'),
  maxAmount: z.number().int().min(20).max(100_000).default(300).describe('largest order amount (the smallest is 20)'),
  items: z.number().int().min(1).max(100).default(4).describe('distinct items for sale'),
  stockPerItem: z.number().int().min(0).max(10_000).default(3).describe('units of each item in stock at the start'),
  maxQuantity: z.number().int().min(1).max(100).default(2).describe('most units of an item one order buys'),
  regions: z.number().int().min(1).max(100).default(5).describe('delivery regions orders go to'),
  regionsServed: z.number().int().min(0).max(100).default(4).describe('regions a carrier serves; orders to the others fail at shipping'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('orders arrive (Poisson) over this window, in ms'),
  latencyMeanMs: z.number().min(0).max(1000).default(4).describe('mean one-way network latency above a 1 ms floor, in ms'),
  requestTimeoutMs: z.number().min(5).max(60_000).default(40).describe('a request (step, order, publish) with no answer after this long is retried, in ms'),
  backoffBaseMs: z.number().min(1).max(60_000).default(20).describe('first retry wait, doubling on each retry, in ms'),
  backoffCapMs: z.number().min(1).max(600_000).default(320).describe('longest retry wait before jitter, in ms'),
  visibilityTimeoutMs: z.number().min(10).max(60_000).default(150).describe('the broker redelivers an unacknowledged event after this long, in ms'),
  relayPollMs: z.number().min(0).max(10_000).default(5).describe('(choreography) a service’s outbox relay polls this long after a commit, in ms'),
  settleMs: z.number().min(100).max(600_000).default(2500).describe('after the last fault heals, time allowed for every saga to finish, in ms'),
});
type Params = z.infer<typeof params>;

/** How a strategy runs the saga. */
interface Design {
  /** Events through the broker (else an orchestrator's requests). */
  choreography: boolean;
  /** The orchestrator's saga log is on disk (else memory). */
  durableLog: boolean;
  /** Services apply a step at most once per key or event id. */
  idempotent: boolean;
}

const DESIGNS: Readonly<Record<string, Design>> = {
  choreography: { choreography: true, durableLog: true, idempotent: true },
  orchestration: { choreography: false, durableLog: true, idempotent: true },
  'orchestration-no-log': { choreography: false, durableLog: false, idempotent: true },
  'non-idempotent-steps': { choreography: true, durableLog: true, idempotent: false },
};

/** The invariants the broker's own promises are judged by. */
const BROKER_INVARIANTS = { confirmed: 'confirmed-publish-durable', redelivered: 'unacked-redelivered' };

/** The nodes' declarations (the same for every run: made once, never changed). */
const CLIENT_NODE: NodeSpec = Object.freeze({
  role: 'client',
  spare: Object.freeze({
    crash: 'the client stands for the shoppers: the orders they place are the workload, and what the services make of them is the question',
    pause: 'pausing the shoppers only delays the workload; no service state lives there',
    clock: 'the shoppers’ clock only paces the workload; no service decision reads it',
  }),
});
const ORCHESTRATOR_NODE: NodeSpec = Object.freeze({ role: 'orchestrator', crashPoints: Object.freeze(['saga-started', 'step-logged']) });
const BROKER_NODE: NodeSpec = Object.freeze({ role: 'broker' });
const SERVICE_NODE: NodeSpec = Object.freeze({ role: 'service', crashPoints: Object.freeze(['committed', 'outbox-published']) });

/** Each service's node, by name. */
const SERVICE_NODES: Readonly<Record<ServiceName, string>> = { order: 'order', payment: 'payment', inventory: 'inventory', shipping: 'shipping' };

export const saga = defineScenario({
  id: 'saga',
  title: 'Saga: orchestration vs choreography',
  family: 'transactions',
  question:
    'An order spans four services with no distributed transaction: who should drive the saga, and what keeps it from ending half done or charging twice when messages repeat and nodes crash?',
  summary:
    'Each order is a saga: create the order, charge the customer, reserve stock, schedule shipping, approve — and on a refusal, refund, release and cancel in reverse. Run it as a choreography of events through a broker or under an orchestrator, crash the orchestrator, a service or the broker, lose and duplicate messages, and watch compensations run, sagas pause behind a crashed orchestrator, orphaned sagas stay half done when its state was only in memory, and a redelivered payment charge twice when steps are not idempotent.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 1 } }),
  strategies: [
    {
      id: 'choreography',
      title: 'Choreography (events)',
      explanation:
        'No coordinator: each service reacts to an event on its broker queue, runs its step, and publishes the outcome through a transactional outbox; a refusal publishes a failure event that the services upstream compensate for in turn. Each service records the event ids it has processed in the same transaction as its step, so redelivery is harmless. Nothing central can fail, but no node knows where a saga stands: following one means reading every service’s records, and every hop pays for the broker.',
      expectedViolations: [],
    },
    {
      id: 'orchestration',
      title: 'Orchestration with a durable saga log',
      explanation:
        'An orchestrator asks each service in turn, with an idempotency key per step and retries with backoff, and appends every outcome to a saga log on disk before asking for the next step. The whole flow is in one log, easy to follow; the orchestrator is a single point of failure — while it is down every saga pauses — but a restarted orchestrator re-reads the log and resumes each saga where it stopped.',
      expectedViolations: [],
    },
    {
      id: 'orchestration-no-log',
      title: 'Orchestration, state in memory',
      explanation:
        'The same orchestrator, keeping each saga’s progress only in memory. A crash forgets every saga in flight: the client was already told its order was accepted, so no one asks again, and those sagas stay half done — a customer charged for an order that never ships, stock reserved forever — with no compensation ever run.',
      expectedViolations: ['saga-resolved'],
    },
    {
      id: 'non-idempotent-steps',
      title: 'Choreography, steps not idempotent',
      explanation:
        'The choreography with services that apply every event they are given. Delivery is at least once — a service that crashes before acknowledging, a lost ack, a relay that republishes after a crash, a duplicated message — so sooner or later an event comes twice: a redelivered order-created charges the customer again, a redelivered shipment-failed releases the stock twice.',
      expectedViolations: ['no-double-charge', 'stock-consistent', 'no-double-shipment', 'saga-resolved'],
    },
  ],
  defaultStrategy: 'orchestration',
  // No invariant claims a consistency model of a client history (docs/history.md): each step is a
  // local transaction and a refused saga's earlier steps stay visible until compensated, so an
  // order is no transaction any isolation level describes; what a saga promises is below.
  invariants: [
    {
      name: 'saga-resolved',
      kind: 'liveness',
      description:
        'Once the faults heal, within the settle time every saga has either completed (order approved, paid once, stock reserved, shipment scheduled) or been fully compensated (order cancelled, nothing charged, no stock held, nothing shipped).',
    },
    {
      name: 'unacked-redelivered',
      kind: 'safety',
      description:
        'When the broker restarts, every event it holds unacknowledged within a service’s delivery window is delivered again within the visibility timeout: a restart never strands an event it cannot know was received.',
      appliesTo: ['choreography', 'non-idempotent-steps'],
    },
    {
      name: 'queues-drained',
      kind: 'liveness',
      description:
        'Once the faults heal, within the settle time the broker has every event acknowledged: none is stranded in a queue, delivered to no one or waiting for an acknowledgement that will never come.',
      appliesTo: ['choreography', 'non-idempotent-steps'],
    },
    {
      name: 'no-double-charge',
      kind: 'safety',
      description: 'No order is charged more than once, and no refund pays back more than was charged.',
    },
    {
      name: 'stock-consistent',
      kind: 'safety',
      description: 'Stock never goes below zero, and no order’s stock is reserved twice or released more than it was reserved.',
    },
    { name: 'no-double-shipment', kind: 'safety', description: 'No order is scheduled for shipping more than once.' },
    {
      name: 'books-balance',
      kind: 'safety',
      description:
        'Each service’s local transactions are all or nothing: in the payment database a customer’s balance plus what their orders are charged equals what they started with, and in the inventory database an item’s stock plus what is reserved equals its opening stock.',
    },
    {
      name: 'idempotency-records-durable',
      kind: 'safety',
      description:
        'Once a service has answered a step request or acknowledged an event, the record of its key (idempotency key or processed event id) is on its disk and survives every crash after: a retry can never run the step again.',
      appliesTo: ['choreography', 'orchestration', 'orchestration-no-log'],
    },
    {
      name: 'confirmed-publish-durable',
      kind: 'safety',
      description: 'Every event the broker confirmed to a publisher is still in its queue after any broker crash.',
      appliesTo: ['choreography', 'non-idempotent-steps'],
    },
  ],
  goals: [
    { name: 'saga-completed', description: 'At least one saga completed.' },
    { name: 'saga-compensated', description: 'At least one saga was refused somewhere and fully compensated.' },
    {
      name: 'duplicate-step',
      description: 'A service was asked again for a step it had already run, and its idempotency made it harmless.',
      appliesTo: ['choreography', 'orchestration', 'orchestration-no-log'],
    },
  ],
  metrics: [
    {
      name: 'completionLatencyP50Ms',
      unit: 'ms',
      description: 'median time from placing an order to its saga finishing (completed or compensated)',
      better: 'lower',
    },
    { name: 'completionLatencyP99Ms', unit: 'ms', description: '99th percentile time from placing an order to its saga finishing', better: 'lower' },
    { name: 'completed', unit: 'sagas', description: 'sagas that completed', better: 'neither' },
    { name: 'compensated', unit: 'sagas', description: 'sagas refused somewhere and compensated', better: 'neither' },
    { name: 'unresolved', unit: 'sagas', description: 'sagas neither completed nor compensated at the end', better: 'lower' },
    { name: 'compensationsRun', unit: 'steps', description: 'compensating steps run (refunds, stock releases, cancellations)', better: 'neither' },
    { name: 'messagesPerSaga', unit: 'messages', description: 'messages sent per saga', better: 'lower' },
    { name: 'retriesPerSaga', unit: 'messages', description: 'request retries and broker redeliveries per saga', better: 'lower' },
    { name: 'duplicateSteps', unit: 'steps', description: 'repeated step requests or events recognised and skipped', better: 'neither' },
    {
      name: 'placesToTraceSaga',
      unit: 'nodes',
      description: 'nodes whose records one must read to follow a saga end to end (1 when a durable saga log holds it all)',
      better: 'lower',
    },
  ],
  presets: [
    {
      id: 'orchestrator-crash',
      title: 'The orchestrator crashes for 400 ms',
      description:
        'The orchestrator crashes mid-workload and restarts 400 ms later. Under orchestration every saga pauses; the choreography has no orchestrator to lose.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'orchestrator' },
        { at: Math.round(p.workloadMs * 0.3) + 400, kind: 'restart', node: 'orchestrator' },
      ],
    },
    {
      id: 'orchestrator-crash-mid-saga',
      title: 'The orchestrator crashes right after logging a step',
      description: 'The orchestrator records a step’s outcome and crashes before asking for the next one; it restarts 400 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'orchestrator', when: 'step-logged' },
        { at: Math.round(p.workloadMs * 0.3) + 400, kind: 'restart', node: 'orchestrator' },
      ],
    },
    {
      id: 'payment-crash-before-reply',
      title: 'Payment crashes between charging and answering',
      description: 'Payment commits a step and crashes before replying or acknowledging; it restarts 200 ms later and the step comes again.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'payment', when: 'committed' },
        { at: Math.round(p.workloadMs * 0.3) + 200, kind: 'restart', node: 'payment' },
      ],
    },
    {
      id: 'step-failure',
      title: 'Shipping refuses an order',
      description: 'Shipping refuses the next order it is asked to schedule: the saga compensates the release of stock, the refund and the cancellation.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'refuse-next', node: 'shipping' }],
    },
    {
      id: 'broker-crash',
      title: 'The broker crashes for 300 ms',
      description: 'The broker crashes and restarts 300 ms later with its queues intact; everything unacknowledged is delivered again.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'broker' },
        { at: Math.round(p.workloadMs * 0.3) + 300, kind: 'restart', node: 'broker' },
      ],
    },
    {
      id: 'lossy-network',
      title: 'A lossy, duplicating network',
      description: 'For the whole workload 20% of messages are lost and 20% delivered twice.',
      faults: (p: Params) => [
        { at: 0, kind: 'degrade', lossRate: 0.2, duplicateRate: 0.2 },
        { at: p.workloadMs, kind: 'restore' },
      ],
    },
  ],
  defaultPreset: 'orchestrator-crash',
  alarmStates: ['charge refused', 'reserve refused', 'schedule refused'],
  faultSpace: (p: Params) => ({
    // Faults strike while orders arrive and while the last sagas finish after them.
    windowMs: Math.round(p.workloadMs * 1.2),
    faultsMax: 4,
    // A latency spike may outlast a request timeout or a visibility timeout (a GC pause, a congested link).
    latencySpikeMsMax: 2 * Math.max(p.requestTimeoutMs, p.visibilityTimeoutMs),
    injects: [
      { name: 'refuse-next', description: 'the service refuses the next forward step it is asked to run', nodes: ['payment', 'inventory', 'shipping'] },
    ],
  }),
  build(world) {
    const { params: p } = world;
    const design = DESIGNS[world.strategy]!;
    const audit = new SagaAudit(world);
    const keyAudit = design.idempotent ? new IdempotencyAudit(world, 'idempotency-records-durable') : null;
    const workload = world.stream('workload');
    const balances = Array.from({ length: p.customers }, () => p.balanceMin + workload.int(Math.max(1, p.balanceMax - p.balanceMin + 1)));
    const arrivals = drawArrivals(workload, p);
    const backoff: Backoff = { baseMs: p.backoffBaseMs, factor: 2, capMs: p.backoffCapMs, jitter: 'full' };
    const policy = { timeoutMs: p.requestTimeoutMs, attemptsMax: Number.POSITIVE_INFINITY, backoff };
    let retries = 0;
    const requests = { onRetry: () => retries++ };
    // Only a choreography has queues (the orchestration's broker is idle and its end check reads none).
    const queues: QueueSpec[] = !design.choreography
      ? []
      : SERVICES.map((name) => ({
          name,
          consumer: SERVICE_NODES[name],
          prefetch: 8,
          visibilityTimeoutMs: p.visibilityTimeoutMs,
          maxDeliveries: Number.POSITIVE_INFINITY,
          retryBackoff: backoff,
        }));
    const initialRows = (name: ServiceName) =>
      name === 'payment'
        ? balances.map((value, c) => ({ key: rows.balance(c), value }))
        : name === 'inventory'
          ? Array.from({ length: p.items }, (_, i) => ({ key: rows.stock(i), value: p.stockPerItem }))
          : [];

    world.node('client', CLIENT_NODE, client(arrivals, design.choreography ? SERVICE_NODES.order : 'orchestrator', policy, audit, requests));
    world.node(
      'orchestrator',
      ORCHESTRATOR_NODE,
      design.choreography
        ? idle('a choreography has no orchestrator')
        : orchestrator({ durableLog: design.durableLog, services: SERVICE_NODES, stepPolicy: policy, audit, requests }),
    );
    world.node(
      'broker',
      BROKER_NODE,
      design.choreography
        ? queueBroker(
            { queues, routes: routes() },
            observeAll(new BrokerAudit(world, BROKER_INVARIANTS, 'broker', queues).observer(), {
              onDelivered: (_queue, _id, redelivery) => {
                if (redelivery) retries++;
              },
            }),
          )
        : idle('orchestration sends its requests point to point'),
    );
    for (const name of SERVICES) {
      world.node(
        SERVICE_NODES[name],
        SERVICE_NODE,
        service({
          service: name,
          choreography: design.choreography,
          idempotent: design.idempotent,
          broker: 'broker',
          initialRows: initialRows(name),
          regionsServed: p.regionsServed,
          publishPolicy: policy,
          relayPollMs: p.relayPollMs,
          audit,
          keyAudit,
          requests,
        }),
      );
    }

    world.chart({
      id: 'sagas',
      title: 'Sagas in flight and finished',
      unit: 'sagas',
      everyMs: 25,
      series: { 'in-flight': () => audit.inFlight, finished: () => audit.completed + audit.compensated },
    });

    /** Each service's database, read from its disk as recovery would. */
    const databases = (): Record<ServiceName, TransactionalStore> =>
      Object.fromEntries(SERVICES.map((name) => [name, new TransactionalStore(world.disk(SERVICE_NODES[name]), name)])) as Record<
        ServiceName,
        TransactionalStore
      >;

    /** Every saga that is neither completed nor compensated, read from the services' disks. */
    const halfDone = (db = databases()): { order: string; description: string }[] => {
      const out: { order: string; description: string }[] = [];
      for (const { order } of arrivals) {
        const state = finalState(order, recordsOf(order, db));
        if (state.kind === 'half-done') out.push({ order: order.id, description: state.description });
      }
      return out;
    };

    // The end state, read once when the run is judged (metrics reuse it).
    let unresolvedAtEnd: number | null = null;
    world.atEnd(() => {
      const db = databases();
      const unbalanced = unbalancedBooks(
        arrivals.map((a) => a.order),
        { balances, stockPerItem: p.stockPerItem, items: p.items },
        db,
      );
      if (unbalanced.length > 0) world.violate('books-balance', `the books do not balance: ${unbalanced.slice(0, 4).join('; ')}`);
      if (design.choreography) {
        const held = undrained(queues.map((spec) => queueOnDisk(world.disk('broker'), spec)));
        if (held.length > 0) {
          world.violate(
            'queues-drained',
            `${world.endMs - world.healAtMs} ms after every fault healed, the broker still holds unacknowledged events: ${held.join('; ')}`,
          );
        }
      }
      const stuck = halfDone(db);
      unresolvedAtEnd = stuck.length;
      if (stuck.length === 0) return;
      const witnesses: Witness[] = stuck.slice(0, 4).flatMap((s) => audit.witness(s.order) ?? []);
      world.violate(
        'saga-resolved',
        `${world.endMs - world.healAtMs} ms after every fault healed, ${stuck.length === 1 ? 'one saga is' : `${stuck.length} sagas are`} neither completed nor compensated: ${stuck
          .slice(0, 4)
          .map((s) => s.description)
          .join('; ')}${stuck.length > 4 ? `; and ${stuck.length - 4} more` : ''}`,
        { witnesses },
      );
    });

    return {
      metrics() {
        return {
          completionLatencyP50Ms: percentile(audit.latencyMs, 50),
          completionLatencyP99Ms: percentile(audit.latencyMs, 99),
          completed: audit.completed,
          compensated: audit.compensated,
          unresolved: unresolvedAtEnd ?? halfDone().length,
          compensationsRun: audit.compensations,
          messagesPerSaga: world.messages.sent / arrivals.length,
          retriesPerSaga: retries / arrivals.length,
          duplicateSteps: audit.duplicateSteps,
          placesToTraceSaga: audit.placesToTrace(),
        };
      },
    };
  },
});

/** A node with no part in this strategy: it only says so. */
function idle(why: string): Spawn<never, never> {
  return (ctx) => {
    ctx.state('idle', why);
    return {};
  };
}

/** The orders of one run, drawn up front so every strategy sees the same ones at the same moments. */
function drawArrivals(rng: Stream, p: Params): Arrival[] {
  const times = uniformArrivals(rng, p.orders, 0, p.workloadMs);
  return times.map((atMs, i) => {
    const order: Order = {
      id: orderId(i + 1),
      customer: rng.int(p.customers),
      amount: 20 + rng.int(p.maxAmount - 19),
      item: rng.int(p.items),
      quantity: 1 + rng.int(p.maxQuantity),
      region: rng.int(p.regions),
    };
    return { atMs, order };
  });
}

/** Order ids, spelt once: every service looks its rows and keys up by them at every step. */
const orderId = numberedNames('o');
