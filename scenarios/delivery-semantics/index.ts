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
import { percentile, type Stream } from '../../engine/index.ts';
import { fmtMs } from '../framework/run.ts';
import { defineScenario, type Witness } from '../framework/scenario.ts';
import { broker } from '../parts/log/broker.ts';
import { defineLayout } from '../parts/log/cluster-layout.ts';
import { Controller } from '../parts/log/controller.ts';
import { GroupCoordinator } from '../parts/log/group-coordinator.ts';
import { PartitionLog, tpOf } from '../parts/log/partition-log.ts';
import { uniformArrivals } from '../parts/workload/arrivals.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
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

const BROKERS = ['broker-1', 'broker-2'];

const SEMANTICS: Record<string, { producer: { acks: 0 | 1 | 'all'; retries: number; idempotent: boolean }; semantics: Semantics }> = {
  'at-most-once': { producer: { acks: 1, retries: 0, idempotent: false }, semantics: 'at-most-once' },
  'at-least-once': { producer: { acks: 'all', retries: Number.POSITIVE_INFINITY, idempotent: false }, semantics: 'at-least-once' },
  'exactly-once': { producer: { acks: 'all', retries: Number.POSITIVE_INFINITY, idempotent: true }, semantics: 'exactly-once' },
};

const layoutFor = () =>
  defineLayout({
    brokers: BROKERS,
    controller: 'controller',
    coordinator: 'controller',
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
    { name: 'no-loss', kind: 'liveness', description: 'Every payment the service published takes effect in the ledger (judged once the system has settled).' },
    { name: 'no-duplicate-effect', kind: 'safety', description: 'No payment takes effect in the ledger more than once.' },
    {
      name: 'acked-write-kept',
      kind: 'safety',
      description:
        'acks=all: a payment the broker acknowledged is in the payments log, below the high watermark, whatever crashed since (the promise of acks=all, the in-sync replicas and the brokers’ flush policy).',
      appliesTo: ['at-least-once', 'exactly-once'],
    },
    {
      name: 'no-duplicate-record',
      kind: 'safety',
      description: 'The idempotent producer writes each payment into the payments log once, however often it retries (producer id and sequence numbers).',
      appliesTo: ['exactly-once'],
    },
    {
      name: 'transactions-resolved',
      kind: 'liveness',
      description:
        'Once the system settles no transaction hangs open in the ledger: each one was committed or aborted, so read-committed readers are not held back.',
      appliesTo: ['exactly-once'],
    },
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
      id: 'power-loss',
      title: 'Both brokers lose power at once',
      description:
        'A rack loses power: both brokers crash together and come back when the faults heal. Replication alone cannot save a write neither replica had forced; acks=all counts a replica only once it has.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.5), kind: 'inject', name: 'power-loss' }],
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
    injects: [
      { name: 'lose-ack', description: 'the next produce acknowledgement to this client is lost on the way', nodes: ['payments-service', 'processor'] },
      {
        name: 'power-loss',
        description:
          'both brokers lose power at the same moment (one rack): each keeps only what it had forced to disk, and both come back when the faults heal',
      },
    ],
    faultsMax: 3,
  }),
  build(world) {
    const { params: p, strategy } = world;
    const setup = SEMANTICS[strategy]!;
    // Named, not spread: a literal that starts with a spread and adds fields is slow to build (see PRODUCER_DEFAULTS).
    const { acks, retries: producerRetries, idempotent } = setup.producer;
    const layout = layoutFor();
    const audit = new EffectsAudit(world);
    const payments = drawPayments(world.stream('workload'), p);
    let retries = 0;
    const producerTimings = {
      lingerMs: 2,
      requestTimeoutMs: p.requestTimeoutMs,
      retryBackoffMs: 20,
      batchMax: 20,
      transactionTimeoutMs: p.transactionTimeoutMs,
      onRetry: () => {
        retries++;
      },
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

    world.node(
      'payments-service',
      {
        role: 'producer',
        spare: {
          crash:
            'the payments service stands for the upstream system: the payments it publishes are the workload, and what the log and the processor do with them is the question',
        },
      },
      paymentsService(layout, payments, { acks, retries: producerRetries, idempotent, ...producerTimings }, audit),
    );
    world.node('controller', { role: 'controller' }, broker(layout));
    // A correlated failure: the whole rack at once, as one fault.
    world.onInject('power-loss', () => {
      world.note('the rack loses power: both brokers go down at once', 'key');
      world.sim.schedulePlan(BROKERS.map((node) => ({ at: world.now, kind: 'crash', node })));
    });
    for (const name of BROKERS) world.node(name, { role: 'broker' }, broker(layout));
    world.node(
      'processor',
      { role: 'consumer', crashPoints: ['after-poll', 'after-process', 'after-commit'] },
      processor({ layout, semantics: setup.semantics, processMs: p.processMs, consumer: consumerTimings, producer: producerTimings, audit }),
    );

    const paymentsTp = tpOf('payments', 0);
    const ledgerTp = tpOf('ledger', 0);
    /** Where a read of `tp` goes now: the leader the controller's disk names (or the last in-sync replica). */
    const leaderDisk = (tp: string) => {
      const s = Controller.partitionTable(world.disk('controller'))?.get(tp);
      return world.disk(s === undefined ? BROKERS[0]! : s.leader >= 0 ? s.leader : s.isr[0]!);
    };
    world.chart({
      id: 'progress',
      title: 'Payments published and ledger entries visible',
      unit: 'count',
      everyMs: 25,
      series: { 'payments.published': () => audit.sentMs.size, 'ledger.entries': () => audit.visibleMs.size },
    });
    world.chart({
      id: 'lag',
      title: 'Processor lag (payments not yet committed)',
      unit: 'records',
      everyMs: 25,
      series: {
        'lag.payments-0': () =>
          Math.max(
            0,
            PartitionLog.endOffset(leaderDisk(paymentsTp), paymentsTp) - (GroupCoordinator.committed(world.disk('controller'), GROUP, paymentsTp) ?? 0),
          ),
      },
    });

    const handled = (id: string, what: string): Witness[] => (audit.handledMs.get(id) ?? []).map((t) => ({ t, node: 'processor', key: id, what }));
    let lost: string[] = [];
    let duplicated: string[] = [];
    let extra = 0;
    let ackedButLost: string[] = [];
    world.atEnd(() => {
      const v = EffectsAudit.verdict(
        payments.map((x) => x.id),
        EffectsAudit.replicaOf(world, layout, paymentsTp),
        EffectsAudit.replicaOf(world, layout, ledgerTp),
        audit.ackedMs.keys(),
      );
      lost = v.lost;
      duplicated = v.duplicated.map(([id]) => id);
      extra = v.duplicated.reduce((sum, [, n]) => sum + n - 1, 0);
      ackedButLost = v.ackedButLost;
      if (lost.length > 0) {
        world.violate(
          'no-loss',
          `${lost.length} of ${payments.length} payments never took effect (${list(lost)})${ackedButLost.length > 0 ? `; ${ackedButLost.length} of them had been acknowledged by the broker` : ''}, ${fmtMs(world.endMs - world.healAtMs)} after every fault healed`,
          {
            witnesses: lost
              .slice(0, 4)
              .flatMap((id) => [
                { t: audit.sentMs.get(id) ?? 0, node: 'payments-service', key: id, what: 'published' },
                ...handled(id, 'handled by the processor'),
              ]),
          },
        );
      }
      if (duplicated.length > 0) {
        world.violate(
          'no-duplicate-effect',
          `${duplicated.length} payment(s) took effect more than once (${list(v.duplicated.map(([id, n]) => `${id} x${n}`))})`,
          {
            witnesses: duplicated.slice(0, 4).flatMap((id) => handled(id, 'handled by the processor')),
          },
        );
      }
      if (ackedButLost.length > 0) {
        world.violate('acked-write-kept', `${ackedButLost.length} acknowledged payment(s) are not in the payments log (${list(ackedButLost)})`, {
          witnesses: ackedButLost
            .slice(0, 4)
            .map((id) => ({ t: audit.ackedMs.get(id)!, node: 'payments-service', key: id, what: 'acknowledged with acks=all' })),
        });
      }
      const twice = v.duplicateRecords;
      if (twice.length > 0) {
        world.violate('no-duplicate-record', `${twice.length} payment(s) are in the payments log more than once (${list(twice)})`, {
          witnesses: twice.slice(0, 4).map((id) => ({ t: audit.sentMs.get(id) ?? 0, node: 'payments-service', key: id, what: 'published' })),
        });
      }
      if (v.open > 0) {
        world.violate(
          'transactions-resolved',
          `${v.open} ledger record(s) still belong to an open transaction ${fmtMs(world.endMs - world.healAtMs)} after every fault healed: read-committed readers are stuck before them`,
        );
      }
      const table = Controller.partitionTable(world.disk('controller'));
      if (table !== undefined && [...table.values()].some((s) => s.leaderEpoch > 0)) world.reach('leader-failover');
      if (audit.reprocessed > 0) world.reach('reprocessed');
      if (retries > 0) world.reach('producer-retry');
    });

    return {
      metrics() {
        const latencies = payments.filter((x) => audit.visibleMs.has(x.id)).map((x) => audit.visibleMs.get(x.id)! - audit.sentMs.get(x.id)!);
        return {
          lost: lost.length,
          duplicated: duplicated.length,
          extraEffects: extra,
          ackedButLost: ackedButLost.length,
          reprocessed: audit.reprocessed,
          producerRetries: retries,
          latencyP50Ms: percentile(latencies, 50),
          latencyP99Ms: percentile(latencies, 99),
          messagesPerPayment: world.messages.sent / payments.length,
        };
      },
    };
  },
});

/** The payments of one run, drawn up front so every strategy sees the same ones at the same times. */
function drawPayments(rng: Stream, p: Params): Payment[] {
  return uniformArrivals(rng, p.payments, 0, p.workloadMs).map((atMs, i) => ({
    id: paymentId(i + 1),
    account: accountId(rng.int(8)),
    amount: 1 + rng.int(500),
    atMs,
  }));
}

function list(items: readonly string[]): string {
  return items.length <= 8 ? items.join(', ') : `${items.slice(0, 8).join(', ')} and ${items.length - 8} more`;
}

/** Payment and account ids, spelt once: the processor, the ledger and the audit look every payment up by them. */
const paymentId = numberedNames('p');
const accountId = numberedNames('acct');
