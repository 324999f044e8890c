/**
 * Duplicate handling: redelivered messages against the protections an at-least-once
 * consumer can put in front of its effects.
 *
 * An orders service publishes each order's charge and shipment events (and, for some, a
 * refund); a worker consumes them at least once and applies each through the payments
 * database. Redelivery is normal here —
 * a worker crash before its commit, a stall past its session, a producer retry after a lost
 * acknowledgement, a relay that republishes — so the question is not whether duplicates
 * arrive but whether they take effect. Duplicates are allowed; their effect must be
 * idempotent.
 */
import { z } from 'zod';
import type { Stream } from '../../engine/index.ts';
import { fmtMs } from '../framework/run.ts';
import { defineScenario, type Witness } from '../framework/scenario.ts';
import { broker } from '../parts/log/broker.ts';
import { defineLayout } from '../parts/log/cluster-layout.ts';
import { uniformArrivals } from '../parts/workload/arrivals.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import { DedupStoreView, dedupStore } from './dedup-store.ts';
import { DuplicateAudit } from './duplicate-audit.ts';
import type { OrderEvent } from './messages.ts';
import { ordersService, type Publication } from './orders-service.ts';
import { GUARDS, PaymentsTables, paymentsDb, unguardedEffects } from './payments-db.ts';
import { type Protection, worker } from './worker.ts';

