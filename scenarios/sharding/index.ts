/**
 * Sharding: range vs hash (mod N) vs consistent hashing, while shards join and leave.
 *
 * An application writes and reads rows spread over shards, each a database node that serves
 * a fixed number of requests per second. Where a row lives is the strategy. Range placement
 * keeps ids in contiguous spans, so an auto-increment id sends every insert to the last
 * span: one shard takes the whole write load. Hashing spreads rows evenly, but mod N ties
 * every row's owner to the number of shards: add one and nearly every row moves. Consistent
 * hashing with virtual nodes spreads rows evenly and moves only the new shard's share.
 *
 * Resharding is live: the router switches placements at once, old owners copy the moved
 * rows over in throttled batches, and a read that gets ahead of its row pulls it from the
 * old owner, so no read misses a row while it moves.
 */
import { z } from 'zod';
import { defineScenario } from '../framework/scenario.ts';
import { type PlacementKind, type PlacementSpec, placementFromSpec, placementOf } from '../parts/sharding/placement.ts';
import type { ServiceQueue } from '../parts/storage/service-queue.ts';
import { KeyAuditor } from './key-auditor.ts';
import type { Row } from './messages.ts';
import { type RouterStats, router } from './router.ts';
import { rowsOf, shard } from './shard.ts';
import { drawRequests, preloadIds } from './workload.ts';

