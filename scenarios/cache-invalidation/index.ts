/**
 * Cache invalidation: how long can a cached value outlive the row it copies?
 *
 * Users read and write Zipf-popular keys through two cache-aside app servers. Five ways to
 * keep the cache honest are compared on the same requests: expire entries after a TTL;
 * expire them after a jittered TTL; delete the key on every write; version the keys so that
 * no entry ever needs invalidating; follow the database's change stream and delete what
 * changed. Each strategy promises a bound on staleness (a TTL, or the time an invalidation
 * takes to land), and the checker holds it to that promise.
 *
 * What to watch: the stale-read rate and the staleness window per strategy, and what a
 * delayed or lost invalidation event does (the old value stays until its TTL ends).
 */
import { z } from 'zod';
import { defineScenario, type FaultSpace } from '../framework/scenario.ts';
import { CacheNodeStats, cacheNode } from '../parts/cache/cache-node.ts';
import {
  appCacheTimeoutMs,
  appDbTimeoutMs,
  appName,
  appNames,
  cacheTierNetwork,
  cacheTierTopology,
  DB_LOAD_CHART,
  HIT_RATIO_CHART,
  lanLatencyMeanMs,
} from '../parts/cache/cache-tier.ts';
import { StalenessAuditor } from '../parts/cache/staleness-auditor.ts';
import { SlidingWindow } from '../parts/resilience/sliding-window.ts';
import { DatabaseLoad, databaseNode } from '../parts/storage/database.ts';
import { openLoopClients } from '../parts/workload/open-loop-clients.ts';
import { percentile, TrafficMonitor } from '../parts/workload/traffic-monitor.ts';
import { drawRequests } from '../parts/workload/workload.ts';
import { type InvalidationStrategy, invalidationApp } from './app.ts';
import { InvalidatorStats, invalidator } from './invalidator.ts';

