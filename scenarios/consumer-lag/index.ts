/**
 * Consumer lag: producers outpace consumers.
 *
 * A service publishes events at a steady rate that never stops; a consumer group of two
 * instances processes them, each record costing a database round trip plus its own work.
 * Two consumers cannot keep up, so lag — records published but not yet committed by the
 * group — climbs. The strategies are the usual answers: add consumers, add partitions so
 * more consumers can work, process faster by batching, or push back on the producer. Lag
 * is a capacity signal: in steady state it grows at (arrival rate − total service rate)
 * when the group is overloaded and stays bounded otherwise, and a group can never use more
 * consumers than it has partitions.
 */
import { z } from 'zod';
import { percentile, type Stream } from '../../engine/index.ts';
import { defineScenario, type FaultSpaceOptions } from '../framework/scenario.ts';
import { broker } from '../parts/log/broker.ts';
import { defineLayout } from '../parts/log/cluster-layout.ts';
import { GroupOwnership } from '../parts/log/group-ownership.ts';
import { tpOf } from '../parts/log/partition-log.ts';
import { poissonArrivals } from '../parts/workload/arrivals.ts';
import { autoscaler } from './autoscaler.ts';
import { consumerInstance, type Slowdowns } from './consumer-instance.ts';
import { Deployment } from './deployment.ts';
import { LagBoard, type PartitionPositions, starvedPartitions } from './lag-board.ts';
import { type Arrival, trafficSource } from './traffic-source.ts';

