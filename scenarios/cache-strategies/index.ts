/**
 * Cache strategies: cache-aside, write-through, write-behind, and delete-on-write vs
 * update-on-write.
 *
 * Users read and write keys of Zipf popularity through two app servers; a Redis-like cache
 * sits in front of the database. Every strategy answers the same requests at the same
 * moments. What differs is when the cache is filled and how a write reaches it, and with it
 * the hit ratio, the database's load, the write latency, and how stale a read can be.
 *
 * The classic race lives here: a reader misses, reads the database, and is delayed (a GC
 * pause, a slow network) before it fills the cache; meanwhile a writer updates the database
 * and deletes the key. The slow reader then puts the old value back, and every reader gets it
 * until the TTL ends. The checker finds it from scratch: it only has to pause an app server
 * at the wrong moment.
 */
import { z } from 'zod';
import { percentile } from '../../engine/index.ts';
import { defineScenario, type FaultSpaceOptions } from '../framework/scenario.ts';
import { CacheNodeStats, cacheNode } from '../parts/cache/cache-node.ts';
import {
  APP_SERVER,
  appCacheTimeoutMs,
  appDbTimeoutMs,
  appNames,
  CACHE,
  cacheTierNetwork,
  DATABASE,
  dbLoadChart,
  fmtMs,
  hitRatioChart,
  lanLatencyMeanMs,
  USERS,
} from '../parts/cache/cache-tier.ts';
import { StalenessAuditor, WriteOrder } from '../parts/cache/staleness-auditor.ts';
import { auditNoLostWrite, auditWritesAppliedOnce, NO_LOST_WRITE, WRITE_APPLIED_ONCE } from '../parts/cache/write-audit.ts';
import { CommitIndex, DatabaseLoad, databaseNode } from '../parts/storage/database.ts';
import { openLoopClients, type RequestOutcome } from '../parts/workload/open-loop-clients.ts';
import { TrafficMonitor } from '../parts/workload/traffic-monitor.ts';
import { drawRequests } from '../parts/workload/workload.ts';
import { type CacheStrategy, strategyApp } from './app.ts';