const params = z.object({
  apps: z.number().int().min(1).max(8).default(2).describe('app servers sharing the cache and the database'),
  keys: z.number().int().min(2).max(100_000).default(40).describe('distinct keys'),
  zipfS: z.number().min(0).max(3).default(1).describe('Zipf exponent of key popularity (0: uniform)'),
  requestsPerSec: z.number().min(1).max(100_000).default(300).describe('user requests per second (Poisson)'),
  writeFraction: z.number().min(0).max(1).default(0.1).describe('share of requests that are writes'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('requests arrive over this window, in ms'),
  ttlMs: z.number().min(1).max(3_600_000).default(300).describe('time to live of a cached value, counted from when it was read, in ms'),
  ttlJitter: z.number().min(0).max(0.9).default(0.3).describe('(ttl-jitter) each TTL is drawn in ttl * [1 - jitter, 1 + jitter)'),
  invalidationBoundMs: z
    .number()
    .min(0)
    .max(60_000)
    .default(100)
    .describe('what invalidating strategies promise: a read this long after a write was acknowledged sees it, in ms'),
  eventLagMs: z.number().min(0).max(60_000).default(5).describe('(event-invalidation) mean time from a commit to the invalidator deleting the key, in ms'),
  cacheServiceMs: z.number().min(0.001).max(100).default(0.05).describe('time the single-threaded cache takes per command, in ms'),
  cacheMemoryBytes: z.number().int().min(256).max(1e9).default(65_536).describe('cache memory; past it the least recently used keys are evicted, in bytes'),
  dbConnections: z.number().int().min(1).max(256).default(4).describe('database connection pool size'),
  dbReadMs: z.number().min(0.01).max(10_000).default(4).describe('mean database read time, in ms'),
  dbWriteMs: z.number().min(0.01).max(10_000).default(6).describe('mean database write time, in ms'),
  dbVersionMs: z.number().min(0.01).max(10_000).default(0.5).describe('(versioned-keys) mean time of an index-only version lookup, in ms'),
  cacheTimeoutMs: appCacheTimeoutMs,
  dbTimeoutMs: appDbTimeoutMs,
  latencyMeanMs: lanLatencyMeanMs,
  settleMs: z.number().min(0).max(600_000).default(300).describe('after the faults heal, time to finish answering, in ms'),
});
type Params = z.infer<typeof params>;

const SAMPLE_MS = 20;

/** The staleness each strategy promises. */
export function stalenessBoundMs(strategy: string, p: Params): number {
  if (strategy === 'ttl') return p.ttlMs;
  if (strategy === 'ttl-jitter') return p.ttlMs * (1 + p.ttlJitter);
  return p.invalidationBoundMs;
}

export const cacheInvalidation = defineScenario({
  id: 'cache-invalidation',
  title: 'Cache invalidation: TTL, delete, versions, events',
  family: 'cache',
  question: 'How stale can a cached read be under each invalidation strategy, and what happens when an invalidation is late or lost?',
  summary:
    'Cache-aside app servers answer reads and writes of Zipf-popular keys. Compare expiring entries after a TTL (with and without jitter), deleting on write, versioned keys, and deleting what the database’s change stream reports. Watch the stale-read rate and how long stale values live; lose or delay a change event and watch the old value stay until its TTL.',
  params,
  topology: (p: Params) => cacheTierTopology(p.apps, { extra: [{ name: 'invalidator', role: 'change-stream consumer' }] }),
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => cacheTierNetwork(p.latencyMeanMs),
  strategies: [
    {
      id: 'ttl',
      title: 'TTL only',
      explanation:
        'Writes never touch the cache; every entry simply expires a TTL after it was read from the database. It promises only that: a read may be up to one TTL stale, and reads of a hot key after a write are stale until its entry expires. Nothing can be lost, so the promise always holds.',
      expectedViolations: [],
    },
    {
      id: 'ttl-jitter',
      title: 'TTL with jitter',
      explanation:
        'As TTL only, with each TTL drawn at random around the nominal one, so entries filled together (after a restart, a deploy) expire apart and their misses spread out. Staleness is bounded by the longest TTL drawn; on average it is the same as plain TTL.',
      expectedViolations: [],
    },
    {
      id: 'delete-on-write',
      title: 'Delete on write',
      explanation:
        'A write updates the database, acknowledges, and deletes the key, so the next read misses and fetches the new value: staleness drops to the moment the delete takes to land. Unless a slow reader fills the cache after the delete with a value it read before the write: then the old value lives for a whole TTL.',
      expectedViolations: ['bounded-staleness'],
    },
    {
      id: 'versioned-keys',
      title: 'Versioned keys',
      explanation:
        'Each read first asks the database for the key’s current version (a cheap index-only lookup), then reads the immutable cache entry for that version. A write just creates a new version: no entry is ever invalidated and no read is ever stale. The cost: every read touches the database, and old versions occupy memory until they expire.',
      expectedViolations: [],
    },
    {
      id: 'event-invalidation',
      title: 'Invalidation by change events',
      explanation:
        'Writers do not touch the cache; an invalidator follows the database’s change stream (binlog / CDC) and deletes each changed key. Writers stay simple and no write path can forget to invalidate. But an invalidation is now a message: a delayed one leaves the old value readable for as long as it is late, a lost one for a whole TTL; and a slow reader’s fill can still land after the delete.',
      expectedViolations: ['bounded-staleness'],
    },
  ],
  defaultStrategy: 'event-invalidation',
  invariants: [
    {
      name: 'bounded-staleness',
      kind: 'safety',
      description:
        'A read returns the newest acknowledged write, or a value superseded for less than the strategy promises: a TTL (ttl), the longest jittered TTL (ttl-jitter), or invalidationBoundMs for the strategies that invalidate.',
    },
  ],
  goals: [
    { name: 'cache-hit', description: 'A read was answered from the cache.' },
    { name: 'read-after-write', description: 'A key was read after a write of it had been acknowledged: the case invalidation exists for.' },
  ],
  metrics: [
    { name: 'staleReads', unit: 'reads', description: 'reads that returned an older value than one already acknowledged', better: 'lower' },
    { name: 'staleReadRate', unit: 'ratio', description: 'share of answered reads that were stale', better: 'lower' },
    { name: 'stalenessP99Ms', unit: 'ms', description: '99th percentile staleness of the stale reads', better: 'lower' },
    { name: 'stalenessMaxMs', unit: 'ms', description: 'the staleness window: how long the stalest read’s newer value had been acknowledged', better: 'lower' },
    { name: 'hitRatio', unit: 'ratio', description: 'share of answered reads served from the cache', better: 'higher' },
    { name: 'dbQueriesPerRead', unit: 'queries', description: 'database queries per read (version lookups included)', better: 'lower' },
    { name: 'readLatencyP50Ms', unit: 'ms', description: 'median read latency', better: 'lower' },
    { name: 'readLatencyP99Ms', unit: 'ms', description: '99th percentile read latency', better: 'lower' },
    { name: 'cacheKeysMax', unit: 'keys', description: 'most keys the cache held at once', better: 'lower' },
    { name: 'invalidationsLost', unit: 'events', description: 'change events lost before they invalidated anything', better: 'lower' },
  ],
  charts: (p: Params) => [
    { id: 'stale-rate', title: 'Stale reads (share of reads, last 100 ms)', unit: 'ratio', series: ['reads.staleRate'] },
    {
      id: 'staleness',
      title: 'Staleness of the stalest read (last 100 ms)',
      unit: 'ms',
      series: ['reads.stalenessMaxMs'],
      limit: { value: p.invalidationBoundMs, label: 'invalidation bound' },
    },
    HIT_RATIO_CHART,
    DB_LOAD_CHART,
  ],
  presets: [
    {
      id: 'lost-invalidation',
      title: 'Lost change events',
      description: 'At 30% of the workload the change stream loses its next 3 events (only the invalidator reads it).',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'drop-events', node: 'invalidator', args: { count: 3 } }],
    },
    {
      id: 'lagging-stream',
      title: 'The change stream lags',
      description: 'At 30% of the workload, events arriving over the next 200 ms are handled 250 ms late.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'lag-spike', node: 'invalidator', args: { ms: 250, durationMs: 200 } },
      ],
    },
    {
      id: 'slow-reader',
      title: 'A slow reader',
      description: 'At 30% of the workload app1 misses on the hottest key, k0, and stalls for 250 ms between reading the database and filling the cache.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'stall', node: 'app1', args: { ms: 250, on: 'read', key: 'k0' } }],
    },
    {
      id: 'cache-restart',
      title: 'The cache restarts',
      description: 'The cache crashes at half the workload and restarts empty 100 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.5), kind: 'crash', node: 'cache' },
        { at: Math.round(p.workloadMs * 0.5) + 100, kind: 'restart', node: 'cache' },
      ],
    },
  ],
  defaultPreset: 'lost-invalidation',
  alarmStates: [],
  faultSpace: (p: Params): FaultSpace => {
    const apps = appNames(p.apps);
    return {
      windowMs: p.workloadMs,
      crashable: [...apps, 'cache'],
      partitionable: [],
      kinds: ['pause', 'resume', 'crash', 'restart'],
      injects: [
        {
          name: 'stall',
          description: 'the app handles its next database answer to a read (a miss) or a write late, with everything that follows from it',
          nodes: apps,
          args: { ms: { min: 10, max: 1000, integer: true }, on: { oneOf: ['read', 'write'] } },
        },
        {
          name: 'drop-events',
          description: 'the change stream loses its next events',
          nodes: ['invalidator'],
          args: { count: { min: 1, max: 5, integer: true } },
        },
        {
          name: 'lag-spike',
          description: 'events reaching the invalidator for a while are handled late',
          nodes: ['invalidator'],
          args: { ms: { min: 50, max: 1000, integer: true }, durationMs: { min: 10, max: 300, integer: true } },
        },
      ],
      faultsMax: 3,
    };
  },
  build(world) {
    const { sim, params: p } = world;
    const strategy = world.strategy as InvalidationStrategy;
    const boundMs = stalenessBoundMs(strategy, p);
    const requests = drawRequests(world.stream('workload'), {
      ratePerMs: p.requestsPerSec / 1000,
      fromMs: 0,
      toMs: p.workloadMs,
      keys: p.keys,
      zipfS: p.zipfS,
      writeFraction: p.writeFraction,
      apps: p.apps,
    });
    const auditor = new StalenessAuditor();
    const traffic = new TrafficMonitor(100);
    const staleWindow = new SlidingWindow(100);
    const dbLoad = new DatabaseLoad(p.dbConnections);
    const cacheStats = new CacheNodeStats();
    const invalidatorStats = new InvalidatorStats();
    const writeOf = (value: unknown): number | undefined => (value as { w?: number } | null)?.w;

    const apps = Array.from({ length: p.apps }, (_, i) => 1 + i);
    const CACHE = 1 + p.apps;
    const DB = 2 + p.apps;
    const INVALIDATOR = 3 + p.apps;

    sim.addNode(
      'clients',
      openLoopClients({
        requests,
        apps,
        timeoutMs: p.dbTimeoutMs * 2 + p.cacheTimeoutMs * 2,
        retries: 0,
        backoff: { baseMs: 10, factor: 2, capMs: 100, jitter: 'full' },
        log: {
          attemptDone: (o) => traffic.attemptDone(o, sim.now),
          finished: (o) => {
            traffic.finished(o, sim.now);
            if (!o.ok) return;
            if (o.request.kind === 'write') return auditor.acknowledged(o.request.id, sim.now);
            if (o.response?.detail === 'cache') world.reach('cache-hit');
            if (auditor.acknowledgedBefore(o.request.key, o.startMs)) world.reach('read-after-write');
            const stale = auditor.read(o.request.key, writeOf(o.response?.value), o.startMs);
            staleWindow.add(sim.now, stale?.stalenessMs ?? 0, stale !== null);
            if (stale !== null && stale.stalenessMs > boundMs) {
              world.violate(
                'bounded-staleness',
                `a read of ${stale.key} that began at ${fmt(o.startMs)} ms returned version ${stale.versionRead} from the ${o.response?.detail ?? 'server'}, but version ${stale.versionAcknowledged} had been acknowledged ${fmt(stale.stalenessMs)} ms before (${strategy} promises ${fmt(boundMs)} ms)`,
              );
            }
          },
        },
      }),
    );
    apps.forEach((_, i) => {
      sim.addNode(
        appName(i),
        invalidationApp({
          strategy,
          cache: CACHE,
          db: DB,
          ttlMs: p.ttlMs,
          jitter: p.ttlJitter,
          cacheTimeoutMs: p.cacheTimeoutMs,
          dbTimeoutMs: p.dbTimeoutMs,
        }),
      );
    });
    sim.addNode('cache', cacheNode({ serviceMs: p.cacheServiceMs, memoryBytesMax: p.cacheMemoryBytes, stats: cacheStats }));
    sim.addNode(
      'db',
      databaseNode({
        connections: p.dbConnections,
        queueLimit: 1_000,
        acquireTimeoutMs: p.dbTimeoutMs,
        serviceMeanMs: (q) => (q.op === 'write' ? p.dbWriteMs : q.op === 'version' ? p.dbVersionMs : p.dbReadMs),
        load: dbLoad,
        initialValue: () => ({ w: 0 }),
        changeFeed: strategy === 'event-invalidation' ? INVALIDATOR : undefined,
        observer: {
          committed(row) {
            const w = writeOf(row.value);
            if (w !== undefined && w > 0) {
              auditor.ordered(row.key, w);
              auditor.persisted(w);
            }
          },
        },
      }),
    );
    sim.addNode('invalidator', invalidator({ cache: CACHE, lagMs: p.eventLagMs, stats: invalidatorStats }));

    let dbArrivedBefore = 0;
    let cacheKeysMax = 0;
    sim.every(
      SAMPLE_MS,
      () => {
        const recent = traffic.recent(sim.now);
        if (recent.hitRatio !== null) sim.metrics.sample('cache.hitRatio', recent.hitRatio);
        sim.metrics.sample('reads.staleRate', staleWindow.failureRate(sim.now));
        sim.metrics.sample('reads.stalenessMaxMs', staleWindow.percentile(sim.now, 100));
        sim.metrics.sample('db.queriesPerSec', ((dbLoad.arrived - dbArrivedBefore) * 1000) / SAMPLE_MS);
        dbArrivedBefore = dbLoad.arrived;
        cacheKeysMax = Math.max(cacheKeysMax, cacheStats.store?.size ?? 0);
        return undefined;
      },
      SAMPLE_MS,
      world.endMs,
    );

    return {
      metrics() {
        return {
          staleReads: auditor.staleReads,
          staleReadRate: traffic.readsOk === 0 ? 0 : auditor.staleReads / traffic.readsOk,
          stalenessP99Ms: percentile(auditor.stalenessMs, 99),
          stalenessMaxMs: auditor.stalenessMs.reduce((m, x) => Math.max(m, x), 0),
          hitRatio: traffic.hitRatio,
          dbQueriesPerRead: traffic.reads === 0 ? 0 : (dbLoad.arrived - traffic.writes) / traffic.reads,
          readLatencyP50Ms: percentile(traffic.readLatencyMs, 50),
          readLatencyP99Ms: percentile(traffic.readLatencyMs, 99),
          cacheKeysMax,
          invalidationsLost: invalidatorStats.dropped,
        };
      },
    };
  },
});

function fmt(ms: number): string {
  return ms.toLocaleString('en-US', { maximumFractionDigits: ms < 10 ? 1 : 0 });
}