const params = z.object({
  shards: z.number().int().min(2).max(8).default(4).describe('shards serving at the start'),
  spares: z.number().int().min(0).max(3).default(1).describe('spare shards that an "add a shard" event can bring in'),
  vnodes: z.number().int().min(1).max(1024).default(128).describe('(consistent hashing) points per shard on the hash ring'),
  keys: z.enum(['sequential', 'uniform']).default('sequential').describe('ids of new rows: sequential (auto-increment) or uniform (random over a large space)'),
  preloadRows: z.number().int().min(0).max(100_000).default(2000).describe('rows stored before the run'),
  idSpace: z.number().int().min(1000).max(1_000_000_000).default(1_000_000).describe('(uniform ids) ids are drawn from 1 to this'),
  requestsPerSec: z.number().min(1).max(10_000).default(155).describe('requests per second from the application (Poisson), in 1/s'),
  insertShare: z.number().min(0).max(1).default(0.75).describe('share of requests that insert a new row (the rest read an existing one)'),
  workloadMs: z.number().min(500).max(120_000).default(2000).describe('the application sends requests for this long, in ms'),
  serviceMs: z.number().min(0.1).max(1000).default(10).describe('time a shard spends on one request (its capacity is 1000/serviceMs per second), in ms'),
  pullServiceMs: z.number().min(0).max(1000).default(2).describe('time an old owner spends handing one row to a new owner that asked for it, in ms'),
  copyMsPerKey: z.number().min(0).max(100).default(0.1).describe('time a shard spends copying one row out or in during a migration, in ms'),
  batchKeys: z.number().int().min(1).max(10_000).default(25).describe('rows per migration batch'),
  batchMs: z.number().min(1).max(10_000).default(40).describe('an old owner sends one migration batch this often (the throttle), in ms'),
  backlogMax: z.number().int().min(1).max(100_000).default(20).describe('a shard with more requests queued than this is overloaded'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  settleMs: z.number().min(100).max(120_000).default(4000).describe('after the last fault, time allowed for every migration to finish, in ms'),
});
type Params = z.infer<typeof params>;

const SAMPLE_MS = 250;
const shardName = (i: number): string => `s${i + 1}`;
const allShards = (p: Params): string[] => Array.from({ length: p.shards + p.spares }, (_, i) => shardName(i));

export const sharding = defineScenario({
  id: 'sharding',
  title: 'Sharding: range, hash mod N and consistent hashing',
  family: 'data',
  question: 'Which placement spreads the load evenly, and what does each cost when a shard is added or removed?',
  summary:
    'An application inserts and reads rows spread over shards of fixed capacity. Range placement sends every sequential id to the last shard; hash mod N spreads evenly but moves almost every row when the number of shards changes; consistent hashing spreads evenly and moves only about 1/(n+1) of the rows. Add or remove a shard mid-run and watch each shard’s load, its queue and its rows move.',
  params,
  topology: (p: Params) => ({
    nodes: [{ name: 'router', role: 'router' }, ...allShards(p).map((name, i) => ({ name, role: i < p.shards ? 'shard' : 'spare shard' }))],
  }),
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  // FIFO links: a shard sees the router's requests and its "reshard" in the order they were sent.
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 }, fifo: true }),
  strategies: [
    {
      id: 'range',
      title: 'Range placement',
      explanation:
        'Each shard owns a contiguous span of ids. Range scans stay on one shard and a new shard takes half of the fullest span. But with auto-increment ids every new row has the largest id yet: all inserts land on the last span, and that one shard takes the whole write load while the others idle.',
      expectedViolations: ['no-overloaded-shard'],
    },
    {
      id: 'hash-mod-n',
      title: 'Hash mod N',
      explanation:
        'A row lives on shard hash(id) mod N. Sequential or not, rows and load spread evenly. The cost comes at resharding: N changes, so almost every row changes owner (adding one shard to n moves about n/(n+1) of them), and the cluster spends a long migration copying nearly all its data while reads chase rows to their old owners.',
      expectedViolations: [],
    },
    {
      id: 'consistent-hashing',
      title: 'Consistent hashing with virtual nodes',
      explanation:
        'Shards sit on a hash ring at many points each (virtual nodes); a row belongs to the next point clockwise from its hash. Load spreads about evenly (more virtual nodes, less spread), and adding one shard to n moves only about 1/(n+1) of the rows, all onto the new shard; removing one moves only its own.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'consistent-hashing',
  invariants: [
    {
      name: 'no-overloaded-shard',
      kind: 'safety',
      description: 'No shard is offered more work than it can serve: its queue never grows past the backlog limit.',
    },
    {
      name: 'reads-see-acknowledged-writes',
      kind: 'safety',
      description: 'Every read returns the newest acknowledged write of its row: no row goes missing or back in time while rows move between shards.',
    },
    {
      name: 'each-row-on-its-owner',
      kind: 'liveness',
      description: 'Once the faults heal, every migration finishes within the settle time: each row lives on exactly one shard, the one the placement names.',
    },
  ],
  goals: [
    { name: 'resharded', description: 'A resharding finished: rows moved to a new placement.' },
    { name: 'key-pulled', description: 'A read reached a row’s new owner before the row did, and pulled it from the old owner.' },
  ],
  metrics: [
    {
      name: 'loadMaxOverMean',
      unit: 'ratio',
      description: 'requests offered to the busiest shard over the mean of the shards offered any',
      better: 'lower',
    },
    { name: 'peakBacklog', unit: 'requests', description: 'longest queue any shard had', better: 'lower' },
    { name: 'latencyP50Ms', unit: 'ms', description: 'median request latency', better: 'lower' },
    { name: 'latencyP99Ms', unit: 'ms', description: '99th percentile request latency', better: 'lower' },
    { name: 'keysMovedFraction', unit: 'ratio', description: 'share of the stored rows that changed owner, over all reshardings', better: 'lower' },
    { name: 'keysMoved', unit: 'rows', description: 'rows that changed owner', better: 'lower' },
    { name: 'migrationMs', unit: 'ms', description: 'time spent migrating rows (all reshardings)', better: 'lower' },
    { name: 'pulls', unit: 'reads', description: 'reads that had to fetch their row from its previous owner', better: 'lower' },
    { name: 'failedRequests', unit: 'requests', description: 'requests that got no answer', better: 'lower' },
  ],
  charts: (p: Params) => [
    { id: 'load', title: 'Requests offered per shard', unit: '1/s', series: ['load.*'], limit: { value: 1000 / p.serviceMs, label: 'capacity of one shard' } },
    { id: 'backlog', title: 'Queue per shard', unit: 'requests', series: ['backlog.*'], limit: { value: p.backlogMax, label: 'overloaded' } },
    { id: 'rows', title: 'Rows stored per shard', unit: 'rows', series: ['rows.*'] },
  ],
  presets: [
    {
      id: 'add-shard',
      title: 'A shard is added',
      description: 'A spare shard joins a quarter of the way in; the rows it now owns move to it.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs / 4), kind: 'inject', name: 'add-shard', node: 'router' }],
    },
    {
      id: 'add-then-remove',
      title: 'A shard is added, then one removed',
      description: 'A spare shard joins a quarter of the way in; s2 leaves halfway through.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 4), kind: 'inject', name: 'add-shard', node: 'router' },
        { at: Math.round(p.workloadMs / 2), kind: 'inject', name: 'remove-shard', node: 'router', args: { shard: 's2' } },
      ],
    },
    { id: 'no-faults', title: 'No resharding', description: 'The shards stay as they are.', faults: () => [] },
  ],
  defaultPreset: 'add-shard',
  alarmStates: ['overloaded', 'migrating'],
  faultSpace: (p: Params) => ({
    windowMs: p.workloadMs,
    crashable: [],
    partitionable: [],
    kinds: [],
    injects: [
      { name: 'add-shard', description: 'a spare shard joins and takes over its share of the rows', nodes: ['router'] },
      {
        name: 'remove-shard',
        description: 'a shard leaves and hands its rows to the others (refused if the rest could not carry the load)',
        nodes: ['router'],
        args: { shard: { oneOf: allShards(p) } },
      },
    ],
    faultsMax: 2,
  }),
  build(world) {
    const { sim, params: p } = world;
    const kind = world.strategy as PlacementKind;
    const auditor = new KeyAuditor(world, sim);
    const rng = world.stream('workload');
    const requests = drawRequests(rng, p);
    const preload = preloadIds(rng, p.keys, p.preloadRows, p.idSpace);
    const names = allShards(p);
    const initial = placementOf(kind, names.slice(0, p.shards), {
      lo: 1,
      hi: p.keys === 'sequential' ? p.preloadRows + 1 : p.idSpace,
      vnodes: p.vnodes,
    });
    const ids = new Map(names.map((name, i) => [name, 1 + i]));
    const stats: RouterStats = { latencyMs: [], failed: 0 };
    const queues = new Map<string, ServiceQueue<unknown>>();
    const offered = new Map<string, number>();

    sim.addNode(
      'router',
      router({
        requests,
        pattern: p.keys,
        idSpace: p.idSpace,
        preload,
        initial,
        shards: ids,
        minShards: p.shards - 1,
        requestTimeoutMs: 5000,
        auditor,
        stats,
      }),
    );
    for (const name of names) {
      sim.addNode(
        name,
        shard({
          router: 0,
          serviceMs: p.serviceMs,
          pullServiceMs: p.pullServiceMs,
          copyMsPerKey: p.copyMsPerKey,
          batchKeys: p.batchKeys,
          batchMs: p.batchMs,
          backlogMax: p.backlogMax,
          auditor,
          offered,
          expose: (queue) => queues.set(name, queue),
        }),
      );
    }
    // The rows stored before the run, on their owners' disks.
    const initialRows = new Map<string, Map<number, Row>>(initial.shards.map((name) => [name, new Map()]));
    const preloaded: Row = { value: 'v0', version: 0 };
    for (const id of preload) initialRows.get(initial.ownerOf(id))!.set(id, preloaded);
    for (const [name, rows] of initialRows) sim.durable(ids.get(name)!).set('rows', rows);

    // Charts: requests offered to each shard, its queue, its rows.
    let peakBacklog = 0;
    const offeredBefore = new Map<string, number>();
    sim.every(
      SAMPLE_MS,
      () => {
        for (const name of names) {
          const q = queues.get(name);
          const count = offered.get(name) ?? 0;
          const backlog = q === undefined || sim.status(ids.get(name)!) === 'down' ? 0 : q.backlog;
          peakBacklog = Math.max(peakBacklog, backlog);
          sim.metrics.sample(`load.${name}`, ((count - (offeredBefore.get(name) ?? 0)) * 1000) / SAMPLE_MS);
          offeredBefore.set(name, count);
          sim.metrics.sample(`backlog.${name}`, backlog);
          sim.metrics.sample(`rows.${name}`, rowsOf(sim.durable(ids.get(name)!)).size);
        }
        return undefined;
      },
      0,
      world.endMs,
    );

    world.atEnd(() => {
      const spec = sim.durable(0).get<PlacementSpec>('placement');
      const placement = spec === undefined ? initial : placementFromSpec(spec);
      const where = new Map<number, string[]>();
      for (const name of names) for (const key of rowsOf(sim.durable(ids.get(name)!)).keys()) where.set(key, [...(where.get(key) ?? []), name]);
      const misplaced: string[] = [];
      for (const [key, holders] of where) {
        const owner = placement.ownerOf(key);
        if (holders.length !== 1 || holders[0] !== owner) misplaced.push(`row ${key} on ${holders.join(' and ')} (owner ${owner})`);
      }
      if (misplaced.length > 0) {
        world.violate(
          'each-row-on-its-owner',
          `${world.endMs - world.healAtMs} ms after the last fault, ${misplaced.length} row(s) are not (only) on their owner: ${misplaced.slice(0, 3).join('; ')}${misplaced.length > 3 ? '; ...' : ''}`,
        );
      }
    });

    return {
      metrics() {
        const loads = [...offered.values()].filter((n) => n > 0);
        const mean = loads.reduce((a, n) => a + n, 0) / Math.max(1, loads.length);
        const latency = [...stats.latencyMs].sort((a, b) => a - b);
        const pct = (q: number): number => (latency.length === 0 ? 0 : latency[Math.max(0, Math.ceil((q / 100) * latency.length) - 1)]!);
        const stored = auditor.reshards.reduce((a, r) => a + r.keysStored, 0);
        const moved = auditor.reshards.reduce((a, r) => a + r.keysMoved, 0);
        return {
          loadMaxOverMean: mean === 0 ? 0 : Math.max(...loads) / mean,
          peakBacklog,
          latencyP50Ms: pct(50),
          latencyP99Ms: pct(99),
          keysMovedFraction: stored === 0 ? 0 : moved / stored,
          keysMoved: moved,
          migrationMs: auditor.reshards.reduce((a, r) => a + ((r.finishedAt ?? sim.now) - r.startedAt), 0),
          pulls: auditor.pulls,
          failedRequests: stats.failed,
        };
      },
    };
  },
});