const params = z.object({
  apps: z.number().int().min(1).max(8).default(2).describe('app servers sharing the cache and the database'),
  keys: z.number().int().min(2).max(100_000).default(40).describe('distinct keys'),
  zipfS: z.number().min(0).max(3).default(1).describe('Zipf exponent of key popularity (0: uniform)'),
  requestsPerSec: z.number().min(1).max(100_000).default(300).describe('user requests per second (Poisson)'),
  writeFraction: z.number().min(0).max(1).default(0.2).describe('share of requests that are writes (deletes included)'),
  deleteShare: z.number().min(0).max(1).default(0.1).describe('share of the writes that delete the key'),
  readBackShare: z.number().min(0).max(1).default(0.25).describe('share of the writes the user reads back (through another app server) once acknowledged'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('requests arrive over this window, in ms'),
  ttlMs: z.number().min(1).max(3_600_000).default(2000).describe('time to live of a cached key, in ms'),
  leaseMs: z.number().min(1).max(60_000).default(500).describe('(lease) how long a miss may take to fill the cache, in ms'),
  stalenessBoundMs: z
    .number()
    .min(0)
    .max(60_000)
    .default(50)
    .describe('the promise: a read that begins this long after a write was acknowledged sees it, in ms'),
  cacheServiceMs: z.number().min(0.001).max(100).default(0.05).describe('time the single-threaded cache takes per command, in ms'),
  cacheMemoryBytes: z.number().int().min(256).max(1e9).default(16_384).describe('cache memory; past it the least recently used keys are evicted, in bytes'),
  dbConnections: z.number().int().min(1).max(256).default(4).describe('database connection pool size'),
  dbReadMs: z.number().min(0.01).max(10_000).default(4).describe('mean database read time, in ms'),
  dbWriteMs: z.number().min(0.01).max(10_000).default(6).describe('mean database write time, in ms'),
  dbQueueLimit: z.number().int().min(0).max(100_000).default(64).describe('queries that may wait for a database connection'),
  cacheTimeoutMs: appCacheTimeoutMs,
  dbTimeoutMs: appDbTimeoutMs,
  flushIntervalMs: z.number().min(1).max(60_000).default(100).describe('(write-behind) the flusher drains the write queue this often, in ms'),
  latencyMeanMs: lanLatencyMeanMs,
  settleMs: z
    .number()
    .min(0)
    .max(600_000)
    .default(2500)
    .describe('after the faults heal, time to finish answering (a user’s request may still be retried for two timeouts) and flushing, in ms'),
});
type Params = z.infer<typeof params>;

const SAMPLE_MS = 20;

export const cacheStrategies = defineScenario({
  id: 'cache-strategies',
  title: 'Cache-aside vs write-through vs write-behind',
  family: 'cache',
  question: 'When and how should writes reach the cache, and what does each choice cost in hit ratio, database load, write latency and stale reads?',
  summary:
    'Two app servers answer reads and writes of Zipf-popular keys through a Redis-like cache in front of a database. Compare filling on a miss and deleting on write, filling and updating on write, writing through, writing behind, and deleting with leases. Pause an app server at the wrong moment and watch a slow reader put an old value back after a writer deleted it: the stale-set race.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => cacheTierNetwork(p.latencyMeanMs),
  strategies: [
    {
      id: 'cache-aside-delete',
      title: 'Cache-aside, delete on write',
      explanation:
        'A read misses, reads the database and fills the cache; a write updates the database, acknowledges, and deletes the key. Simple and the usual default. Its flaw is the stale-set race: a reader that read the old value before the write, and fills the cache after the delete, puts the old value back for a whole TTL.',
      expectedViolations: ['bounded-staleness'],
    },
    {
      id: 'cache-aside-update',
      title: 'Cache-aside, update on write',
      explanation:
        'As cache-aside, but a write puts its new value in the cache instead of deleting the key, so the next read hits. Two writes of one key race: if the first one’s SET arrives last, the cache keeps the older value while the database holds the newer, until the TTL ends; a slow reader’s fill can do the same.',
      expectedViolations: ['bounded-staleness'],
    },
    {
      id: 'write-through',
      title: 'Write-through',
      explanation:
        'A write updates the database, then the cache, and is acknowledged only when both have it: the write pays for two round trips, and reads after it hit. Fills use SET NX, so a slow reader can no longer overwrite a value a write put there. Concurrent writes of one key still race on their SETs, and a fill can still land in the gap after the key expires or is evicted.',
      expectedViolations: ['bounded-staleness'],
    },
    {
      id: 'write-behind',
      title: 'Write-behind (write-back)',
      explanation:
        'A write goes only to the cache: the value and a queued copy of the write, in one atomic pipeline, and is acknowledged at once; a flusher drains the queue into the database every so often. Writes are as fast as the cache and the database sees them in batches. But an acknowledged write lives only in the cache’s memory until it is flushed: a cache restart loses it for good.',
      expectedViolations: ['no-lost-write'],
    },
    {
      id: 'lease',
      title: 'Cache-aside with leases',
      explanation:
        'Cache-aside, delete on write, with memcached’s leases: a miss is handed a lease token, a write’s DEL revokes it, and a fill succeeds only with a valid token. A reader that read the old value before a write can no longer put it back, however slow it is, and a restart revokes every lease. The write is acknowledged only once the cache has confirmed the DEL: an invalidation that is lost fails the request instead of leaving the old value to be served. One miss per key at a time holds the lease; the others read the database without filling.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'cache-aside-delete',
  // No strategy promises linearizable reads, so none claims it on a client history (docs/history.md):
  // the sound one promises bounded staleness, which allows the stale reads inside the bound.
  invariants: [
    {
      name: 'bounded-staleness',
      kind: 'safety',
      description:
        'A read that begins more than stalenessBoundMs after a write was acknowledged returns that write or a newer one: the time an invalidation takes to land is allowed, a stale value that outlives it is not.',
      appliesTo: ['cache-aside-delete', 'cache-aside-update', 'write-through', 'lease'],
    },
    NO_LOST_WRITE,
    WRITE_APPLIED_ONCE,
  ],
  goals: [
    { name: 'cache-hit', description: 'A read was answered from the cache.' },
    { name: 'write-acknowledged', description: 'A write was acknowledged.' },
    { name: 'stale-read', description: 'A read returned an older value than one already acknowledged (within the bound or not).' },
    { name: 'read-back', description: 'A user read back a write of theirs once it was acknowledged (read-your-writes).' },
  ],
  metrics: [
    { name: 'hitRatio', unit: 'ratio', description: 'share of answered reads served from the cache', better: 'higher' },
    { name: 'dbQueriesPerRequest', unit: 'queries', description: 'database queries per user request', better: 'lower' },
    { name: 'readLatencyP50Ms', unit: 'ms', description: 'median read latency', better: 'lower' },
    { name: 'readLatencyP99Ms', unit: 'ms', description: '99th percentile read latency', better: 'lower' },
    { name: 'writeLatencyP50Ms', unit: 'ms', description: 'median write latency', better: 'lower' },
    { name: 'writeLatencyP99Ms', unit: 'ms', description: '99th percentile write latency', better: 'lower' },
    { name: 'staleReads', unit: 'reads', description: 'reads that returned an older value than one already acknowledged', better: 'lower' },
    { name: 'staleReadRate', unit: 'ratio', description: 'share of answered reads that were stale', better: 'lower' },
    { name: 'stalenessMaxMs', unit: 'ms', description: 'the stalest read: how long its newer value had been acknowledged', better: 'lower' },
    { name: 'lostWrites', unit: 'writes', description: 'acknowledged writes that never reached the database', better: 'lower' },
    { name: 'errorRate', unit: 'ratio', description: 'share of user requests that failed', better: 'lower' },
  ],
  presets: [
    {
      id: 'slow-reader',
      title: 'A slow reader',
      description:
        'At 30% of the workload app1 misses on the hottest key, k0, reads it from the database, and stalls for 400 ms before filling the cache: the writes of k0 in between are undone by the fill.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'stall', node: 'app1', args: { ms: 400, on: 'read', key: 'k0' } }],
    },
    {
      id: 'slow-writer',
      title: 'A slow writer',
      description:
        'At 30% of the workload app1 stalls for 200 ms after its next write of the hottest key, k0, reached the database, before it updates the cache and acknowledges.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'stall', node: 'app1', args: { ms: 200, on: 'write', key: 'k0' } }],
    },
    {
      id: 'gc-pause',
      title: 'A GC pause on app1',
      description: 'app1 stops for 200 ms (a stop-the-world GC pause) at 40% of the workload, holding every answer it has not handled yet.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.4), kind: 'pause', node: 'app1' },
        { at: Math.round(p.workloadMs * 0.4) + 200, kind: 'resume', node: 'app1' },
      ],
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
    { id: 'no-faults', title: 'No faults', description: 'Normal operation: only the network’s own jitter.', faults: () => [] },
  ],
  defaultPreset: 'slow-reader',
  alarmStates: [],
  faultSpace: (p: Params): FaultSpaceOptions => ({
    windowMs: p.workloadMs,
    faultsMax: 3,
    injects: [
      {
        name: 'stall',
        description: 'the app handles its next database answer to a read (a miss) or a write late, with everything that follows from it',
        nodes: appNames(p.apps),
        args: { ms: { min: 10, max: 1000, integer: true }, on: { oneOf: ['read', 'write'] } },
      },
    ],
  }),
  build(world) {
    const { params: p } = world;
    const strategy = world.strategy as CacheStrategy;
    const apps = appNames(p.apps);
    const requests = drawRequests(world.stream('workload'), {
      ratePerMs: p.requestsPerSec / 1000,
      fromMs: 0,
      toMs: p.workloadMs,
      keys: p.keys,
      zipfS: p.zipfS,
      writeFraction: p.writeFraction,
      deleteShare: p.deleteShare,
      readBackShare: p.readBackShare,
      apps: p.apps,
    });
    const traffic = new TrafficMonitor(100, world.sim.tracing);
    const dbLoad = new DatabaseLoad(p.dbConnections);
    const cacheStats = new CacheNodeStats();
    const writeOf = (value: unknown): number | undefined => (value as { w?: number } | null)?.w;
    // Writes are ordered by the database's log, except under write-behind, where the cache takes them first.
    const cacheOrder = new WriteOrder();
    const versionOf = (w: number): number | undefined => (strategy === 'write-behind' ? cacheOrder.versionOf(w) : commits.versionOf(w));
    const auditor = new StalenessAuditor(versionOf);
    /** The last value put in the cache per key: when, and which version (a witness of a stale read). */
    const lastPut = new Map<string, { t: number; version: number }>();

    const onFinished = (o: RequestOutcome): void => {
      traffic.finished(o, world.now);
      if (!o.ok) return;
      if (o.request.kind !== 'read') {
        auditor.acknowledged(o.request.key, o.request.id, world.now);
        world.reach('write-acknowledged');
        return;
      }
      if (o.response?.detail === 'cache') world.reach('cache-hit');
      if (o.request.readBackOf !== undefined) world.reach('read-back');
      const stale = auditor.read(o.request.key, writeOf(o.response?.value), o.startMs);
      if (stale === null) return;
      world.reach('stale-read');
      if (stale.stalenessMs <= p.stalenessBoundMs) return;
      const put = lastPut.get(stale.key);
      world.violate(
        'bounded-staleness',
        `a read of ${stale.key} that began at ${fmtMs(o.startMs)} ms returned version ${stale.versionRead} from the ${o.response?.detail ?? 'server'}, but version ${stale.versionAcknowledged} had been acknowledged ${fmtMs(stale.stalenessMs)} ms before (the promise is ${p.stalenessBoundMs} ms)`,
        {
          node: 'cache',
          witnesses: [
            { t: stale.missedAckMs, key: stale.key, what: `write ${stale.missedWrite} of ${stale.key} acknowledged` },
            ...(put !== undefined && put.version === stale.versionRead && o.response?.detail === 'cache'
              ? [{ t: put.t, node: 'cache', key: stale.key, what: `the cache got version ${put.version} of ${stale.key}` }]
              : []),
            { t: o.startMs, key: stale.key, what: `a read began and got version ${stale.versionRead}` },
          ],
        },
      );
    };

    world.node(
      'clients',
      USERS,
      openLoopClients({
        requests,
        apps,
        timeoutMs: p.dbTimeoutMs * 2 + p.cacheTimeoutMs * 2,
        // A user resubmits a request that failed, once: the write's request id makes it safe.
        retries: 1,
        backoff: { baseMs: 10, factor: 2, capMs: 100, jitter: 'full' },
        log: { attemptDone: (o) => traffic.attemptDone(o, world.now), finished: onFinished },
      }),
    );
    apps.forEach((name, i) => {
      world.node(
        name,
        APP_SERVER,
        strategyApp({
          strategy,
          cache: 'cache',
          db: 'db',
          ttlMs: p.ttlMs,
          leaseMs: p.leaseMs,
          cacheTimeoutMs: p.cacheTimeoutMs,
          dbTimeoutMs: p.dbTimeoutMs,
          flusher: i === 0,
          flushIntervalMs: p.flushIntervalMs,
          flushBatch: 32,
        }),
      );
    });
    world.node(
      'cache',
      CACHE,
      cacheNode({
        serviceMs: p.cacheServiceMs,
        memoryBytesMax: p.cacheMemoryBytes,
        stats: cacheStats,
        observe: (cmd, result) => {
          if ((cmd.op !== 'set' && cmd.op !== 'lease-set') || !result.ok) return;
          const w = writeOf(cmd.value);
          // Under write-behind the cache is where writes take effect first: it orders them.
          if (strategy === 'write-behind' && w !== undefined && w > 0 && cmd.op === 'set' && cmd.nx !== true) cacheOrder.took(cmd.key, w);
          if (strategy === 'write-behind') return;
          const put = auditor.versionOfWrite(w);
          lastPut.set(cmd.key, { t: world.now, version: put });
          const current = commits.latestVersion(cmd.key);
          if (put < current) {
            world.note(
              () =>
                `the cache now holds ${cmd.key} at version ${put}, but the database has version ${current}: a slow fill or a late SET put an older value back, and readers will get it until it expires (${fmtMs(p.ttlMs)} ms from now)`,
              'warn',
            );
          }
        },
      }),
    );
    world.node(
      'db',
      DATABASE,
      databaseNode({
        connections: p.dbConnections,
        queueLimit: p.dbQueueLimit,
        acquireTimeoutMs: p.dbTimeoutMs,
        serviceMeanMs: (q) => (q.op === 'write' ? p.dbWriteMs : p.dbReadMs),
        load: dbLoad,
        initialValue: () => ({ w: 0 }),
      }),
    );
    const commits = new CommitIndex(world.disk('db'));

    world.chart(hitRatioChart(traffic, () => world.now, SAMPLE_MS));
    world.chart(dbLoadChart(dbLoad, SAMPLE_MS));
    world.chart({
      id: 'db-connections',
      title: 'Database connections busy',
      unit: 'connections',
      everyMs: SAMPLE_MS,
      series: { 'db.busy': () => dbLoad.busy },
      limit: { value: p.dbConnections, label: 'pool size' },
    });
    world.chart({ id: 'stale-reads', title: 'Stale reads so far', unit: 'reads', everyMs: SAMPLE_MS, series: { 'reads.stale': () => auditor.staleReads } });

    /** Acknowledged writes that never reached the database (write-behind's queue lives in the cache). */
    const lostWrites = (): number[] => auditor.acknowledgedWrites.filter((w) => commits.versionOf(w) === undefined);
    auditWritesAppliedOnce(world);
    auditNoLostWrite(world, () => auditor.acknowledgedWrites, commits, 'only in the cache');

    return {
      metrics() {
        const requestsTotal = Math.max(1, traffic.requests);
        return {
          hitRatio: traffic.hitRatio,
          dbQueriesPerRequest: dbLoad.arrived / requestsTotal,
          readLatencyP50Ms: percentile(traffic.readLatencyMs, 50),
          readLatencyP99Ms: percentile(traffic.readLatencyMs, 99),
          writeLatencyP50Ms: percentile(traffic.writeLatencyMs, 50),
          writeLatencyP99Ms: percentile(traffic.writeLatencyMs, 99),
          staleReads: auditor.staleReads,
          staleReadRate: traffic.readsOk === 0 ? 0 : auditor.staleReads / traffic.readsOk,
          stalenessMaxMs: auditor.stalenessMs.reduce((m, x) => Math.max(m, x), 0),
          lostWrites: lostWrites().length,
          errorRate: traffic.errorRate,
        };
      },
    };
  },
});
