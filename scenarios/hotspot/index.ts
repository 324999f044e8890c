/**
 * Hotspot: a celebrity key on one shard.
 *
 * Posts are spread evenly over shards by hash, and everyday traffic keeps every shard
 * comfortably below capacity. Then a celebrity posts: a storm of views (reads of the like
 * count) and likes (increments) hits one key, so one shard. Spreading keys does nothing
 * for a single key; what helps is handling that key differently, and each way of doing so
 * shifts the cost somewhere: split the key and every view fans out to every shard; read it
 * from replicas and views see stale counts while likes still pile on one primary; cache it
 * in the application and views are stale for up to the cache's lifetime, likes untouched.
 */
import { z } from 'zod';
import { percentile } from '../../engine/index.ts';
import { defineScenario } from '../framework/scenario.ts';
import { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { hashKey } from '../parts/sharding/key-hash.ts';
import type { ServiceQueue } from '../parts/storage/service-queue.ts';
import { appServer, type HotKeyStrategy } from './app-server.ts';
import { HotKeyAuditor } from './hot-key-auditor.ts';
import { COUNTERS, type Counter, shardPrimary, shardReplica } from './store-node.ts';
import { users } from './users.ts';
import { byTime, CELEBRITY, drawVisits } from './workload.ts';

const params = z.object({
  apps: z.number().int().min(1).max(32).default(3).describe('application servers (each with its own local cache)'),
  shards: z.number().int().min(2).max(64).default(4).describe('shards holding the posts'),
  replicas: z.number().int().min(1).max(4).default(2).describe('read replicas per shard'),
  posts: z.number().int().min(10).max(100_000).default(1000).describe('everyday posts, spread over the shards by hash'),
  everydayViewsPerSec: z.number().min(0).max(10_000).default(40).describe('views of everyday posts per second, in 1/s'),
  everydayLikesPerSec: z.number().min(0).max(10_000).default(8).describe('likes of everyday posts per second, in 1/s'),
  celebrityViewsPerSec: z.number().min(0).max(10_000).default(4).describe('views of the celebrity’s post per second before any surge, in 1/s'),
  celebrityLikesPerSec: z.number().min(0).max(10_000).default(1).describe('likes of the celebrity’s post per second before any surge, in 1/s'),
  serviceMs: z.number().min(0.1).max(1000).default(20).describe('time a shard node spends on one request (capacity 1000/serviceMs per second), in ms'),
  backlogMax: z.number().int().min(1).max(100_000).default(20).describe('a node with more requests queued than this is overloaded'),
  cacheTtlMs: z.number().min(1).max(60_000).default(500).describe('(local cache) how long an app server keeps the celebrity’s count, in ms'),
  lagMedianMs: z.number().min(0.1).max(10_000).default(20).describe('median replica lag (time to apply a write after it arrives), in ms'),
  workloadMs: z.number().min(500).max(120_000).default(3000).describe('the users are active for this long, in ms'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  likeTimeoutMs: z.number().min(10).max(10_000).default(250).describe('an app server sends a like again (same id) when not acknowledged by then, in ms'),
  queueMax: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(50)
    .describe('a node refuses requests beyond this many queued (its accept queue is full), as a real server sheds load'),
  refreshTimeoutMs: z
    .number()
    .min(10)
    .max(10_000)
    .default(250)
    .describe('(cached) a cache refresh missing answers after this long asks the silent shards again, in ms'),
  settleMs: z.number().min(100).max(120_000).default(2000).describe('after the last fault, time for the queues to drain, in ms'),
});
type Params = z.infer<typeof params>;

/** The everyday posts' keys, `post:1` ... `post:n`: built once per count, not once per visit of every run. */
const postNamesCache = new Map<number, readonly string[]>();
function postNames(n: number): readonly string[] {
  let names = postNamesCache.get(n);
  if (names === undefined) {
    names = Array.from({ length: n }, (_, i) => `post:${i + 1}`);
    if (postNamesCache.size > 16) postNamesCache.clear();
    postNamesCache.set(n, names);
  }
  return names;
}

/**
 * The shard of a key (its hash mod the shard count). A pure function, asked at every view and
 * like of every run about the same few thousand keys: each key is hashed once per shard count.
 */
const shardOfCache = new Map<number, (key: string) => number>();
function shardOfKey(shards: number): (key: string) => number {
  let shardOf = shardOfCache.get(shards);
  if (shardOf === undefined) {
    const known = new Map<string, number>();
    shardOf = (key) => {
      let shard = known.get(key);
      if (shard === undefined) {
        shard = hashKey(key) % shards;
        if (known.size < 200_000) known.set(key, shard);
      }
      return shard;
    };
    if (shardOfCache.size > 16) shardOfCache.clear();
    shardOfCache.set(shards, shardOf);
  }
  return shardOf;
}

const appName = (i: number): string => `app${i + 1}`;
const shardName = (j: number): string => `s${j + 1}`;
const replicaName = (j: number, r: number): string => `s${j + 1}r${r + 1}`;
const replicaNamesOf = (p: Params, j: number): string[] => Array.from({ length: p.replicas }, (_, r) => replicaName(j, r));
const storeNames = (p: Params): string[] => Array.from({ length: p.shards }, (_, j) => [shardName(j), ...replicaNamesOf(p, j)]).flat();

/** The piece of a split key that lands on each shard: the first salt suffix hashing there (searched once per key and shard count). */
const piecesCache = new Map<string, readonly string[]>();
export function piecesOf(key: string, shards: number): string[] {
  const cacheKey = `${shards}|${key}`;
  let pieces = piecesCache.get(cacheKey);
  if (pieces === undefined) {
    pieces = Array.from({ length: shards }, (_, j) => {
      for (let n = 0; n < 100_000; n++) if (hashKey(`${key}#${n}`) % shards === j) return `${key}#${n}`;
      throw new Error(`no salt of ${key} lands on shard ${j}`);
    });
    if (piecesCache.size > 64) piecesCache.clear();
    piecesCache.set(cacheKey, pieces);
  }
  return pieces.slice();
}

/** The post a counter on disk belongs to (a piece of a split counter belongs to its post). */
const postOf = (counterKey: string): string => (counterKey.startsWith(`${CELEBRITY}#`) ? CELEBRITY : counterKey);

export const hotspot = defineScenario({
  id: 'hotspot',
  title: 'Hotspot: a celebrity key on one shard',
  family: 'data',
  question: 'When one key gets a storm of traffic, which way of handling it keeps its shard from overloading, and what does each cost?',
  summary:
    'Views and likes of everyday posts spread evenly over four shards, each with two replicas. A celebrity surge aims a storm of views and likes at one post. Leave it alone, split its counter across shards, read it from replicas, cache it in the application servers, or split and cache: watch the hottest node’s load, queue and latency, and what each fix adds (fan-out requests per view, stale counts).',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 } }),
  strategies: [
    {
      id: 'plain',
      title: 'Nothing special',
      explanation:
        'The celebrity’s post is a key like any other: every view and every like of it goes to the one shard that holds it. Simple and always fresh, and that shard takes the whole storm while the others idle.',
      expectedViolations: ['no-overloaded-shard'],
    },
    {
      id: 'salted',
      title: 'Split the key (salting)',
      explanation:
        'The like counter is split into one piece per shard (a salt suffix on the key); a like increments one piece at random, so likes spread over every shard. A view must read every piece and add them up: each view becomes one request to every shard, so a storm of views now hits all shards at once.',
      expectedViolations: ['no-overloaded-shard'],
    },
    {
      id: 'replica-reads',
      title: 'Read the hot key from replicas',
      explanation:
        'Views of the celebrity’s post read from the shard’s replicas, which spread the read storm over more nodes, at the price of counts a little behind (replica lag). Likes still all go to the one primary: a storm of likes overloads it, and more views than the replicas can take overload them too.',
      expectedViolations: ['no-overloaded-shard'],
    },
    {
      id: 'local-cache',
      title: 'Cache the hot key in the application',
      explanation:
        'Each application server keeps the celebrity’s count in memory for a short time and refreshes it with one request when it expires: a storm of views costs the shard a few requests per second. Views see a count up to the cache’s lifetime old. Likes are not cached: a storm of likes still lands on one primary.',
      expectedViolations: ['no-overloaded-shard'],
    },
    {
      id: 'salted-cache',
      title: 'Split the key and cache the total',
      explanation:
        'Both: likes spread over every shard through the split counter, and views read a cached total that is refreshed (one fan-out to every shard) once per cache lifetime per server. Each shard takes a share of the likes and a trickle of refreshes; views are up to a cache lifetime stale.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'plain',
  invariants: [
    {
      name: 'no-overloaded-shard',
      kind: 'safety',
      description:
        'No shard node (primary or replica) is offered more work than it can serve: the requests the users make, at the moments they make them, would never queue past the backlog limit on a node running at its nominal speed.',
    },
    {
      name: 'counts-include-acknowledged-likes',
      kind: 'safety',
      description:
        'A view shows every like that was acknowledged before its count was read from the shards (for a cached count, before the refresh that fetched it began): no acknowledged like is missing from a count a strategy claims is fresh.',
      appliesTo: ['plain', 'salted', 'local-cache', 'salted-cache'],
    },
    {
      name: 'single-flight',
      kind: 'safety',
      description: 'An app server has at most one refresh of the cached count in flight: the views that find it expired wait for that one.',
      appliesTo: ['local-cache', 'salted-cache'],
    },
    {
      name: 'cache-ttl-honoured',
      kind: 'safety',
      description: 'An app server answers views from its cache only until cacheTtlMs after the refresh that filled it began, as its own clock measures it.',
      appliesTo: ['local-cache', 'salted-cache'],
    },
    {
      name: 'no-acknowledged-like-lost',
      kind: 'safety',
      description: 'When the run ends, every like acknowledged to a user is counted on the primaries’ disks: no crash loses one.',
    },
    {
      name: 'no-like-counted-twice',
      kind: 'safety',
      description: 'When the run ends, no post has more likes counted than users gave it: a retried like, or a log replayed after a crash, counts once.',
    },
    {
      name: 'replicas-catch-up',
      kind: 'liveness',
      description: 'Once the faults heal, every replica holds the same counts as its primary within the settle time.',
    },
  ],
  goals: [
    { name: 'surge', description: 'A celebrity surge hit the hot key.' },
    { name: 'storm-drained', description: 'After a surge, every shard node’s queue drained back below the backlog limit.' },
  ],
  metrics: [
    { name: 'peakLoadPerSec', unit: '1/s', description: 'most requests per second offered to any one shard node (over 250 ms)', better: 'lower' },
    { name: 'peakBacklog', unit: 'requests', description: 'longest queue any shard node had', better: 'lower' },
    { name: 'viewLatencyP50Ms', unit: 'ms', description: 'median latency of a view of the celebrity’s post', better: 'lower' },
    { name: 'viewLatencyP99Ms', unit: 'ms', description: '99th percentile latency of a view of the celebrity’s post', better: 'lower' },
    { name: 'likeLatencyP99Ms', unit: 'ms', description: '99th percentile latency of a like of the celebrity’s post', better: 'lower' },
    {
      name: 'requestsPerView',
      unit: 'requests',
      description: 'shard requests per view of the celebrity’s post (fan-out; below 1 with a cache)',
      better: 'lower',
    },
    { name: 'staleViewRate', unit: 'ratio', description: 'share of views that showed fewer likes than had been acknowledged', better: 'lower' },
    { name: 'stalenessP99Ms', unit: 'ms', description: '99th percentile age of the oldest acknowledged like a stale view missed', better: 'lower' },
    { name: 'cacheHitRate', unit: 'ratio', description: 'share of views answered from an app server’s memory', better: 'neither' },
  ],
  presets: [
    {
      id: 'viral-post',
      title: 'A viral post: a storm of views',
      description: 'For 1.5 s from the one-second mark, 80 views and 10 likes per second hit the celebrity’s post.',
      faults: () => [{ at: 1000, kind: 'inject', name: 'celebrity-surge', node: 'users', args: { viewsPerSec: 80, likesPerSec: 10, durationMs: 1500 } }],
    },
    {
      id: 'like-storm',
      title: 'A like storm',
      description: 'For 1.5 s from the one-second mark, 60 views and 50 likes per second hit the celebrity’s post.',
      faults: () => [{ at: 1000, kind: 'inject', name: 'celebrity-surge', node: 'users', args: { viewsPerSec: 60, likesPerSec: 50, durationMs: 1500 } }],
    },
    {
      id: 'primary-crash',
      title: 'A like storm, and the hot shard’s primary crashes',
      description:
        'A like storm from the one-second mark; at 1.4 s the primary holding the celebrity’s post crashes right after counting a like and before acknowledging it, and restarts 300 ms later: the app server retries the like, and it is counted once.',
      faults: (p: Params) => [
        { at: 1000, kind: 'inject', name: 'celebrity-surge', node: 'users', args: { viewsPerSec: 60, likesPerSec: 50, durationMs: 1500 } },
        { at: 1400, kind: 'crash', node: shardName(hashKey(CELEBRITY) % p.shards), when: 'io:send' },
        { at: 1700, kind: 'restart', node: shardName(hashKey(CELEBRITY) % p.shards) },
      ],
    },
    { id: 'no-surge', title: 'No surge', description: 'Everyday traffic only.', faults: () => [] },
  ],
  defaultPreset: 'viral-post',
  alarmStates: ['overloaded', 'surge'],
  faultSpace: (p: Params) => ({
    windowMs: p.workloadMs,
    faultsMax: 3,
    injects: [
      {
        name: 'celebrity-surge',
        description: 'a storm of views and likes on the celebrity’s post',
        nodes: ['users'],
        args: {
          viewsPerSec: { min: 75, max: 200, integer: true },
          likesPerSec: { min: 0, max: 60, integer: true },
          durationMs: { min: 1000, max: 2000, integer: true },
        },
      },
    ],
  }),
  build(world) {
    const { params: p } = world;
    const strategy = world.strategy as HotKeyStrategy;
    const stores = storeNames(p);
    const auditor = new HotKeyAuditor(world, { stores, serviceMs: p.serviceMs, backlogMax: p.backlogMax, cacheTtlMs: p.cacheTtlMs });
    const rng = world.stream('workload');
    const names = postNames(p.posts);
    const post = (): string => names[rng.int(p.posts)]!;
    const everyday = byTime(
      drawVisits(rng, 'view', p.everydayViewsPerSec, 0, p.workloadMs, post),
      drawVisits(rng, 'like', p.everydayLikesPerSec, 0, p.workloadMs, post),
      drawVisits(rng, 'view', p.celebrityViewsPerSec, 0, p.workloadMs, () => CELEBRITY),
      drawVisits(rng, 'like', p.celebrityLikesPerSec, 0, p.workloadMs, () => CELEBRITY),
    );
    const apps = Array.from({ length: p.apps }, (_, i) => appName(i));
    const shards = Array.from({ length: p.shards }, (_, j) => ({ primary: shardName(j), replicas: replicaNamesOf(p, j) }));
    const queues = new Map<string, ServiceQueue<unknown>>();
    let peakBacklog = 0;
    const store = {
      serviceMs: p.serviceMs,
      backlogMax: p.backlogMax,
      queueMax: p.queueMax,
      expose: (name: string, q: ServiceQueue<unknown>) => void queues.set(name, q),
      onBacklog: (backlog: number) => {
        if (backlog > peakBacklog) peakBacklog = backlog;
      },
    };
    const lag = new ReplicationLag({ delay: { kind: 'lognormal', medianMs: p.lagMedianMs, sigma: 0.5 }, spikeRate: 0, spike: { kind: 'constant', ms: 0 } });
    const shardOf = shardOfKey(p.shards);
    let surged = false;

    world.node(
      'users',
      {
        role: 'users',
        spare: { crash: 'the users are the workload: the views and likes they make are what the system must absorb, not a server that can fail' },
      },
      users({
        everyday,
        apps,
        workloadTime: () => world.now,
        workloadMs: p.workloadMs,
        surgeMs: (requestedMs) => Math.max(0, Math.min(requestedMs, world.healAtMs - world.now)),
        auditor,
        onSurge: () => {
          surged = true;
          world.reach('surge');
        },
      }),
    );
    const pieces = piecesOf(CELEBRITY, p.shards);
    for (const name of apps) {
      world.node(
        name,
        { role: 'app server' },
        appServer({
          strategy,
          shards,
          shardOf,
          pieces,
          cacheTtlMs: p.cacheTtlMs,
          likeTimeoutMs: p.likeTimeoutMs,
          likeAttempts: 16,
          refreshTimeoutMs: p.refreshTimeoutMs,
          auditor,
        }),
      );
    }
    for (const s of shards) {
      world.node(s.primary, { role: 'shard primary' }, shardPrimary(store, s.replicas));
      for (const name of s.replicas) world.node(name, { role: 'shard replica' }, shardReplica(store, lag));
    }

    world.chart({
      id: 'load',
      title: 'Requests offered per shard node',
      unit: '1/s',
      everyMs: 250,
      series: Object.fromEntries(stores.map((name) => [`load.${name}`, { perSecond: () => auditor.offeredTo(name) }])),
      limit: { value: 1000 / p.serviceMs, label: 'capacity of one node' },
    });
    world.chart({
      id: 'backlog',
      title: 'Queue per shard node',
      unit: 'requests',
      everyMs: 250,
      series: Object.fromEntries(stores.map((name) => [`backlog.${name}`, () => (world.status(name) === 'down' ? 0 : (queues.get(name)?.backlog ?? 0))])),
      limit: { value: p.backlogMax, label: 'overloaded' },
    });
    world.chart({
      id: 'views',
      title: 'Latency of views of the celebrity’s post',
      unit: 'ms',
      everyMs: 50,
      series: {
        // The latest view's latency, once: a sample with no new view draws no point.
        'latency.views': () => auditor.takeLatestViewLatency(),
      },
    });

    world.atEnd(() => {
      auditor.judgeLoad();
      // The storm is over and the queues are short again: the system came back.
      if (surged && stores.every((name) => (queues.get(name)?.backlog ?? 0) <= p.backlogMax)) world.reach('storm-drained');
      const counted = new Map<string, number>();
      for (const s of shards) {
        for (const [key, c] of world.disk(s.primary).map<Counter>(COUNTERS)) counted.set(postOf(key), (counted.get(postOf(key)) ?? 0) + c.count);
      }
      auditor.judgeCounts(counted);
      const behind: string[] = [];
      for (const s of shards) {
        const primary = world.disk(s.primary).map<Counter>(COUNTERS);
        for (const name of s.replicas) {
          const copy = world.disk(name).map<Counter>(COUNTERS);
          const differ = [...new Set([...primary.keys(), ...copy.keys()])].filter((k) => primary.get(k)?.count !== copy.get(k)?.count);
          if (differ.length > 0) behind.push(`${name} differs from ${s.primary} on ${differ.slice(0, 2).join(', ')}`);
        }
      }
      if (behind.length > 0) world.violate('replicas-catch-up', `${world.endMs - world.healAtMs} ms after every fault healed, ${behind.join('; ')}`);
    });

    return {
      metrics() {
        const reads = auditor.reads;
        return {
          peakLoadPerSec: auditor.load.peakPerSec(250),
          peakBacklog,
          viewLatencyP50Ms: percentile(auditor.readLatencyMs, 50),
          viewLatencyP99Ms: percentile(auditor.readLatencyMs, 99),
          likeLatencyP99Ms: percentile(auditor.likeLatencyMs, 99),
          requestsPerView: reads === 0 ? 0 : auditor.backendRequests / reads,
          staleViewRate: reads === 0 ? 0 : auditor.staleReads / reads,
          stalenessP99Ms: percentile(auditor.stalenessMs, 99),
          cacheHitRate: reads === 0 ? 0 : auditor.cacheHits / reads,
        };
      },
    };
  },
});
