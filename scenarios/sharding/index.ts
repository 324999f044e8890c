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
 * old owner, so no read misses a row while it moves. The application keeps inserting,
 * updating, deleting and reading rows meanwhile; a migration keeps the newest version of
 * every row. The router and every shard may crash: the placement and each shard's plan are
 * forced to disk before anyone acts on them, and a migration resumes where it stopped.
 */
import { z } from 'zod';
import { percentile } from '../../engine/index.ts';
import { defineScenario } from '../framework/scenario.ts';
import { type Placement, type PlacementKind, placementFromSpec, placementOf } from '../parts/sharding/placement.ts';
import type { ServiceQueue } from '../parts/storage/service-queue.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import { KeyAuditor } from './key-auditor.ts';
import type { Row } from './messages.ts';
import { PLACEMENT, type PlacementRecord, router } from './router.ts';
import { shard } from './shard.ts';
import { rowKey, ShardTable } from './shard-table.ts';
import { Directory, drawRequests, preloadIds } from './workload.ts';

const params = z.object({
  shards: z.number().int().min(2).max(64).default(4).describe('shards serving at the start'),
  spares: z.number().int().min(0).max(8).default(1).describe('spare shards that an "add a shard" event can bring in'),
  vnodes: z.number().int().min(1).max(1024).default(128).describe('(consistent hashing) points per shard on the hash ring'),
  keys: z.enum(['sequential', 'uniform']).default('sequential').describe('ids of new rows: sequential (auto-increment) or uniform (random over a large space)'),
  preloadRows: z.number().int().min(0).max(100_000).default(2000).describe('rows stored before the run'),
  idSpace: z.number().int().min(1000).max(1_000_000_000).default(1_000_000).describe('(uniform ids) ids are drawn from 1 to this'),
  requestsPerSec: z.number().min(1).max(10_000).default(155).describe('requests per second from the application (Poisson), in 1/s'),
  insertShare: z.number().min(0).max(1).default(0.6).describe('share of requests that insert a new row'),
  updateShare: z.number().min(0).max(1).default(0.15).describe('share of requests that update an existing row (the rest after deletes read one)'),
  deleteShare: z.number().min(0).max(1).default(0.05).describe('share of requests that delete an existing row'),
  readBackShare: z.number().min(0).max(1).default(0.2).describe('share of writes the application reads back once they are acknowledged'),
  readBackMeanMs: z.number().min(0).max(10_000).default(50).describe('how long after its acknowledgement a write is read back, on average, in ms'),
  workloadMs: z.number().min(500).max(120_000).default(2000).describe('the application sends requests for this long, in ms'),
  serviceMs: z.number().min(0.1).max(1000).default(10).describe('time a shard spends on one request (its capacity is 1000/serviceMs per second), in ms'),
  pullServiceMs: z.number().min(0).max(1000).default(2).describe('time an old owner spends handing one row to a new owner that asked for it, in ms'),
  copyMsPerKey: z.number().min(0).max(100).default(0.1).describe('time a shard spends copying one row out or in during a migration, in ms'),
  batchKeys: z.number().int().min(1).max(10_000).default(25).describe('rows per migration batch'),
  batchMs: z.number().min(1).max(10_000).default(100).describe('an old owner sends one migration batch this often (the throttle), in ms'),
  batchResendMs: z.number().min(1).max(10_000).default(200).describe('a migration batch not acknowledged for this long is sent again, in ms'),
  backlogMax: z.number().int().min(1).max(100_000).default(20).describe('a shard offered more requests than would fit in a queue this long is overloaded'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  settleMs: z.number().min(100).max(120_000).default(4000).describe('after the last fault, time allowed for every migration to finish, in ms'),
});
type Params = z.infer<typeof params>;

/** Shard i's name, `s<i+1>`, spelt once per process (names key the maps a run looks shards up in). */
const shardNumber = numberedNames('s');
const allShards = (p: Params): string[] => {
  const names: string[] = [];
  for (let i = 0; i < p.shards + p.spares; i++) names.push(shardNumber(i + 1));
  return names;
};
/** A row as loaded before the run (one shared value: rows are never edited in place). */
const LOADED: Row = { version: 0 };

/** The end check's count of the tables that wrote a row: ANOTHER_WRITER per table, plus the first one's index (tables are fewer). */
const ANOTHER_WRITER = 256;
const NONE_WROTE = 0;
const wroteBy = (table: number): number => ANOTHER_WRITER + table;

/** The rows loaded before the run: each shard's base snapshot, and the shard each row was loaded on. */
interface Loaded {
  byShard: Map<string, Map<string, Row>>;
  ownerOf: Map<string, string>;
  /** Shared by every run at the same parameters (sequential ids), so what is derived from it can be remembered. */
  shared: boolean;
}

/**
 * The rows loaded before the run, placed on their first owners. Sequential ids are the same in
 * every run at the same parameters, so their placement is computed once and the snapshots are
 * shared (they are never changed): a check runs thousands of times.
 */
const loadedCache = new Map<string, Loaded>();
function loadedRows(p: Params, kind: PlacementKind, initial: Placement, preload: readonly number[]): Loaded {
  const cacheKey = p.keys === 'sequential' ? `${kind}|${p.vnodes}|${p.shards}|${p.spares}|${p.preloadRows}` : null;
  const known = cacheKey === null ? undefined : loadedCache.get(cacheKey);
  if (known !== undefined) return known;
  const loaded: Loaded = { byShard: new Map(allShards(p).map((name) => [name, new Map()])), ownerOf: new Map(), shared: cacheKey !== null };
  for (const id of preload) {
    const owner = initial.ownerOf(id);
    loaded.byShard.get(owner)!.set(rowKey(id), LOADED);
    loaded.ownerOf.set(rowKey(id), owner);
  }
  if (cacheKey !== null) {
    if (loadedCache.size > 64) loadedCache.clear();
    loadedCache.set(cacheKey, loaded);
  }
  return loaded;
}

/**
 * Per shard, the rows loaded there that `placement` gives another owner, in load order. A pure
 * function of the loaded rows and the placement, so it is remembered per shared snapshot and
 * placement (a check ends thousands of runs on the same few placements).
 */
const awayCache = new WeakMap<Loaded, Map<string, string[][]>>();
function loadedAwayFrom(loaded: Loaded, names: readonly string[], placement: Placement): string[][] {
  const compute = (): string[][] =>
    names.map((name) => {
      const away: string[] = [];
      for (const k of loaded.byShard.get(name)!.keys()) if (placement.ownerOf(Number(k)) !== name) away.push(k);
      return away;
    });
  // Only shared snapshots (sequential ids) are worth remembering; a run's own snapshot is used once.
  if (!loaded.shared) return compute();
  let byPlacement = awayCache.get(loaded);
  if (byPlacement === undefined) {
    byPlacement = new Map();
    awayCache.set(loaded, byPlacement);
  }
  const key = JSON.stringify(placement.spec());
  let away = byPlacement.get(key);
  if (away === undefined) {
    away = compute();
    if (byPlacement.size < 64) byPlacement.set(key, away);
  }
  return away;
}

export const sharding = defineScenario({
  id: 'sharding',
  title: 'Sharding: range, hash mod N and consistent hashing',
  family: 'data',
  question: 'Which placement spreads the load evenly, and what does each cost when a shard is added or removed?',
  summary:
    'An application inserts and reads rows spread over shards of fixed capacity. Range placement sends every sequential id to the last shard; hash mod N spreads evenly but moves almost every row when the number of shards changes; consistent hashing spreads evenly and moves only about 1/(n+1) of the rows. Add or remove a shard mid-run and watch each shard’s load, its queue and its rows move.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 } }),
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
      description:
        'No shard is offered more work than it can serve: the requests the placement sends it, at the moments the application made them, would never queue past the backlog limit on a shard running at its nominal speed.',
    },
    {
      name: 'reads-see-acknowledged-writes',
      kind: 'safety',
      description:
        'Every read returns the newest acknowledged write of its row, or a later one: no row goes missing, comes back after its deletion, or goes back in time while rows move between shards.',
    },
    {
      name: 'no-acknowledged-write-lost',
      kind: 'safety',
      description:
        'When the run ends, every row still holds its newest acknowledged write on some shard’s disk: no crash lost it and no migration replaced it with an older copy.',
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
    { name: 'peakBacklog', unit: 'requests', description: 'longest queue the load offered would build on any shard at its nominal speed', better: 'lower' },
    { name: 'latencyP50Ms', unit: 'ms', description: 'median request latency', better: 'lower' },
    { name: 'latencyP99Ms', unit: 'ms', description: '99th percentile request latency', better: 'lower' },
    { name: 'keysMovedFraction', unit: 'ratio', description: 'share of the stored rows that changed owner, over all reshardings', better: 'lower' },
    { name: 'keysMoved', unit: 'rows', description: 'rows that changed owner', better: 'lower' },
    { name: 'migrationMs', unit: 'ms', description: 'time spent migrating rows (all reshardings)', better: 'lower' },
    { name: 'pulls', unit: 'reads', description: 'reads that had to fetch their row from its previous owner', better: 'lower' },
    { name: 'failedRequests', unit: 'requests', description: 'requests that got no answer', better: 'lower' },
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
      description: 'A spare shard joins early (at a tenth of the workload); s2 leaves once that migration is over, at the end of the workload.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 10), kind: 'inject', name: 'add-shard', node: 'router' },
        { at: p.workloadMs, kind: 'inject', name: 'remove-shard', node: 'router', args: { shard: 's2' } },
      ],
    },
    {
      id: 'shard-crash',
      title: 'A shard is added, and an old owner crashes mid-migration',
      description:
        'A spare shard joins a quarter of the way in; s1 crashes 150 ms later, in the middle of handing over its rows, and restarts 400 ms after that: it reads its plan back from its disk and finishes the handover.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 4), kind: 'inject', name: 'add-shard', node: 'router' },
        { at: Math.round(p.workloadMs / 4) + 150, kind: 'crash', node: 's1' },
        { at: Math.round(p.workloadMs / 4) + 550, kind: 'restart', node: 's1' },
      ],
    },
    { id: 'no-faults', title: 'No resharding', description: 'The shards stay as they are.', faults: () => [] },
  ],
  defaultPreset: 'add-shard',
  alarmStates: ['overloaded', 'migrating'],
  faultSpace: (p: Params) => ({
    windowMs: p.workloadMs,
    // Room for a resharding and the crashes around it in one plan (a crash mid-migration needs both).
    faultsMax: 6,
    injects: [
      { name: 'add-shard', description: 'a spare shard joins and takes over its share of the rows', nodes: ['router'] },
      {
        name: 'remove-shard',
        description: 'a shard leaves and hands its rows to the others (refused if the rest could not carry the load)',
        nodes: ['router'],
        args: { shard: { oneOf: allShards(p) } },
      },
    ],
  }),
  build(world) {
    const { params: p } = world;
    const kind = world.strategy as PlacementKind;
    const names = allShards(p);
    const auditor = new KeyAuditor(world, names, p.serviceMs, p.backlogMax);
    const rng = world.stream('workload');
    const requests = drawRequests(rng, p);
    const preload = preloadIds(rng, p.keys, p.preloadRows, p.idSpace);
    const directory = new Directory(preload, p.keys, p.idSpace);
    const initial = placementOf(kind, names.slice(0, p.shards), { lo: 1, hi: p.keys === 'sequential' ? p.preloadRows + 1 : p.idSpace, vnodes: p.vnodes });
    const queues = new Map<string, ServiceQueue<unknown>>();
    const loaded = loadedRows(p, kind, initial, preload);
    const baseOf = (name: string): ReadonlyMap<string, Row> => loaded.byShard.get(name)!;
    const tableOf = (name: string): ShardTable => new ShardTable(world.disk(name), baseOf(name));

    world.node(
      'router',
      { role: 'router' },
      router({
        requests,
        directory,
        initial: initial.spec(),
        shards: names,
        minShards: p.shards - 1,
        reshardResendMs: 200,
        routingsMax: 5,
        workloadTime: () => world.now,
        workloadMs: p.workloadMs,
        auditor,
      }),
    );
    const shardConfig = {
      router: 'router',
      baseOf,
      initial: initial.spec(),
      serviceMs: p.serviceMs,
      pullServiceMs: p.pullServiceMs,
      copyMsPerKey: p.copyMsPerKey,
      batchKeys: p.batchKeys,
      batchMs: p.batchMs,
      batchResendMs: p.batchResendMs,
      backlogMax: p.backlogMax,
      auditor,
      expose: (name: string, queue: ServiceQueue<unknown>) => void queues.set(name, queue),
    };
    names.forEach((name, i) => {
      world.node(name, { role: i < p.shards ? 'shard' : 'spare shard' }, shard(shardConfig));
    });
    // The rows stored before the run, on their owners' disks, durable.

    world.chart({
      id: 'load',
      title: 'Requests offered per shard',
      unit: '1/s',
      everyMs: 250,
      series: Object.fromEntries(names.map((name) => [`load.${name}`, { perSecond: () => auditor.offeredTo(name) }])),
      limit: { value: 1000 / p.serviceMs, label: 'capacity of one shard' },
    });
    world.chart({
      id: 'backlog',
      title: 'Queue per shard',
      unit: 'requests',
      everyMs: 250,
      series: Object.fromEntries(names.map((name) => [`backlog.${name}`, () => (world.status(name) === 'down' ? 0 : (queues.get(name)?.backlog ?? 0))])),
      limit: { value: p.backlogMax, label: 'overloaded' },
    });
    world.chart({
      id: 'rows',
      title: 'Rows stored per shard',
      unit: 'rows',
      everyMs: 250,
      series: Object.fromEntries(names.map((name) => [`rows.${name}`, () => tableOf(name).size])),
    });

    world.atEnd(() => {
      auditor.judgeLoad(p.serviceMs);
      const tables = names.map(tableOf);
      // Only what changed needs looking at: a base row no shard wrote or let go is where it was loaded, as loaded.
      // One pass over each table: the touched rows (with how many tables wrote each, and the first of them), and the newest changed copy of each row.
      const touched = new Map<string, number>();
      const newest = new Map<string, Row>();
      tables.forEach((t, i) => {
        for (const [k, row] of t.changed) {
          const wrote = touched.get(k);
          touched.set(k, wrote === undefined || wrote === NONE_WROTE ? wroteBy(i) : wrote + ANOTHER_WRITER);
          const seen = newest.get(k);
          if (seen === undefined || row.version > seen.version) newest.set(k, row);
        }
        for (const k of t.letGo.keys()) if (!touched.has(k)) touched.set(k, NONE_WROTE);
      });
      const indexOf = new Map(names.map((name, i) => [name, i]));
      // A row no shard changed is as loaded, if its first owner still holds it.
      const newestOf = (k: string): Row | null => {
        const row = newest.get(k);
        if (row !== undefined) return row;
        const first = loaded.ownerOf.get(k);
        return first !== undefined && tables[indexOf.get(first)!]!.holdsAsLoaded(k) ? LOADED : null;
      };
      auditor.judgeDurability(touched.keys(), (key) => newestOf(rowKey(key)));
      const record = world.disk('router').get<PlacementRecord>(PLACEMENT);
      if (record?.previous != null) {
        world.violate(
          'each-row-on-its-owner',
          `${world.endMs - world.healAtMs} ms after the last fault, the resharding to version ${record.version} has not finished`,
          {
            node: 'router',
          },
        );
        return;
      }
      const placement = record === undefined ? initial : placementFromSpec(record.current);
      const misplaced: string[] = [];
      const misplace = (k: string, holders: readonly string[], owner: string): void =>
        void misplaced.push(`row ${k} on ${holders.join(' and ')} (owner ${owner})`);
      /**
       * Checks that touched row `k` (if it is anywhere: a missing row is the durability check's
       * business) lives on its owner alone. A table holds it if it wrote it (`wrote`: how many
       * tables did, and the first), or if it is the table the row was loaded on and has not let it go.
       */
      const where = (k: string, wrote: number): void => {
        const writers = Math.floor(wrote / ANOTHER_WRITER);
        let holder = writers === 0 ? -1 : wrote % ANOTHER_WRITER;
        let held = writers;
        const first = loaded.ownerOf.get(k);
        if (first !== undefined && held < 2) {
          const i = indexOf.get(first)!;
          if (i !== holder && !tables[i]!.letGo.has(k)) {
            held++;
            holder = i;
          }
        }
        if (held === 0) return;
        const owner = placement.ownerOf(Number(k));
        if (held === 1 && names[holder] === owner) return;
        misplace(
          k,
          names.filter((_, i) => tables[i]!.has(k)),
          owner,
        );
      };
      for (const [k, wrote] of touched) where(k, wrote);
      // Untouched base rows moved only if the placement did: only those the new placement gives another owner need looking at,
      // and one no shard touched is still where it was loaded alone (on a shard that no longer owns it).
      if (record !== undefined && record.version > 0) {
        const away = loadedAwayFrom(loaded, names, placement);
        names.forEach((name, i) => {
          for (const k of away[i]!) if (!touched.has(k)) misplace(k, [name], placement.ownerOf(Number(k)));
        });
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
        const loads = names.map((name) => auditor.offeredTo(name)).filter((n) => n > 0);
        const mean = loads.reduce((a, n) => a + n, 0) / Math.max(1, loads.length);
        const stored = auditor.reshards.reduce((a, r) => a + r.keysStored, 0);
        const moved = auditor.reshards.reduce((a, r) => a + r.keysMoved, 0);
        return {
          loadMaxOverMean: mean === 0 ? 0 : Math.max(...loads) / mean,
          peakBacklog: auditor.load.overloads().peakBacklog,
          latencyP50Ms: percentile(auditor.latencyMs, 50),
          latencyP99Ms: percentile(auditor.latencyMs, 99),
          keysMovedFraction: stored === 0 ? 0 : moved / stored,
          keysMoved: moved,
          migrationMs: auditor.reshards.reduce((a, r) => a + ((r.finishedAt ?? world.now) - r.startedAt), 0),
          pulls: auditor.pulls,
          failedRequests: auditor.unanswered,
        };
      },
    };
  },
});
