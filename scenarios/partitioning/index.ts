/**
 * Partitioning: how the producer picks a record's partition, and what that does to load and
 * to per-key order.
 *
 * An event source publishes account events; one account is hot (a large share of all
 * events). Each partition is consumed by one member of a consumer group, in order. Kafka
 * orders records only within a partition, so an account's events are applied in order only
 * if they all land on one partition — which is what hashing the key does, at the price of a
 * hot partition. Round robin evens the load and scatters every key; salting the hot key
 * spreads just that key, evening the load and giving up that key's order.
 */
import { z } from 'zod';
import type { Stream } from '../../engine/index.ts';
import { defineScenario, type FaultSpaceOptions } from '../framework/scenario.ts';
import { broker } from '../parts/log/broker.ts';
import { defineLayout } from '../parts/log/cluster-layout.ts';
import { GroupCoordinator } from '../parts/log/group-coordinator.ts';
import { GroupLag } from '../parts/log/group-lag.ts';
import { GroupOwnership } from '../parts/log/group-ownership.ts';
import { PartitionLog, tpOf } from '../parts/log/partition-log.ts';
import { keyHashPartitioner, roundRobinPartitioner } from '../parts/log/partitioner.ts';
import { poissonArrivals } from '../parts/workload/arrivals.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import { eventConsumer } from './event-consumer.ts';
import { type Arrival, eventSource } from './event-source.ts';
import { heldEvents, type KeyedEvent, missingFrom, OrderAudit, skippedEvents } from './order-audit.ts';