const params = z.object({
  arrivalRatePerSec: z.number().min(1).max(20_000).default(175).describe('events published per second, all run long (Poisson)'),
  partitions: z.number().int().min(1).max(64).default(4).describe('partitions of the events topic at the start'),
  consumers: z.number().int().min(1).max(64).default(2).describe('consumer instances running at the start'),
  consumersMax: z.number().int().min(1).max(64).default(12).describe('consumer instances the autoscaler can run (standby ones start when it scales)'),
  partitionsAfter: z.number().int().min(1).max(256).default(12).describe('(more-partitions) partitions after the autoscaler grows the topic'),
  overheadMs: z.number().min(0).max(10_000).default(35).describe('fixed cost of one processing call (a database round trip), in ms'),
  perRecordMs: z.number().min(0).max(10_000).default(5).describe('cost of each record within a call, in ms'),
  maxPollRecords: z.number().int().min(1).max(1000).default(5).describe('records a consumer takes per poll'),
  batchMax: z.number().int().min(1).max(1000).default(20).describe('(faster-processing) records processed in one call'),
  scaleAtLag: z.number().int().min(1).max(1_000_000).default(30).describe('the autoscaler scales out once lag passes this many records'),
  backpressureLagMax: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(50)
    .describe('(backpressure) the source publishes only while lag is under this; the rest waits'),
  producerBufferMax: z.number().int().min(0).max(1_000_000).default(200).describe('(backpressure) events the source can hold; beyond, it refuses them'),
  lagBoundRecords: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .default(150)
    .describe('lag above this that is still growing at the end breaks the invariant, in records'),
  sessionTimeoutMs: z.number().min(50).max(60_000).default(450).describe('the group drops a consumer silent for this long, in ms'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  workloadMs: z
    .number()
    .min(100)
    .max(600_000)
    .default(1000)
    .describe('window in which bursts, slowdowns and crashes happen, in ms (traffic itself never stops)'),
  settleMs: z.number().min(500).max(600_000).default(2000).describe('after the last fault heals, time before lag is judged, in ms'),
  sampleMs: z.number().min(5).max(10_000).default(50).describe('lag is sampled this often, in ms'),
});
type Params = z.infer<typeof params>;

const GROUP = 'event-processors';
const TOPIC = 'events';
const USERS = 1000;
const consumerName = (i: number): string => `c-${i + 1}`;
/** The first `n` consumers' names, built by a loop: every run asks, and Array.from over a length costs ten times as much. */
function consumerNames(n: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(consumerName(i));
  return names;
}

export const consumerLag = defineScenario({
  id: 'consumer-lag',
  title: 'Consumer lag: when producers outpace consumers',
  family: 'broker',
  question: 'Lag is climbing. Which fix makes the consumer group keep up: more consumers, more partitions, faster processing, or backpressure on the producer?',
  summary:
    'Events arrive at 175/s; two consumers, each processing 25 records/s, fall behind and lag climbs on every partition. An autoscaler adds consumers — but with 4 partitions only 4 of 12 consumers get work and the rest sit idle, so lag keeps climbing. Growing the topic to 12 partitions lets all of them work. Batching pays the database round trip once per batch instead of once per record. Backpressure holds events back at the source. Watch lag per partition, the rebalance pause each scale-out or crash causes, and idle consumers past the partition count.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 }, fifo: true }),
  strategies: [
    {
      id: 'add-consumers',
      title: 'Add consumers (capped by the partition count)',
      explanation:
        'When lag passes a threshold the autoscaler starts more consumer instances. Each rebalance pauses the whole group; after it, only as many consumers as there are partitions get work — the others sit idle. With 4 partitions the group tops out at 4 × 25 = 100 records/s against 175 arriving: lag keeps growing however many consumers you add.',
      expectedViolations: ['lag-bounded'],
    },
    {
      id: 'more-partitions',
      title: 'More partitions, then rebalance',
      explanation:
        'The autoscaler grows the topic to 12 partitions and starts more consumers; the group rebalances so each consumer owns a partition, for 12 × 25 = 300 records/s. The backlog already on the old partitions stays there to be drained, new events spread over all 12, and each key’s events move to a new partition — per-key order across the change is not guaranteed.',
      expectedViolations: [],
    },
    {
      id: 'faster-processing',
      title: 'Faster processing (batching)',
      explanation:
        'Each consumer processes a whole poll of up to 20 records in one call, paying the database round trip once per batch instead of once per record: about 148 records/s per consumer instead of 25. Two consumers then keep up without scaling; the price is latency per batch and all-or-nothing retries of a batch.',
      expectedViolations: [],
    },
    {
      id: 'backpressure',
      title: 'Backpressure / rate limiting at the producer',
      explanation:
        'The source watches the group’s lag and, above a high mark, stops publishing: new events wait in its buffer, and when that is full they are refused (the caller must retry or shed load). Lag stays bounded by design, but nothing got faster — the backlog moved upstream, to the producer’s buffer and to refused requests.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'add-consumers',
  invariants: [
    {
      name: 'lag-bounded',
      kind: 'liveness',
      description:
        'Once the faults heal, the group keeps up: at the end lag is under the bound, or not growing (its trend over the last half of the settle time rises by less than a fifth of the arrival rate).',
    },
    {
      name: 'lag-under-high-mark',
      kind: 'safety',
      description:
        'Backpressure’s promise: the events the source has published and the group has not yet committed never exceed the high mark (a batch a producer retry wrote twice counts once).',
      appliesTo: ['backpressure'],
    },
    {
      name: 'partition-owned',
      kind: 'liveness',
      description:
        'Once the group settles after the faults heal, every partition has exactly one owner: a member of the current generation that is running and knows it owns it (the promise of the group protocol and its assignor).',
    },
    {
      name: 'partition-progress',
      kind: 'liveness',
      description:
        'After the faults heal no partition is left behind: every partition with a backlog at the start of the last half of the settle time has its committed offset move forward by its end (a starved partition cannot hide in a total that looks fine).',
    },
  ],
  goals: [
    { name: 'idle-consumer', description: 'A consumer in the group had no partition to consume.' },
    { name: 'rebalance', description: 'The group rebalanced after it first formed (a scale-out, a crash or a new partition).' },
  ],
  metrics: [
    { name: 'lagMax', unit: 'records', description: 'largest total lag sampled', better: 'lower' },
    { name: 'lagEnd', unit: 'records', description: 'total lag at the end of the run', better: 'lower' },
    {
      name: 'lagGrowthPerSec',
      unit: 'records/s',
      description: 'how fast lag grew over the last half of the settle time (negative: shrinking)',
      better: 'lower',
    },
    {
      name: 'consumedPerSec',
      unit: 'records/s',
      description: 'records the group processed per second over the last half of the settle time',
      better: 'higher',
    },
    { name: 'publishedPerSec', unit: 'records/s', description: 'records the source published per second over the same window', better: 'neither' },
    { name: 'idleConsumersMax', unit: 'consumers', description: 'most consumers sitting idle at once (no partition)', better: 'lower' },
    { name: 'rebalances', unit: 'rebalances', description: 'rebalances of the group', better: 'lower' },
    { name: 'rebalancePauseMs', unit: 'ms', description: 'total time the group spent rebalancing (nobody consuming)', better: 'lower' },
    { name: 'heldBackMax', unit: 'records', description: 'most events held at the producer by backpressure', better: 'lower' },
    { name: 'rejected', unit: 'records', description: 'events the producer refused because its buffer was full', better: 'lower' },
    { name: 'latencyP99Ms', unit: 'ms', description: '99th percentile time from publishing a record to finishing its processing', better: 'lower' },
  ],
  presets: [
    {
      id: 'consumer-crash',
      title: 'A consumer crashes',
      description:
        'c-1 crashes at 40% of the window and restarts 500 ms later: its partitions stall until its session times out, then the group rebalances — twice.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.4), kind: 'crash', node: 'c-1' },
        { at: Math.round(p.workloadMs * 0.4) + 500, kind: 'restart', node: 'c-1' },
      ],
    },
    {
      id: 'traffic-burst',
      title: 'A traffic burst',
      description: '400 extra events/s for 400 ms at 30% of the window.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'traffic-burst', node: 'traffic-source', args: { extraPerSec: 400, durationMs: 400 } },
      ],
    },
    {
      id: 'slow-consumer',
      title: 'A slow consumer',
      description: 'c-1 becomes 5 times slower at 20% of the window, until the faults heal: its partitions fall behind while the others keep up.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.2), kind: 'inject', name: 'slow-consumer', node: 'c-1', args: { factor: 5 } }],
    },
  ],
  defaultPreset: 'consumer-crash',
  alarmStates: ['rebalancing', 'throttled', 'idle'],
  faultSpace: (p: Params): FaultSpaceOptions => ({
    windowMs: p.workloadMs,
    injects: [
      {
        name: 'traffic-burst',
        description: 'extra events for a while',
        nodes: ['traffic-source'],
        args: { extraPerSec: { min: 100, max: 600, integer: true }, durationMs: { min: 100, max: 500, integer: true } },
      },
      {
        name: 'slow-consumer',
        description: 'a consumer processes each record several times slower until the faults heal',
        nodes: consumerNames(Math.max(p.consumersMax, p.consumers)),
        args: { factor: { min: 2, max: 10, integer: true } },
      },
    ],
    faultsMax: 3,
  }),
  build(world) {
    const { params: p, strategy } = world;
    const instances = Math.max(p.consumersMax, p.consumers);
    const consumers = consumerNames(instances);
    const layout = defineLayout({ brokers: ['broker-1'], controller: null, coordinator: 'broker-1', topics: [{ topic: TOPIC, partitions: p.partitions }] });
    const board = new LagBoard(world, 'broker-1', GROUP, TOPIC);
    const ownership = new GroupOwnership(GROUP, world);
    const arrivals = drawArrivals(world.stream('workload'), p.arrivalRatePerSec, world.endMs);
    const scales = strategy === 'add-consumers' || strategy === 'more-partitions';
    const deployment = new Deployment(p.consumers);
    const slowdowns: Slowdowns = new Map();
    let rebalances = 0;
    let rebalancePauseMs = 0;

    world.node(
      'traffic-source',
      {
        role: 'producer',
        spare: {
          crash:
            'the traffic source stands for the users: its events are the workload, and whether the consumers keep up with it is the question (with backpressure, what it holds back is counted, not lost)',
        },
      },
      trafficSource({
        layout,
        topic: TOPIC,
        group: GROUP,
        arrivals,
        users: USERS,
        board,
        tickMs: 20,
        backpressure: strategy === 'backpressure' ? { highLag: p.backpressureLagMax, bufferMax: p.producerBufferMax, probeMs: 50 } : null,
      }),
    );
    world.node(
      'broker-1',
      { role: 'broker' },
      broker(layout, {
        onRebalanced: (r) => {
          rebalances++;
          rebalancePauseMs += r.pauseMs;
          ownership.rebalanced(r);
        },
      }),
    );
    world.node(
      'autoscaler',
      { role: 'operator' },
      autoscaler({
        layout,
        group: GROUP,
        topic: TOPIC,
        scaleAtLag: p.scaleAtLag,
        probeMs: 100,
        deployment,
        action: scales
          ? { standby: consumers.slice(p.consumers), partitionsAfter: strategy === 'more-partitions' ? Math.max(p.partitions, p.partitionsAfter) : null }
          : null,
      }),
    );
    const batching = strategy === 'faster-processing';
    consumers.forEach((name, index) => {
      world.node(
        name,
        { role: 'consumer' },
        consumerInstance({
          layout,
          group: GROUP,
          topic: TOPIC,
          index,
          deployment,
          cost: { overheadMs: p.overheadMs, perRecordMs: p.perRecordMs, batching },
          board,
          ownership,
          slowdowns,
          consumer: {
            maxPollRecords: batching ? p.batchMax : p.maxPollRecords,
            fetchMaxRecords: 100,
            fetchMinRecords: 5,
            fetchMaxWaitMs: 300,
            heartbeatMs: p.sessionTimeoutMs / 3,
            sessionTimeoutMs: p.sessionTimeoutMs,
            rebalanceTimeoutMs: 2 * p.sessionTimeoutMs,
            requestTimeoutMs: 100,
            retryBackoffMs: 20,
            autoCommitIntervalMs: 200,
          },
        }),
      );
    });
    // A slow dependency recovers when the faults heal.
    world.at(world.healAtMs, () => slowdowns.clear());

    const partitionsMax = Math.max(p.partitions, strategy === 'more-partitions' ? p.partitionsAfter : 0);
    world.chart({
      id: 'lag-per-partition',
      title: 'Lag per partition',
      unit: 'records',
      everyMs: p.sampleMs,
      series: Object.fromEntries(Array.from({ length: partitionsMax }, (_, i) => [`lag.p${i}`, () => (i < board.partitions() ? board.lagOf(i) : null)])),
    });
    world.chart({
      id: 'total-lag',
      title: 'Total lag',
      unit: 'records',
      everyMs: p.sampleMs,
      series: { 'total-lag': () => board.positions().lag.reduce((a, b) => a + b, 0) },
      limit: { value: p.lagBoundRecords, label: 'lag bound' },
    });
    world.chart({
      id: 'consumers',
      title: 'Consumers by state',
      unit: 'consumers',
      everyMs: p.sampleMs,
      series: {
        'consumers.active': () => board.census().active,
        'consumers.idle': () => board.census().idle,
        'consumers.rebalancing': () => board.census().rebalancing,
        'consumers.down': () => board.census().down,
      },
    });
    world.chart({
      id: 'producer',
      title: 'Held back and refused at the producer',
      unit: 'records',
      everyMs: p.sampleMs,
      series: { 'producer.held': () => board.held, 'producer.rejected': () => board.rejected },
    });

    // The figures the invariants and metrics are judged on, sampled whether traced or not.
    let overHighMark = false;
    const sampleUntil = (t: number): void => {
      board.sample();
      if (strategy === 'backpressure' && !overHighMark && board.uniqueLagMax > p.backpressureLagMax) {
        overHighMark = true;
        world.violate(
          'lag-under-high-mark',
          `${board.uniqueLagMax} published events are waiting for the group, over the high mark of ${p.backpressureLagMax}: the source published more than its credits allowed`,
          { node: 'traffic-source' },
        );
      }
      if (t + p.sampleMs <= world.endMs) world.at(t + p.sampleMs, () => sampleUntil(t + p.sampleMs));
    };
    world.at(0, () => sampleUntil(0));
    const windowMs = p.settleMs / 2;
    let mid: PartitionPositions | null = null;
    world.at(world.endMs - windowMs, () => {
      mid = board.positions();
    });

    let growthPerSec = 0;
    let consumedPerSec = 0;
    let publishedPerSec = 0;
    world.atEnd(() => {
      board.sample();
      const end = board.samples[board.samples.length - 1]!;
      const start = board.at(end.t - windowMs);
      const spanSec = Math.max(1e-9, (end.t - start.t) / 1000);
      growthPerSec = lagSlopePerSec(board.samples.filter((s) => s.t >= start.t));
      consumedPerSec = (end.processed - start.processed) / spanSec;
      publishedPerSec = (end.published - start.published) / spanSec;
      // Still growing: the least-squares trend over the window rises by more than a fifth of the
      // traffic — a capacity shortfall, not the noise of a group catching up.
      if (end.total > p.lagBoundRecords && growthPerSec > 0.2 * publishedPerSec) {
        world.violate(
          'lag-bounded',
          `lag is still growing after the faults healed: ${end.total} records behind at the end, up from ${start.total} ${Math.round(end.t - start.t)} ms earlier (a trend of +${Math.round(growthPerSec)}/s); the group processed ${Math.round(consumedPerSec)} records/s while ${Math.round(publishedPerSec)}/s arrived`,
          { witnesses: [{ t: start.t, what: `${start.total} records behind` }] },
        );
      }
      const now = board.positions();
      const tps = now.lag.map((_, i) => tpOf(TOPIC, i));
      const problems = ownership.problems(
        tps,
        (name) => world.status(name) === 'up',
        (node) => world.nameOf(node),
        world.endMs - p.settleMs / 2,
      );
      if (problems.length > 0) {
        world.violate(
          'partition-owned',
          `${world.endMs - world.healAtMs} ms after every fault healed, ${problems.length} of ${tps.length} partition(s) lack exactly one live owner: ${problems
            .slice(0, 4)
            .map((x) => x.what)
            .join('; ')}`,
          { witnesses: ownership.settledAtMs === null ? [] : [{ t: ownership.settledAtMs, node: 'broker-1', what: 'the group’s last rebalance' }] },
        );
      }
      // A partition that had a backlog when the window began must have moved through some of it by its end.
      const before = mid!;
      const stuck = starvedPartitions(before, now);
      if (stuck.length > 0) {
        world.violate(
          'partition-progress',
          `no consumer made progress on ${stuck.map((i) => `${tpOf(TOPIC, i)} (${before.lag[i]} behind ${Math.round(windowMs)} ms before the end, ${now.lag[i]} at the end)`).join(', ')}, after every fault healed`,
          {
            witnesses: stuck
              .slice(0, 4)
              .map((i) => ({ t: before.t, key: tpOf(TOPIC, i), what: `${before.lag[i]} behind at committed offset ${before.committed[i]}` })),
          },
        );
      }
      if (board.idleMax > 0) world.reach('idle-consumer');
      if (rebalances > 1) world.reach('rebalance');
    });

    return {
      metrics: () => ({
        lagMax: board.lagMax,
        lagEnd: board.samples[board.samples.length - 1]?.total ?? 0,
        lagGrowthPerSec: growthPerSec,
        consumedPerSec,
        publishedPerSec,
        idleConsumersMax: board.idleMax,
        rebalances,
        rebalancePauseMs,
        heldBackMax: board.heldMax,
        rejected: board.rejected,
        latencyP99Ms: percentile(board.latencyMs, 99),
      }),
    };
  },
});

/** A Poisson stream of events until `endMs`, drawn up front: every strategy sees the same traffic. */
export function drawArrivals(rng: Stream, ratePerSec: number, endMs: number): Arrival[] {
  return poissonArrivals(rng, ratePerSec / 1000, 0, endMs).map((atMs) => ({ atMs, user: rng.int(USERS) }));
}

/** Least-squares slope of total lag over time, in records per second. */
export function lagSlopePerSec(samples: readonly { t: number; total: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  let st = 0;
  let sl = 0;
  for (const s of samples) {
    st += s.t;
    sl += s.total;
  }
  const mt = st / n;
  const ml = sl / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.total - ml);
    den += (s.t - mt) * (s.t - mt);
  }
  return den === 0 ? 0 : (1000 * num) / den;
}
