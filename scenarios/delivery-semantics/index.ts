/**
 * Delivery semantics: at most once, at least once, exactly once.
 *
 * A payments service publishes payments to a replicated `payments` topic; a processor
 * consumes them and writes one ledger entry per payment to a `ledger` topic. Two brokers hold
 * both topics (broker-1 leads, broker-2 follows); a controller elects a new leader when one
 * dies and hosts the group and transaction coordinators. The question is what a crash, a
 * lost acknowledgement or a broker failover does to the ledger: does every payment take
 * effect, and only once?
 *
 * The strategies differ only in settings and in the order of two steps: the producers' acks,
 * retries and idempotence, and whether the processor commits its offsets before processing,
 * after, or inside the same transaction as its output.
 */
import { z } from 'zod';
import type { Stream } from '../../engine/index.ts';
import { fmtMs } from '../framework/run.ts';
import { defineScenario } from '../framework/scenario.ts';
import { broker } from '../parts/log/broker.ts';
import { defineLayout } from '../parts/log/cluster-layout.ts';
import { Controller } from '../parts/log/controller.ts';
import { GroupCoordinator } from '../parts/log/group-coordinator.ts';
import { tpOf } from '../parts/log/partition-log.ts';
import { EffectsAudit } from './effects-audit.ts';
import { type Payment, paymentsService } from './payments-service.ts';
import { GROUP, processor, type Semantics } from './processor.ts';