const params = z.object({
  eventsPerSec: z.number().min(1).max(20_000).default(120).describe('events published per second during the workload (Poisson)'),
  keys: z.number().int().min(2).max(100_000).default(200).describe('accounts (keys) besides the hot one'),
  hotShare: z.number().min(0).max(0.95).default(0.4).describe('share of all events that belong to the hot account'),
  partitions: z.number().int().min(1).max(64).default(4).describe('partitions of the topic'),
  consumers: z.number().int().min(1).max(64).default(4).describe('consumers in the group'),
  serviceMs: z.number().min(0.1).max(10_000).default(20).describe('mean time a consumer takes to apply one event, in ms'),
  salts: z.number().int().min(2).max(256).default(8).describe('(hot-key-salted) sub-keys the hot account is spread over'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  sessionTimeoutMs: z.number().min(50).max(60_000).default(300).describe('the group drops a consumer silent for this long, in ms'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('events are published over this window, in ms'),
  settleMs: z.number().min(100).max(600_000).default(1500).describe('after the last fault heals, time for consumers to catch up, in ms'),
  sampleMs: z.number().min(5).max(10_000).default(50).describe('load and lag are sampled this often, in ms'),
});
type Params = z.infer<typeof params>;

const TOPIC = 'account-events';
const GROUP = 'ledger-appliers';
const HOT = 'acct-hot';
const consumerName = (i: number): string => `c-${i + 1}`;
/** The first `n` consumers' names, built by a loop: every run asks, and Array.from over a length costs ten times as much. */
function consumerNames(n: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(consumerName(i));
  return names;
}

export const partitioning = defineScenario({
  id: 'partitioning',
  title: 'Partitioning: key hash, round robin, and the hot key',
  family: 'broker',
  question: 'Which partitioner keeps each account’s events in order, and what happens to the partition a hot account lands on?',
  summary:
    'An event source publishes account events, 40% of them for one hot account; four consumers each own one partition and apply events in the order they read them. Hashing the key keeps every account on one partition, so its events are applied in order — and the hot account’s partition gets far more than its share and falls behind. Round robin evens the load but sends an account’s consecutive events to different consumers, which apply them out of order. Salting the hot key spreads only that account: even load, broken order for exactly the key that matters most.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 }, fifo: true }),
  strategies: [
    {
      id: 'key-hash',
      title: 'Key hash',
      explanation:
        'Kafka’s default for keyed records: murmur2 of the key modulo the partition count. Every event of an account goes to the same partition and is applied in order, by one consumer — even across crashes and rebalances. The hot account makes its partition a hotspot: that partition’s consumer gets more than it can process and its lag grows while the others idle.',
      expectedViolations: [],
    },
    {
      id: 'round-robin',
      title: 'Round robin',
      explanation:
        'Partitions in turn, whatever the key. Load is perfectly even, but an account’s consecutive events land on different partitions, read by different consumers at different speeds: a later event is often applied before an earlier one.',
      expectedViolations: ['per-key-order'],
    },
    {
      id: 'hot-key-salted',
      title: 'Key hash, hot key salted',
      explanation:
        'Keys are hashed, but the hot account gets one of several suffixes in turn (acct-hot#0, #1, ...), so its events spread over several partitions. The hotspot is gone and every other account keeps its order — the hot account’s events, spread over several consumers, are applied out of order. Salting trades ordering for load; the consumer side must reassemble order if it matters.',
      expectedViolations: ['per-key-order'],
    },
  ],
  defaultStrategy: 'key-hash',
  invariants: [
    {
      name: 'per-key-order',
      kind: 'safety',
      description: 'Each account’s events are applied in the order they were published (a redelivered event applied again does not count as disorder).',
    },
    {
      name: 'no-skipped-event',
      kind: 'safety',
      description:
        'Every event the group has committed past was applied (at-least-once delivery: a crash or a rebalance may repeat an event, never skip one; events not yet reached are lag, not loss).',
    },
    {
      name: 'acked-write-kept',
      kind: 'safety',
      description:
        'Every event the broker acknowledged is in its partition’s log at the end, whatever crashed (the promise of acks=1 on a broker that flushes before it acknowledges).',
    },
    {
      name: 'every-event-written',
      kind: 'liveness',
      description:
        'Every event the source published is in its partition’s log once the system settles: its producer retries a batch until the broker has it, one batch in flight per partition.',
    },
    {
      name: 'partition-owned',
      kind: 'liveness',
      description:
        'Once the group settles after the faults heal, every partition has exactly one owner: a member of the current generation that is running and knows it owns it.',
    },
  ],
  goals: [
    { name: 'partition-behind', description: 'Some partition fell more than 20 records behind.' },
    { name: 'redelivered', description: 'A consumer applied an event that had already been applied (after a crash or a rebalance).' },
  ],
  metrics: [
    { name: 'outOfOrder', unit: 'events', description: 'events applied after a later event of the same account', better: 'lower' },
    { name: 'keysOutOfOrder', unit: 'keys', description: 'accounts with at least one event applied out of order', better: 'lower' },
    { name: 'hottestPartitionShare', unit: 'ratio', description: 'share of all records on the busiest partition', better: 'lower' },
    { name: 'loadImbalance', unit: 'ratio', description: 'records on the busiest partition over the average per partition', better: 'lower' },
    { name: 'lagMaxRecords', unit: 'records', description: 'largest lag of any one partition', better: 'lower' },
    { name: 'duplicates', unit: 'events', description: 'events applied again after a redelivery', better: 'lower' },
  ],
  presets: [
    {
      id: 'slow-consumer',
      title: 'A slow consumer',
      description: 'c-2 becomes 5 times slower at 20% of the window until the faults heal.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.2), kind: 'inject', name: 'slow-consumer', node: 'c-2', args: { factor: 5 } }],
    },
    {
      id: 'hot-key-burst',
      title: 'A burst on the hot account',
      description: 'The hot account gets 300 extra events/s for 300 ms at 30% of the window.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'hot-key-burst', node: 'event-source', args: { extraPerSec: 300, durationMs: 300 } },
      ],
    },
    {
      id: 'consumer-crash',
      title: 'A consumer crashes',
      description: 'c-1 crashes at 40% of the window and restarts 400 ms later; its partition moves to another consumer and back.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.4), kind: 'crash', node: 'c-1' },
        { at: Math.round(p.workloadMs * 0.4) + 400, kind: 'restart', node: 'c-1' },
      ],
    },
  ],
  defaultPreset: 'slow-consumer',
  alarmStates: ['rebalancing'],
  faultSpace: (p: Params): FaultSpaceOptions => ({
    windowMs: p.workloadMs,
    injects: [
      {
        name: 'slow-consumer',
        description: 'a consumer applies events several times slower until the faults heal',
        nodes: consumerNames(p.consumers),
        args: { factor: { min: 2, max: 10, integer: true } },
      },
      {
        name: 'hot-key-burst',
        description: 'extra events for the hot account',
        nodes: ['event-source'],
        args: { extraPerSec: { min: 50, max: 400, integer: true }, durationMs: { min: 100, max: 400, integer: true } },
      },
    ],
    faultsMax: 3,
  }),
  build(world) {
    const { params: p, strategy } = world;
    const layout = defineLayout({ brokers: ['broker-1'], controller: null, coordinator: 'broker-1', topics: [{ topic: TOPIC, partitions: p.partitions }] });
    const audit = new OrderAudit(world);
    const ownership = new GroupOwnership(GROUP, world);
    const arrivals = drawArrivals(world.stream('workload'), p);
    const slowdowns = new Map<string, number>();
    const acknowledged: KeyedEvent[] = [];
    const published: KeyedEvent[] = [];
    const consumers = consumerNames(p.consumers);

    world.node(
      'event-source',
      {
        role: 'producer',
        spare: {
          crash:
            'the event source stands for the accounts’ activity: it numbers each account’s events in the order they happen, and whether the consumers apply them in that order is the question',
        },
      },
      eventSource({
        layout,
        topic: TOPIC,
        arrivals,
        hotKey: HOT,
        partitioner: strategy === 'round-robin' ? roundRobinPartitioner() : keyHashPartitioner(),
        salting: strategy === 'hot-key-salted' ? { hotKey: HOT, salts: p.salts } : null,
        tickMs: 5,
        onPublished: (e) => published.push(e),
        onAcknowledged: (e) => acknowledged.push(e),
      }),
    );
    world.node('broker-1', { role: 'broker' }, broker(layout, { onRebalanced: (r) => ownership.rebalanced(r) }));
    for (const name of consumers) {
      world.node(
        name,
        { role: 'consumer' },
        eventConsumer({
          layout,
          group: GROUP,
          topic: TOPIC,
          serviceMs: p.serviceMs,
          audit,
          ownership,
          slowdowns,
          consumer: {
            maxPollRecords: 5,
            fetchMaxRecords: 50,
            fetchMinRecords: 1,
            fetchMaxWaitMs: 200,
            heartbeatMs: p.sessionTimeoutMs / 3,
            sessionTimeoutMs: p.sessionTimeoutMs,
            rebalanceTimeoutMs: 2 * p.sessionTimeoutMs,
            requestTimeoutMs: 100,
            retryBackoffMs: 20,
            autoCommitIntervalMs: 200,
          },
        }),
      );
    }
    // A slow dependency recovers when the faults heal.
    world.at(world.healAtMs, () => slowdowns.clear());

    const tps = Array.from({ length: p.partitions }, (_, i) => tpOf(TOPIC, i));
    const disk = world.disk('broker-1');
    const group = new GroupLag(
      () => disk,
      () => disk,
      GROUP,
      TOPIC,
    );
    world.chart({
      id: 'load',
      title: 'Records appended per partition',
      unit: 'records/s',
      everyMs: p.sampleMs,
      series: Object.fromEntries(tps.map((_, i) => [`load.p${i}`, { perSecond: () => group.end(i) }])),
    });
    world.chart({
      id: 'lag',
      title: 'Lag per partition',
      unit: 'records',
      everyMs: p.sampleMs,
      series: Object.fromEntries(tps.map((_, i) => [`lag.p${i}`, () => group.lag(i)])),
    });
    world.chart({ id: 'order', title: 'Events applied out of order', unit: 'events', everyMs: p.sampleMs, series: { 'out-of-order': () => audit.outOfOrder } });

    // The largest lag of any partition, sampled whether traced or not (a metric, and the goal's test).
    let lagMax = 0;
    const sampleUntil = (t: number): void => {
      for (let i = 0; i < tps.length; i++) lagMax = Math.max(lagMax, group.lag(i));
      if (t + p.sampleMs <= world.endMs) world.at(t + p.sampleMs, () => sampleUntil(t + p.sampleMs));
    };
    world.at(0, () => sampleUntil(0));

    const load = (): number[] => tps.map((_, i) => group.end(i));
    world.atEnd(() => {
      const logs = tps.map((tp) => PartitionLog.open(disk, tp));
      const skipped = skippedEvents(
        logs.map((log) => ({ log, committed: GroupCoordinator.committed(disk, GROUP, log.tp) ?? 0 })),
        (e) => audit.has(e.key, e.seq),
      );
      const held = heldEvents(logs);
      const lost = missingFrom(held, acknowledged);
      const unwritten = lost.length > 0 ? [] : missingFrom(held, published);
      if (unwritten.length > 0) {
        world.violate(
          'every-event-written',
          `${unwritten.length} published event(s) never reached a partition's log, ${world.endMs - world.healAtMs} ms after every fault healed: ${unwritten.slice(0, 6).join(', ')}`,
          { node: 'event-source' },
        );
      }
      if (lost.length > 0) {
        world.violate('acked-write-kept', `${lost.length} acknowledged event(s) are in no partition's log: ${lost.slice(0, 6).join(', ')}`, {
          node: 'broker-1',
        });
      }
      if (skipped.length > 0) {
        world.violate(
          'no-skipped-event',
          `the group committed past ${skipped.length} event(s) no consumer applied: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`,
        );
      }
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
      if (lagMax > 20) world.reach('partition-behind');
      if (audit.duplicates > 0) world.reach('redelivered');
    });

    return {
      metrics() {
        const records = load();
        const total = records.reduce((a, b) => a + b, 0);
        const hottest = records.reduce((a, b) => Math.max(a, b), 0);
        return {
          outOfOrder: audit.outOfOrder,
          keysOutOfOrder: audit.outOfOrderKeys.size,
          hottestPartitionShare: total === 0 ? 0 : hottest / total,
          loadImbalance: total === 0 ? 0 : hottest / (total / records.length),
          lagMaxRecords: lagMax,
          duplicates: audit.duplicates,
        };
      },
    };
  },
});

/** The workload's events, drawn up front: a Poisson stream, each event for the hot account with probability hotShare. */
function drawArrivals(rng: Stream, p: Params): Arrival[] {
  return poissonArrivals(rng, p.eventsPerSec / 1000, 0, p.workloadMs).map((atMs) => ({
    key: rng.next() < p.hotShare ? HOT : accountKey(rng.int(p.keys)),
    atMs,
  }));
}

/** Account keys, spelt once: the partitioner, the source's sequence numbers and the audit look every event's key up. */
const accountKey = numberedNames('acct-');
