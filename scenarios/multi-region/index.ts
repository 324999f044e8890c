/**
 * Multi-region: two regions, a global load balancer in front, and the question every
 * multi-region design answers: when a region goes dark or the ocean link is cut, which
 * writes that users were told were saved survive?
 *
 * Active-passive keeps one writer (no conflicts) and fails over to the standby; with
 * asynchronous replication the newest acknowledged writes die with the old primary, with
 * synchronous replication none do, but every write pays a cross-region round trip and waits
 * while the standby is unreachable. Active-active lets both regions write locally (fast,
 * available) and reconciles concurrent changes: last-writer-wins silently drops one side,
 * a merge type (CRDT) keeps both.
 */
import { z } from 'zod';
import { percentile } from '../../engine/index.ts';
import { defineScenario } from '../framework/scenario.ts';
import type { LwwRegister } from '../parts/replication/lww-register.ts';
import { elementsOf, type OrSetState } from '../parts/replication/or-set.ts';
import { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { ReplicationLog } from '../parts/replication/replication-log.ts';
import { activeDatabase, REGISTERS, SETS, streamLog } from './active-database.ts';
import { ChangeHistory } from './change-history.ts';
import type { PassiveOp } from './messages.ts';
import { LISTS, PASSIVE_LOG, passiveDatabase, type StoredList } from './passive-database.ts';
import { trafficDirector } from './traffic-director.ts';
import { type UsersStats, users } from './users.ts';
import { crossRegionLinks } from './wan.ts';
import { drawAdds } from './workload.ts';
import { WriteLedger } from './write-ledger.ts';

const params = z.object({
  addsPerSec: z.number().min(0.1).max(200).default(4).describe('adds per second from the users of each region (Poisson), in 1/s'),
  lists: z.number().int().min(2).max(1000).default(24).describe('shared lists the users of both regions add items to'),
  homeShare: z
    .number()
    .min(0)
    .max(1)
    .default(0.8)
    .describe('share of a region’s adds that go to lists mostly edited in that region (the rest go to the other region’s lists)'),
  removeShare: z.number().min(0).max(1).default(0.3).describe('share of the added items their users remove again, once the add is acknowledged'),
  removeAfterMeanMs: z.number().min(1).max(60_000).default(300).describe('how long after its add is acknowledged an item is removed, on average, in ms'),
  workloadMs: z.number().min(500).max(120_000).default(3000).describe('the users work for this long, in ms'),
  crossRegionMs: z.number().min(1).max(500).default(40).describe('mean one-way latency between the regions, in ms'),
  localMs: z.number().min(0).max(50).default(1).describe('mean one-way latency inside a region (above a 0.5 ms floor), in ms'),
  healthCheckMs: z.number().min(10).max(10_000).default(100).describe('the global load balancer checks every region this often, in ms'),
  failAfter: z.number().int().min(1).max(20).default(3).describe('missed health checks in a row before a region is marked down'),
  recoverAfter: z.number().int().min(1).max(20).default(2).describe('answered health checks in a row before a region is marked up again'),
  attemptTimeoutMs: z.number().min(10).max(10_000).default(400).describe('a write not answered by then is retried (after asking for a fresh route), in ms'),
  giveUpMs: z.number().min(10).max(60_000).default(2500).describe('users give up on a write after trying for this long, in ms'),
  applyMedianMs: z.number().min(0.1).max(1000).default(2).describe('median time a region takes to apply a replicated write after it arrives, in ms'),
  clockSkewMs: z.number().min(-1000).max(1000).default(0).describe('(last-writer-wins) how far eu’s clock runs ahead of us’s, in ms'),
  settleMs: z.number().min(100).max(120_000).default(3000).describe('after the last fault heals, time allowed for the regions to converge, in ms'),
});
type Params = z.infer<typeof params>;

const REGIONS = ['us', 'eu'] as const;
type Strategy = 'active-passive-async' | 'active-passive-sync' | 'active-active-lww' | 'active-active-crdt';
const dbName = (region: string): string => `db-${region}`;
const usersName = (region: string): string => `users-${region}`;

export const multiRegion = defineScenario({
  id: 'multi-region',
  title: 'Multi-region: failover, conflicts and lost writes',
  family: 'data',
  question:
    'Two regions behind a global load balancer: when a region goes dark or the link between them is cut, which acknowledged writes survive, how long are users unable to write, and what does each choice cost in latency?',
  summary:
    'Users in the US and in Europe add items to shared lists. Active-passive sends every write to one primary region and fails over to the standby; active-active lets each region write locally and replicate to the other. Crash a region or cut the ocean link and count the acknowledged writes that are lost (RPO), how long writes kept failing (RTO), the concurrent changes and the writes last-writer-wins drops without a word, and what a write costs when it has to cross the ocean.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.localMs, minMs: 0.5 } }),
  strategies: [
    {
      id: 'active-passive-async',
      title: 'Active-passive, asynchronous replication',
      explanation:
        'All writes go to the primary region (us), which acknowledges a write as soon as it is on its own disk and ships it to the standby (eu) in the background. Writes from Europe cross the ocean once. When us goes dark, the balancer promotes eu after a few missed health checks: writes resume quickly, but those us acknowledged and had not shipped yet are gone: when us returns it must throw them away to follow eu.',
      expectedViolations: ['no-acknowledged-write-lost', 'removes-honoured', 'linearizable-items'],
    },
    {
      id: 'active-passive-sync',
      title: 'Active-passive, synchronous replication',
      explanation:
        'As above, but the primary acknowledges a write only once the standby has it on disk too: every write pays a round trip across the ocean, and while the standby is unreachable no write can be acknowledged at all. In exchange a failover never loses an acknowledged write, and an old primary cut off from the new one cannot acknowledge anything alone.',
      expectedViolations: [],
    },
    {
      id: 'active-active-lww',
      title: 'Active-active, last writer wins',
      explanation:
        'Each region takes its own users’ writes locally (fast, and still available when the other region is unreachable) and ships them to the other. A list changed in both regions before they saw each other’s change is resolved by timestamp: the later version replaces the earlier one whole. Both users were told "saved"; one of them loses the item, silently. A partition widens the window from a few tens of milliseconds to its whole length.',
      expectedViolations: ['no-acknowledged-write-lost', 'removes-honoured'],
    },
    {
      id: 'active-active-crdt',
      title: 'Active-active, merge type (CRDT)',
      explanation:
        'Each region writes locally and ships its changes, and every list is an observed-remove set: concurrent adds from both regions merge and all are kept, in whatever order they arrive. Local latency and availability through a partition, no lost write; the price is data that must be designed as a merge type.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'active-passive-async',
  invariants: [
    {
      name: 'no-acknowledged-write-lost',
      kind: 'safety',
      description:
        'Every item a user was told was added is in the data once the system has settled, unless its user went on to remove it (for active-passive, in the primary’s data; for active-active, in a region’s).',
    },
    {
      name: 'removes-honoured',
      kind: 'safety',
      description:
        'Every item a user was told was removed stays removed once the system has settled: no lost removal, and no late copy of the add bringing it back.',
    },
    {
      name: 'linearizable-items',
      kind: 'safety',
      description:
        'Judged by the generic linearizability checker (kv: one register per item, added or removed) on the recorded history of the users’ changes and a final read of every item from the primary’s data once the system has settled, independently of the two invariants above: what the users were told is what the data ends with, unless a change they gave up on may explain it.',
      appliesTo: ['active-passive-async', 'active-passive-sync'],
      history: { model: 'kv' },
    },
    {
      name: 'regions-converge',
      kind: 'liveness',
      description: 'Once the faults heal, both regions hold the same lists within the settle time.',
    },
  ],
  goals: [
    { name: 'region-marked-down', description: 'The global load balancer marked a region down.' },
    { name: 'writes-recovered', description: 'Some users’ writes kept failing for a while and then were acknowledged again.' },
    { name: 'removal-acknowledged', description: 'A user was told an item was removed.' },
  ],
  metrics: [
    {
      name: 'rpoWrites',
      unit: 'writes',
      description: 'acknowledged writes missing from the data at the end (the recovery point, counted in writes)',
      better: 'lower',
    },
    {
      name: 'silentlyLostWrites',
      unit: 'writes',
      description: 'acknowledged writes lost without any failover to explain it (dropped by a merge)',
      better: 'lower',
    },
    {
      name: 'rtoMs',
      unit: 'ms',
      description: 'longest spell during which some region’s users could not get a write acknowledged (the recovery time)',
      better: 'lower',
    },
    {
      name: 'conflicts',
      unit: 'writes',
      description: 'writes made in one region without having seen a concurrent write to the same list from the other',
      better: 'neither',
    },
    { name: 'writeLatencyP50Ms', unit: 'ms', description: 'median time from a user’s add to its acknowledgement, retries included', better: 'lower' },
    { name: 'writeLatencyP99Ms', unit: 'ms', description: '99th percentile time from a user’s add to its acknowledgement, retries included', better: 'lower' },
    { name: 'crossRegionWriteShare', unit: 'ratio', description: 'share of acknowledged writes served by the region across the ocean', better: 'lower' },
    { name: 'failedWrites', unit: 'writes', description: 'adds the users gave up on', better: 'lower' },
    { name: 'failovers', unit: 'failovers', description: 'times the balancer failed over', better: 'neither' },
  ],
  presets: [
    {
      id: 'region-outage',
      title: 'The us region goes dark',
      description: 'db-us crashes right after acknowledging a write it has not shipped yet, a third of the way in, and comes back 1,500 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 3), kind: 'crash', node: 'db-us', when: 'write-acked' },
        { at: Math.round(p.workloadMs / 3) + 1500, kind: 'restart', node: 'db-us' },
      ],
    },
    {
      id: 'ocean-cut',
      title: 'The link between the regions is cut',
      description: 'us (its database and its users) is cut off from eu and from the balancer for 1,500 ms, then the link heals.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 3), kind: 'partition', groups: [['db-us', 'users-us']] },
        { at: Math.round(p.workloadMs / 3) + 1500, kind: 'heal' },
      ],
    },
    { id: 'no-faults', title: 'No faults', description: 'Both regions up and connected the whole time.', faults: () => [] },
  ],
  defaultPreset: 'region-outage',
  alarmStates: ['region-down', 'failover'],
  faultSpace: (p: Params) => ({ windowMs: p.workloadMs, faultsMax: 3 }),
  build(world) {
    const { params: p } = world;
    const strategy = world.strategy as Strategy;
    const passive = strategy.startsWith('active-passive');
    const ledger = new WriteLedger(world);
    const history = ChangeHistory.of(world.history, () => world.now);
    const rng = world.stream('workload');
    const adds = REGIONS.map((r, i) =>
      drawAdds(rng, r, {
        addsPerSec: p.addsPerSec,
        lists: p.lists,
        homeShare: p.homeShare,
        removeShare: p.removeShare,
        removeAfterMeanMs: p.removeAfterMeanMs,
        workloadMs: p.workloadMs,
        regionIndex: i,
        regions: REGIONS.length,
      }),
    );
    const lag = new ReplicationLag({ delay: { kind: 'lognormal', medianMs: p.applyMedianMs, sigma: 0.5 }, spikeRate: 0, spike: { kind: 'constant', ms: 0 } });
    const stats: UsersStats[] = REGIONS.map(() => ({
      latencyMs: [],
      latestLatencyMs: null,
      outagesMs: [],
      failingSince: null,
      acked: 0,
      failed: 0,
      remote: 0,
    }));

    world.node(
      'glb',
      { role: 'global load balancer' },
      trafficDirector({
        policy: passive ? 'active-passive' : 'active-active',
        regions: REGIONS.map((name) => ({ name, node: dbName(name) })),
        clients: REGIONS.map((home) => ({ node: usersName(home), home })),
        healthCheckMs: p.healthCheckMs,
        failAfter: p.failAfter,
        recoverAfter: p.recoverAfter,
        ledger,
      }),
    );
    REGIONS.forEach((region, i) => {
      world.node(
        usersName(region),
        { role: 'users', spare: { crash: 'the users are the workload: the changes they make are what the databases must keep, not a server that can fail' } },
        users(
          adds[i]!,
          {
            region,
            glb: 'glb',
            home: passive ? dbName('us') : dbName(region),
            attemptTimeoutMs: p.attemptTimeoutMs,
            retryMs: 50,
            giveUpMs: p.giveUpMs,
            workloadTime: () => world.now,
            workloadMs: p.workloadMs,
            history,
          },
          ledger,
          stats[i]!,
        ),
      );
    });
    REGIONS.forEach((region, i) => {
      const common = { region, peer: dbName(REGIONS[1 - i]!), lag, resendMs: 200, ledger };
      world.node(
        dbName(region),
        { role: 'regional database', crashPoints: ['write-acked'] },
        passive
          ? passiveDatabase(
              Object.assign({}, common, {
                mode: strategy === 'active-passive-sync' ? ('sync' as const) : ('async' as const),
                initialRole: i === 0 ? ('primary' as const) : ('standby' as const),
              }),
            )
          : activeDatabase(
              Object.assign({}, common, {
                peerRegion: REGIONS[1 - i]!,
                merge: strategy === 'active-active-lww' ? ('lww' as const) : ('crdt' as const),
                clockOffsetMs: i === 1 ? p.clockSkewMs : 0,
              }),
            ),
      );
    });
    crossRegionLinks(
      world,
      [
        [usersName('us'), dbName('eu')],
        [usersName('eu'), dbName('us')],
        [dbName('us'), dbName('eu')],
      ],
      { kind: 'normal', meanMs: p.crossRegionMs, sdMs: p.crossRegionMs / 10, minMs: p.crossRegionMs * 0.8 },
    );

    const activeRegion = (): number => Math.max(0, REGIONS.indexOf(world.disk('glb').get<string>('glb:active') as (typeof REGIONS)[number]));
    /** How far region i is behind on the writes it replicates in, in ms (the active primary replicates nothing in). */
    const lagInto = (i: number): number => {
      if (passive && activeRegion() === i) return 0;
      const name = passive ? PASSIVE_LOG : streamLog(REGIONS[1 - i]!);
      const source = new ReplicationLog<unknown>(world.disk(dbName(REGIONS[1 - i]!)), name);
      const next = source.entry(ReplicationLog.appliedLsnOn(world.disk(dbName(REGIONS[i]!)), name) + 1);
      return next === undefined ? 0 : Math.max(0, world.now - next.atMs);
    };
    /** Region i's lists, each as its sorted items. */
    const listsOf = (i: number): Map<string, string[]> => {
      const disk = world.disk(dbName(REGIONS[i]!));
      const out = new Map<string, string[]>();
      if (passive) {
        for (const [k, list] of disk.map<StoredList>(LISTS)) out.set(k, [...list.items].sort());
        return out;
      }
      for (const [k, r] of disk.map<LwwRegister<string[]>>(REGISTERS)) out.set(k, [...r.value].sort());
      for (const [k, s] of disk.map<OrSetState>(SETS)) out.set(k, elementsOf(s));
      return out;
    };
    /** Each region's lists as the run ends (read only once it has ended: by the end checks and the metrics), each read once. */
    const endLists: Map<string, string[]>[] = [];
    const listsAtEnd = (i: number): Map<string, string[]> => {
      endLists[i] ??= listsOf(i);
      return endLists[i];
    };
    /** The items the data that counts holds, by list: the active region's (active-passive), or either region's. Read once, as the run ends. */
    let present: Map<string, Set<string>> | null = null;
    const holds = (key: string, item: string): boolean => {
      if (present === null) {
        present = new Map();
        const regions = passive ? [activeRegion()] : [0, 1];
        for (const i of regions) {
          for (const [k, items] of listsAtEnd(i)) {
            let held = present.get(k);
            if (held === undefined) present.set(k, (held = new Set()));
            for (const it of items) held.add(it);
          }
        }
      }
      return present.get(key)?.has(item) === true;
    };

    world.chart({
      id: 'latency',
      title: 'Write latency per region’s users',
      unit: 'ms',
      everyMs: 20,
      series: Object.fromEntries(
        REGIONS.map((region, i) => [
          `latency.${region}`,
          () => {
            const v = stats[i]!.latestLatencyMs;
            stats[i]!.latestLatencyMs = null;
            return v;
          },
        ]),
      ),
      limit: { value: 2 * p.crossRegionMs, label: 'one cross-region round trip' },
    });
    world.chart({
      id: 'replication',
      title: 'Replication lag into each region',
      unit: 'ms',
      everyMs: 100,
      series: Object.fromEntries(REGIONS.map((region, i) => [`lag.${region}`, () => lagInto(i)])),
    });
    world.chart({
      id: 'acks',
      title: 'Writes acknowledged (cumulative)',
      unit: 'writes',
      everyMs: 100,
      series: Object.fromEntries(REGIONS.map((region, i) => [`acked.${region}`, () => stats[i]!.acked])),
    });

    world.atEnd(() => {
      // Jepsen's final read, in the history only (active-active has no single copy that counts; its history holds the changes alone).
      if (passive && history !== null) {
        const active = world.disk(dbName(REGIONS[activeRegion()]!));
        history.end(active.map<StoredList>(LISTS).values(), new ReplicationLog<PassiveOp>(active, PASSIVE_LOG));
      }
      if (ledger.regionsMarkedDown > 0) world.reach('region-marked-down');
      if (stats.some((s) => s.outagesMs.length > 0)) world.reach('writes-recovered');
      if (ledger.removals.size > 0) world.reach('removal-acknowledged');
      const show = (list: { item: string; key: string; region: string; atMs: number }[]): string =>
        `${list
          .slice(0, 3)
          .map((a) => `${a.item} (${a.key}, via ${a.region} at ${Math.round(a.atMs).toLocaleString('en-US')} ms)`)
          .join('; ')}${list.length > 3 ? '; ...' : ''}`;
      // Judged at the end, caused by the acknowledgements: point at them, keyed by the item (what the log's notes name).
      const witnesses = (list: { item: string; key: string; user: string; region: string; atMs: number }[], what: string) =>
        list.slice(0, 3).map((a) => ({ t: a.atMs, node: a.user, key: a.item, what: `${a.item} ${what} to the users in ${a.region} (${a.key})` }));
      const lost = ledger.lost(holds);
      if (lost.length > 0) {
        world.violate(
          'no-acknowledged-write-lost',
          `${lost.length} add${lost.length === 1 ? ' was' : 's were'} acknowledged and ${lost.length === 1 ? 'is' : 'are'} gone: ${show(lost)}`,
          {
            witnesses: witnesses(lost, 'acknowledged as added'),
          },
        );
      }
      const back = ledger.resurrected(holds);
      if (back.length > 0) {
        world.violate(
          'removes-honoured',
          `${back.length} item${back.length === 1 ? ' was' : 's were'} acknowledged as removed and ${back.length === 1 ? 'is' : 'are'} back: ${show(back)}`,
          {
            witnesses: witnesses(back, 'acknowledged as removed'),
          },
        );
      }
      const a = listsAtEnd(0);
      const b = listsAtEnd(1);
      const same = (x: readonly string[] = [], y: readonly string[] = []): boolean => x.length === y.length && x.every((it, j) => it === y[j]);
      // Only the lists that differ are sorted (for the message): a list missing on one side is compared with an empty one.
      const differ = [...a.keys()].filter((k) => !same(a.get(k), b.get(k)));
      for (const k of b.keys()) if (!a.has(k) && !same(undefined, b.get(k))) differ.push(k);
      differ.sort();
      if (differ.length > 0) {
        world.violate('regions-converge', `${world.endMs - world.healAtMs} ms after every fault healed, us and eu still disagree on ${differ.join(', ')}`);
      }
    });

    return {
      metrics() {
        const lost = ledger.lost(holds);
        const latency = stats.flatMap((s) => s.latencyMs);
        const outages = stats.flatMap((s) => [...s.outagesMs, ...(s.failingSince === null ? [] : [world.now - s.failingSince])]);
        const acked = stats.reduce((n, s) => n + s.acked, 0);
        return {
          rpoWrites: lost.length,
          silentlyLostWrites: lost.filter((x) => !ledger.wasRolledBack(x.item)).length,
          rtoMs: outages.reduce((m, x) => Math.max(m, x), 0),
          conflicts: ledger.conflicts,
          writeLatencyP50Ms: percentile(latency, 50),
          writeLatencyP99Ms: percentile(latency, 99),
          crossRegionWriteShare: acked === 0 ? 0 : stats.reduce((n, s) => n + s.remote, 0) / acked,
          failedWrites: stats.reduce((n, s) => n + s.failed, 0),
          failovers: ledger.failovers.length,
        };
      },
    };
  },
});