const params = z.object({
  payments: z.number().int().min(1).max(5000).default(40).describe('payments the service publishes'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('payments arrive (Poisson) over this window, in ms'),
  processMs: z.number().min(0.1).max(1000).default(3).describe('time the processor spends on one payment, in ms'),
  batchMax: z.number().int().min(1).max(500).default(5).describe('payments the processor takes per poll'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  sessionTimeoutMs: z.number().min(50).max(60_000).default(200).describe('the group drops a consumer silent for this long, in ms'),
  requestTimeoutMs: z.number().min(10).max(60_000).default(100).describe('a producer retries a write unanswered for this long, in ms'),
  transactionTimeoutMs: z.number().min(100).max(600_000).default(500).describe('the coordinator aborts a transaction open for this long, in ms'),
  settleMs: z.number().min(500).max(600_000).default(2000).describe('after the last fault heals, time for every payment to take effect, in ms'),
});
type Params = z.infer<typeof params>;

const NODES = ['payments-service', 'controller', 'broker-1', 'broker-2', 'processor'] as const;
const CONTROLLER = 1;
const BROKERS = [2, 3];

const SEMANTICS: Record<string, { producer: { acks: 0 | 1 | 'all'; retries: number; idempotent: boolean }; semantics: Semantics }> = {
  'at-most-once': { producer: { acks: 1, retries: 0, idempotent: false }, semantics: 'at-most-once' },
  'at-least-once': { producer: { acks: 'all', retries: Number.POSITIVE_INFINITY, idempotent: false }, semantics: 'at-least-once' },
  'exactly-once': { producer: { acks: 'all', retries: Number.POSITIVE_INFINITY, idempotent: true }, semantics: 'exactly-once' },
};

const layoutFor = () =>
  defineLayout({
    brokers: BROKERS,
    controller: CONTROLLER,
    coordinator: CONTROLLER,
    topics: [
      { topic: 'payments', partitions: 1, replicationFactor: 2 },
      { topic: 'ledger', partitions: 1, replicationFactor: 2 },
    ],
    minInsyncReplicas: 2,
  });

export const deliverySemantics = defineScenario({
  id: 'delivery-semantics',
  title: 'Delivery semantics: at most once, at least once, exactly once',
  family: 'broker',
  question: 'When a consumer crashes, an acknowledgement is lost or a broker fails over, which payments are lost and which take effect twice?',
  summary:
    'A payments service publishes payments to a replicated topic; a processor turns each into a ledger entry on a second topic. Crash the processor right after it commits its offsets or right after it processes, lose a producer acknowledgement, or kill the leading broker, and count the payments that never reached the ledger and those that reached it twice. At most once commits before processing and never retries: it loses. At least once commits after processing and retries: it duplicates. Exactly once uses an idempotent producer and commits offsets and output in one transaction: it does neither.',
  params,
  topology: () => ({
    nodes: [
      { name: NODES[0], role: 'producer' },
      { name: NODES[1], role: 'controller' },
      { name: NODES[2], role: 'broker' },
      { name: NODES[3], role: 'broker' },
      { name: NODES[4], role: 'consumer' },
    ],
  }),
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 }, fifo: true }),
  strategies: [
    {
      id: 'at-most-once',
      title: 'At most once',
      explanation:
        'The producer writes with acks=1 and never retries; the processor commits a batch’s offsets before processing it. Nothing is ever done twice — and anything caught in a failure is simply gone: a batch committed but not processed when the processor crashes, a payment whose write was not answered, a payment the leader acknowledged but had not yet copied when it died.',
      expectedViolations: ['no-loss'],
    },
    {
      id: 'at-least-once',
      title: 'At least once',
      explanation:
        'Producers write with acks=all and retry until acknowledged; the processor commits only after its ledger entries are acknowledged. Nothing is lost, but a crash between processing and committing processes the batch again, and a retry after a lost acknowledgement writes the payment twice: duplicate ledger entries, unless the consumer of the ledger is idempotent.',
      expectedViolations: ['no-duplicate-effect'],
    },
    {
      id: 'exactly-once',
      title: 'Exactly once (idempotent producer + transactions)',
      explanation:
        'The payments service uses an idempotent producer (producer id and sequence numbers: a retry is recognised and not written again). The processor reads committed records only and writes its ledger entries and its consumed offsets in one transaction: after a crash the open transaction is aborted and its entries are never visible, the offsets roll back with them, and the batch is processed again cleanly. The price: a round trip to the transaction coordinator and a marker per partition for every batch, and output visible only once committed.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'at-least-once',
  invariants: [
    { name: 'no-loss', kind: 'safety', description: 'Every payment the service published takes effect in the ledger (judged once the system has settled).' },
    { name: 'no-duplicate-effect', kind: 'safety', description: 'No payment takes effect in the ledger more than once.' },
  ],
  goals: [
    { name: 'leader-failover', description: 'A follower took over as partition leader.' },
    { name: 'producer-retry', description: 'A producer retried a write.' },
    { name: 'reprocessed', description: 'The processor handled some payment a second time.' },
  ],
  metrics: [
    { name: 'lost', unit: 'payments', description: 'payments published that never took effect in the ledger', better: 'lower' },
    { name: 'duplicated', unit: 'payments', description: 'payments that took effect more than once', better: 'lower' },
    { name: 'extraEffects', unit: 'entries', description: 'ledger entries beyond one per payment', better: 'lower' },
    { name: 'ackedButLost', unit: 'payments', description: 'payments the broker acknowledged that are not in the payments log', better: 'lower' },
    { name: 'reprocessed', unit: 'payments', description: 'times the processor handled a payment again', better: 'lower' },
    { name: 'producerRetries', unit: 'batches', description: 'write attempts the producers retried', better: 'neither' },
    { name: 'latencyP50Ms', unit: 'ms', description: 'median time from publishing a payment to its ledger entry becoming visible', better: 'lower' },
    { name: 'latencyP99Ms', unit: 'ms', description: '99th percentile time from publishing to the ledger entry becoming visible', better: 'lower' },
    { name: 'messagesPerPayment', unit: 'messages', description: 'messages sent per payment', better: 'lower' },
  ],
  charts: () => [
    { id: 'progress', title: 'Payments published and ledger entries visible', unit: 'count', series: ['payments.published', 'ledger.entries'] },
    { id: 'lag', title: 'Processor lag (payments not yet committed)', unit: 'records', series: ['lag.*'] },
  ],
  presets: [
    {
      id: 'crash-after-commit',
      title: 'Processor crashes right after committing',
      description: 'The processor commits a batch’s offsets and crashes before (at most once) or after (the others) processing it; it restarts 300 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'processor', when: 'after-commit' },
        { at: Math.round(p.workloadMs * 0.3) + 300, kind: 'restart', node: 'processor' },
      ],
    },
    {
      id: 'crash-after-process',
      title: 'Processor crashes after processing, before committing',
      description:
        'The processor writes a batch’s ledger entries and crashes before its offsets are committed; it restarts 300 ms later and reads the batch again.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'processor', when: 'after-process' },
        { at: Math.round(p.workloadMs * 0.3) + 300, kind: 'restart', node: 'processor' },
      ],
    },
    {
      id: 'lost-ack',
      title: 'A producer acknowledgement is lost',
      description: 'The broker writes a payment, but its acknowledgement never reaches the payments service.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'lose-ack', node: 'payments-service' }],
    },
    {
      id: 'broker-failover',
      title: 'The leading broker dies',
      description: 'broker-1, leader of both topics, crashes; the controller notices and broker-2 takes over. broker-1 restarts 400 ms later as a follower.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.4), kind: 'crash', node: 'broker-1' },
        { at: Math.round(p.workloadMs * 0.4) + 400, kind: 'restart', node: 'broker-1' },
      ],
    },
  ],
  defaultPreset: 'crash-after-process',
  alarmStates: ['rebalancing'],
  faultSpace: (p: Params) => ({
    windowMs: p.workloadMs,
    crashable: ['broker-1', 'broker-2', 'processor'],
    partitionable: [],
    kinds: ['crash', 'restart', 'pause', 'resume'],
    crashPoints: { processor: ['after-poll', 'after-process', 'after-commit'] },
    injects: [
      { name: 'lose-ack', description: 'the next produce acknowledgement to this client is lost on the way', nodes: ['payments-service', 'processor'] },
    ],
    faultsMax: 3,
  }),
  build(world) {
    const { sim, params: p, strategy } = world;
    const setup = SEMANTICS[strategy]!;
    const layout = layoutFor();
    const audit = new EffectsAudit(sim);
    const payments = drawPayments(world.stream('workload'), p);
    const producerTimings = {
      lingerMs: 2,
      requestTimeoutMs: p.requestTimeoutMs,
      retryBackoffMs: 20,
      batchMax: 20,
      transactionTimeoutMs: p.transactionTimeoutMs,
    };
    const consumerTimings = {
      maxPollRecords: p.batchMax,
      fetchMaxRecords: 50,
      fetchMinRecords: 1,
      fetchMaxWaitMs: 200,
      heartbeatMs: Math.max(10, p.sessionTimeoutMs / 3),
      sessionTimeoutMs: p.sessionTimeoutMs,
      rebalanceTimeoutMs: p.sessionTimeoutMs * 1.5,
      requestTimeoutMs: p.requestTimeoutMs,
      retryBackoffMs: 20,
      autoCommitIntervalMs: 100,
    };

    sim.addNode(NODES[0], paymentsService(layout, payments, { ...producerTimings, ...setup.producer }, audit));
    sim.addNode(NODES[1], broker(layout));
    sim.addNode(NODES[2], broker(layout));
    sim.addNode(NODES[3], broker(layout));
    sim.addNode(
      NODES[4],
      processor({ layout, semantics: setup.semantics, processMs: p.processMs, consumer: consumerTimings, producer: producerTimings, audit }),
    );

    const ledgerTp = tpOf('ledger', 0);
    const paymentsTp = tpOf('payments', 0);
    if (sim.tracing) {
      sim.every(25, () => {
        sim.metrics.sample('payments.published', audit.sentMs.size);
        const ledger = EffectsAudit.replicaOf(sim, layout, ledgerTp);
        sim.metrics.sample('ledger.entries', EffectsAudit.effects(ledger).count.size);
        const input = EffectsAudit.replicaOf(sim, layout, paymentsTp);
        const committed = GroupCoordinator.committed(sim.durable(CONTROLLER), GROUP, paymentsTp) ?? 0;
        sim.metrics.sample('lag.payments-0', Math.max(0, (input?.logEndOffset ?? 0) - committed));
        return undefined;
      });
    }

    let lost: string[] = [];
    let duplicated: string[] = [];
    let extra = 0;
    let ackedButLost = 0;
    let latencies: number[] = [];
    world.atEnd(() => {
      const effects = EffectsAudit.effects(EffectsAudit.replicaOf(sim, layout, ledgerTp));
      lost = payments.filter((x) => !effects.count.has(x.id)).map((x) => x.id);
      duplicated = payments.filter((x) => (effects.count.get(x.id) ?? 0) > 1).map((x) => x.id);
      for (const n of effects.count.values()) extra += Math.max(0, n - 1);
      const input = EffectsAudit.replicaOf(sim, layout, paymentsTp);
      const inLog = new Set<string>();
      for (const r of input?.records ?? []) if (r.control === null && r.offset < (input?.highWatermark ?? 0)) inLog.add((r.value as Payment).id);
      ackedButLost = [...audit.acked].filter((id) => !inLog.has(id)).length;
      latencies = payments.filter((x) => effects.visibleMs.has(x.id)).map((x) => effects.visibleMs.get(x.id)! - audit.sentMs.get(x.id)!);
      if (lost.length > 0) {
        world.violate(
          'no-loss',
          `${lost.length} of ${payments.length} payments never took effect (${list(lost)})${ackedButLost > 0 ? `; ${ackedButLost} of them had been acknowledged by the broker` : ''}, ${fmtMs(world.endMs - world.healAtMs)} after every fault healed`,
        );
      }
      if (duplicated.length > 0) {
        world.violate(
          'no-duplicate-effect',
          `${duplicated.length} payment(s) took effect more than once (${list(duplicated.map((id) => `${id} x${effects.count.get(id)}`))})`,
        );
      }
      const table = Controller.partitionTable(sim.durable(CONTROLLER));
      if (table !== undefined && [...table.values()].some((s) => s.leaderEpoch > 0)) world.reach('leader-failover');
      if (audit.reprocessed > 0) world.reach('reprocessed');
      if (sim.metrics.counter('producer.retries').value > 0) world.reach('producer-retry');
    });

    return {
      metrics() {
        const retries = sim.metrics.counter('producer.retries').value;
        return {
          lost: lost.length,
          duplicated: duplicated.length,
          extraEffects: extra,
          ackedButLost,
          reprocessed: audit.reprocessed,
          producerRetries: retries,
          latencyP50Ms: percentile(latencies, 50),
          latencyP99Ms: percentile(latencies, 99),
          messagesPerPayment: sim.messageStats.sent / payments.length,
        };
      },
    };
  },
});

/** The payments of one run, drawn up front so every strategy sees the same ones at the same times. */
function drawPayments(rng: Stream, p: Params): Payment[] {
  const times = Array.from({ length: p.payments }, () => rng.uniform(0, p.workloadMs)).sort((a, b) => a - b);
  return times.map((atMs, i) => ({ id: `p${i + 1}`, account: `acct${rng.int(8)}`, amount: 1 + rng.int(500), atMs }));
}

function list(items: readonly string[]): string {
  return items.length <= 8 ? items.join(', ') : `${items.slice(0, 8).join(', ')} and ${items.length - 8} more`;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