const params = z.object({
  orders: z.number().int().min(1).max(5000).default(25).describe('orders placed; each publishes a charge and a shipment event'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('orders arrive (Poisson) over this window, in ms'),
  shipAfterMs: z.number().min(0).max(60_000).default(150).describe('mean time from an order’s charge event to its shipment event, in ms'),
  refundShare: z.number().min(0).max(1).default(0.2).describe('share of orders refunded after shipping (a third event: the refund)'),
  partitions: z.number().int().min(1).max(32).default(2).describe('partitions of the orders topic'),
  batchMax: z.number().int().min(1).max(500).default(5).describe('events the worker takes per poll'),
  ttlMs: z.number().min(1).max(600_000).default(300).describe('(dedup-ttl) how long the dedup store remembers an event id, in ms'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  sessionTimeoutMs: z.number().min(50).max(60_000).default(200).describe('the group drops a consumer silent for this long, in ms'),
  settleMs: z.number().min(500).max(600_000).default(1500).describe('after the last fault heals, time for every event to take effect, in ms'),
});
type Params = z.infer<typeof params>;

export const duplicateHandling = defineScenario({
  id: 'duplicate-handling',
  title: 'Duplicate handling: making redelivery harmless',
  family: 'broker',
  question:
    'An at-least-once consumer will see some messages twice. Which protection keeps a redelivered message from taking effect twice, and what does it cost to keep?',
  summary:
    'An orders service publishes a charge and a shipment event per order, and a refund for some; a worker applies them through the payments database and commits after. Crash the worker between applying and committing, crash the database between two writes, stall the worker, lose a producer acknowledgement, republish old events or wipe the dedup store, and count the duplicates that took effect. With no protection every redelivery charges again. A unique key in the database, a state machine on the order, and an idempotency key at the API make the effect idempotent in the same transaction as the effect. A dedup store with a TTL catches duplicates only while it remembers them: a late redelivery or a lost store lets them through.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 }, fifo: true }),
  strategies: [
    {
      id: 'no-protection',
      title: 'No protection',
      explanation:
        'The worker applies whatever it receives. Every redelivery — a replayed batch after a crash, a record written twice by a producer retry, a republished event — charges the customer again.',
      expectedViolations: ['no-duplicate-effect'],
    },
    {
      id: 'unique-key',
      title: 'Unique key in the database',
      explanation:
        'The event id goes into a processed-events table with a unique constraint, in the same local transaction as the charge: a second insert fails and rolls the charge back with it. Safe under any redelivery, however late; the table grows by one row per event for as long as you keep it.',
      expectedViolations: [],
    },
    {
      id: 'dedup-ttl',
      title: 'Dedup store with a TTL',
      explanation:
        'Before applying, the worker asks a Redis-like store whether it has seen the event id; after applying, it records the id there with a time to live. The store stays small, but it is a separate system: a duplicate that arrives after the TTL (a late replay, a consumer that was down for a while) or after the store lost its keys takes effect again.',
      expectedViolations: ['no-duplicate-effect'],
    },
    {
      id: 'state-machine',
      title: 'State-machine idempotency',
      explanation:
        'Each event is a transition of the order (pending -> charged -> shipped) applied only from the state it expects, as a conditional update. A replayed charge finds the order already charged and does nothing. No extra table: the entity’s own state is the guard — but every event must be expressible as a transition.',
      expectedViolations: [],
    },
    {
      id: 'idempotent-api',
      title: 'Idempotent API with request keys',
      explanation:
        'The worker calls the payments API with the event id as its idempotency key; the API stores each key with its response in the same transaction as the charge and answers a repeated key with the stored response. Safe as long as keys are kept longer than any redelivery can take; the key store grows with traffic.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'dedup-ttl',
  invariants: [
    {
      name: 'no-duplicate-effect',
      kind: 'safety',
      description: 'No event takes effect more than once on the database’s disk: no customer is charged or refunded twice, no order shipped twice.',
    },
    { name: 'no-loss', kind: 'liveness', description: 'Every published event takes effect (judged once the system has settled).' },
    {
      name: 'dedup-record-kept',
      kind: 'safety',
      description:
        'The record that recognises a duplicate survives every crash its effect survives: each effect on the database’s disk has its processed-events row, its idempotency key, or its order in the state the effect moved it to.',
      appliesTo: ['unique-key', 'state-machine', 'idempotent-api'],
    },
  ],
  goals: [
    { name: 'redelivered', description: 'The worker received some event more than once.' },
    { name: 'duplicate-caught', description: 'A redelivered event was recognised and skipped.' },
  ],
  metrics: [
    { name: 'duplicatesApplied', unit: 'events', description: 'redelivered events that took effect again', better: 'lower' },
    { name: 'duplicatesCaught', unit: 'events', description: 'redelivered events recognised and skipped', better: 'neither' },
    { name: 'redeliveries', unit: 'events', description: 'deliveries of an event the worker had already received', better: 'neither' },
    { name: 'lost', unit: 'events', description: 'published events that never took effect', better: 'lower' },
    {
      name: 'dedupKeysMax',
      unit: 'keys',
      description: 'most entries held only to recognise duplicates (table rows, idempotency keys or live dedup-store keys)',
      better: 'lower',
    },
    { name: 'dedupKeysEnd', unit: 'keys', description: 'entries held only to recognise duplicates at the end of the run', better: 'lower' },
  ],
  presets: [
    {
      id: 'late-redelivery',
      title: 'The worker crashes after applying and stays down past the TTL',
      description:
        'The worker applies a batch and crashes before committing; it restarts 600 ms later and receives the batch again — after the dedup store forgot it.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'worker', when: 'after-apply' },
        { at: Math.round(p.workloadMs * 0.3) + 600, kind: 'restart', node: 'worker' },
      ],
    },
    {
      id: 'quick-redelivery',
      title: 'The worker crashes after applying and restarts at once',
      description:
        'The worker applies a batch, crashes before committing and restarts 50 ms later: the batch comes again while the dedup store still remembers it.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'worker', when: 'after-apply' },
        { at: Math.round(p.workloadMs * 0.3) + 50, kind: 'restart', node: 'worker' },
      ],
    },
    {
      id: 'store-loss',
      title: 'A batch is redelivered after the dedup store lost its keys',
      description:
        'The worker crashes between applying a batch and committing it; while it is down the dedup store is wiped; it restarts 50 ms after the crash and receives the batch again.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'worker', when: 'after-apply' },
        { at: Math.round(p.workloadMs * 0.3) + 20, kind: 'inject', name: 'dedup-store-loss', node: 'dedup-store' },
        { at: Math.round(p.workloadMs * 0.3) + 50, kind: 'restart', node: 'worker' },
      ],
    },
    {
      id: 'republish',
      title: 'The outbox relay republishes old events',
      description: 'Late in the run the orders service sends its last 10 events again.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.9), kind: 'inject', name: 'republish', node: 'orders-service', args: { count: 10 } }],
    },
    {
      id: 'lost-ack',
      title: 'A producer acknowledgement is lost',
      description: 'The broker writes an event but its acknowledgement is lost: the orders service retries and the event is in the log twice.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'lose-ack', node: 'orders-service' }],
    },
  ],
  defaultPreset: 'late-redelivery',
  alarmStates: ['emptied', 'rebalancing'],
  faultSpace: (p: Params) => ({
    windowMs: p.workloadMs,
    injects: [
      { name: 'lose-ack', description: 'the next produce acknowledgement to the orders service is lost', nodes: ['orders-service'] },
      {
        name: 'republish',
        description: 'the orders service sends its last events again',
        nodes: ['orders-service'],
        args: { count: { min: 1, max: 10, integer: true } },
      },
      { name: 'dedup-store-loss', description: 'the dedup store loses every key', nodes: ['dedup-store'] },
    ],
    faultsMax: 3,
  }),
  build(world) {
    const { params: p } = world;
    const protection = world.strategy as Protection;
    const layout = defineLayout({ brokers: ['broker-1'], controller: null, coordinator: 'broker-1', topics: [{ topic: 'orders', partitions: p.partitions }] });
    const audit = new DuplicateAudit(world);
    const view = new DedupStoreView();
    const publications = drawOrders(world.stream('workload'), p);

    world.node(
      'orders-service',
      {
        role: 'producer',
        spare: {
          crash:
            'the orders service stands for the upstream system: its events are the workload, and what happens when they arrive twice is the question (its outbox relay re-sending them is the republish fault)',
        },
      },
      ordersService(layout, publications),
    );
    world.node('broker-1', { role: 'broker' }, broker(layout));
    world.node(
      'worker',
      { role: 'consumer', crashPoints: ['after-poll', 'after-apply', 'after-commit'] },
      worker({
        layout,
        protection,
        db: 'payments-db',
        store: 'dedup-store',
        ttlMs: p.ttlMs,
        callTimeoutMs: 50,
        audit,
        consumer: {
          maxPollRecords: p.batchMax,
          fetchMaxRecords: 50,
          fetchMinRecords: 1,
          fetchMaxWaitMs: 200,
          heartbeatMs: Math.max(10, p.sessionTimeoutMs / 3),
          sessionTimeoutMs: p.sessionTimeoutMs,
          rebalanceTimeoutMs: p.sessionTimeoutMs * 1.5,
          requestTimeoutMs: 100,
          retryBackoffMs: 20,
          autoCommitIntervalMs: 100,
        },
      }),
    );
    world.node('payments-db', { role: 'db' }, paymentsDb(audit));
    world.node('dedup-store', { role: 'cache' }, dedupStore(view));

    /** The database's tables as its disk holds them now (redone from its journal). */
    const tables = (): PaymentsTables => PaymentsTables.replay(world.disk('payments-db'));
    let dedupRows = 0;
    const dedupKeys = (): number => (protection === 'dedup-ttl' ? view.liveKeys(world.now) : dedupRows);
    world.chart({
      id: 'duplicates',
      title: 'Redeliveries and duplicates applied',
      unit: 'events',
      everyMs: 25,
      series: { redeliveries: () => audit.redeliveries, 'duplicates.applied': () => audit.appliedAgain, 'duplicates.caught': () => audit.duplicatesCaught },
    });
    world.chart({
      id: 'dedup-size',
      title: 'Dedup state size',
      unit: 'keys',
      everyMs: 25,
      series: { 'dedup.keys': () => (protection === 'dedup-ttl' ? view.liveKeys(world.now) : tables().dedupRows) },
    });

    // Filled in a loop, not from a list of pairs: every run builds it.
    const byId = new Map<string, OrderEvent>();
    for (const x of publications) byId.set(x.event.id, x.event);
    const appliedAt = (id: string): Witness[] => (audit.appliedMs.get(id) ?? []).map((t) => ({ t, node: 'payments-db', key: id, what: 'applied' }));
    let lost = 0;
    let duplicatesApplied = 0;
    world.atEnd(() => {
      const db = tables();
      dedupRows = db.dedupRows;
      const counts = db.effects;
      const twice = [...counts].filter(([, n]) => n > 1);
      duplicatesApplied = twice.reduce((sum, [, n]) => sum + n - 1, 0);
      if (twice.length > 0) {
        const e = byId.get(twice[0]![0])!;
        const what =
          e.kind === 'ship' ? 'the order is shipped again' : `customer ${e.customer} is ${e.kind === 'charge' ? 'charged' : 'refunded'} ${e.amount} again`;
        world.violate(
          'no-duplicate-effect',
          `${twice.length} event(s) took effect more than once (${twice
            .slice(0, 6)
            .map(([id, n]) => `${id} x${n}`)
            .join(', ')}): ${e.id}: ${what}`,
          { node: 'payments-db', witnesses: twice.slice(0, 3).flatMap(([id]) => appliedAt(id)) },
        );
      }
      const missing = publications.filter((x) => !counts.has(x.event.id)).map((x) => x.event.id);
      lost = missing.length;
      if (lost > 0) {
        world.violate(
          'no-loss',
          `${lost} of ${publications.length} events never took effect (${missing.slice(0, 8).join(', ')}${lost > 8 ? ', ...' : ''}), ${fmtMs(world.endMs - world.healAtMs)} after every fault healed`,
          { node: 'payments-db', witnesses: missing.slice(0, 4).flatMap((id) => appliedAt(id)) },
        );
      }
      const unguarded = unguardedEffects(
        GUARDS[protection],
        db,
        [...counts.keys()].map((id) => byId.get(id)!),
      );
      if (unguarded.length > 0) {
        world.violate(
          'dedup-record-kept',
          `${unguarded.length} effect(s) on the database's disk lost the record that recognises their duplicates (${unguarded.slice(0, 6).join(', ')}): a redelivery would apply them again`,
          { node: 'payments-db', witnesses: unguarded.slice(0, 4).flatMap((id) => appliedAt(id)) },
        );
      }
      if (audit.redeliveries > 0) world.reach('redelivered');
      if (audit.duplicatesCaught > 0) world.reach('duplicate-caught');
    });

    return {
      metrics: () => ({
        duplicatesApplied,
        duplicatesCaught: audit.duplicatesCaught,
        redeliveries: audit.redeliveries,
        lost,
        dedupKeysMax: protection === 'dedup-ttl' ? view.keysMax : dedupRows,
        dedupKeysEnd: dedupKeys(),
      }),
    };
  },
});

/** Each order's events (charge, ship, and for some a refund), drawn up front so every strategy sees the same ones. */
function drawOrders(rng: Stream, p: Params): Publication[] {
  const out: Publication[] = [];
  uniformArrivals(rng, p.orders, 0, p.workloadMs).forEach((atMs, i) => {
    const order = orderId(i + 1);
    const customer = customerId(1 + rng.int(10));
    const amount = 10 * (1 + rng.int(50));
    const event = (kind: OrderEvent['kind'], value: number): OrderEvent => ({ id: EVENT_IDS[kind](i + 1), order, customer, kind, amount: value });
    // Each event follows the one before, within the workload window (so every event has the settle time to take effect).
    const shipMs = Math.min(atMs + rng.exponential(p.shipAfterMs), p.workloadMs);
    out.push({ atMs, event: event('charge', amount) }, { atMs: shipMs, event: event('ship', 0) });
    if (rng.next() < p.refundShare) out.push({ atMs: Math.min(shipMs + rng.exponential(p.shipAfterMs), p.workloadMs), event: event('refund', amount) });
  });
  // Stable: an order's events keep their order when their times tie at the window's end.
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** Order, customer and event ids, spelt once: the worker, the database and the audit look every event up by them. */
const orderId = numberedNames('o');
const customerId = numberedNames('c');
const EVENT_IDS: Readonly<Record<OrderEvent['kind'], (order: number) => string>> = {
  charge: numberedNames('o', '.charge'),
  ship: numberedNames('o', '.ship'),
  refund: numberedNames('o', '.refund'),
};
