/**
 * Cache stampede: a hot key expires under load.
 *
 * A handful of hot keys (the front page's products) are read a thousand times a second, and
 * each is expensive to compute: one slow database query. They were all cached at the same
 * moment with the same TTL. When they expire, every reader that arrives before the first
 * recomputation lands misses too and sends the same query: a thundering herd that fills the
 * database's connection pool and its queue, and turns a 40 ms query into a queue of them.
 *
 * Five strategies meet the same requests: no protection, TTL jitter, a mutex on the cache,
 * request coalescing, and probabilistic early refresh (XFetch). Faults the checker may add:
 * a flush of the whole cache, one hot key expiring early, and traffic bursts.
 */
import { z } from 'zod';
import { percentile } from '../../engine/index.ts';
import { defineScenario, type FaultSpaceOptions } from '../framework/scenario.ts';
import { lockKeyOf } from '../parts/cache/cache-mutex.ts';
import { CacheNodeStats, cacheNode, type PreloadEntry } from '../parts/cache/cache-node.ts';
import {
  APP_SERVER,
  appCacheTimeoutMs,
  appDbTimeoutMs,
  appNames,
  CACHE,
  cacheTierNetwork,
  DATABASE,
  lanLatencyMeanMs,
  USERS,
} from '../parts/cache/cache-tier.ts';
import { jitteredTtlMs } from '../parts/cache/ttl-jitter.ts';
import { DatabaseLoad, databaseNode } from '../parts/storage/database.ts';
import { openLoopClients } from '../parts/workload/open-loop-clients.ts';
import { TrafficMonitor } from '../parts/workload/traffic-monitor.ts';
import { drawRequests, keyName } from '../parts/workload/workload.ts';
import { type HotValue, StampedeAppStats, type StampedeStrategy, stampedeApp } from './app.ts';
import { LOCK_HOLDER_RECOMPUTES, LoadAudit, SINGLE_FLIGHT } from './load-audit.ts';

const params = z.object({
  apps: z.number().int().min(1).max(8).default(2).describe('app servers'),
  hotKeys: z.number().int().min(1).max(1000).default(8).describe('hot keys, all cached at the start with the same TTL'),
  zipfS: z.number().min(0).max(3).default(0.5).describe('Zipf exponent of popularity among the hot keys (0: uniform)'),
  requestsPerSec: z.number().min(1).max(100_000).default(1000).describe('reads per second (Poisson)'),
  workloadMs: z.number().min(100).max(600_000).default(500).describe('reads arrive over this window, in ms'),
  ttlMs: z.number().min(1).max(3_600_000).default(300).describe('time to live of a hot key, in ms (all expire together at first)'),
  ttlJitter: z.number().min(0).max(0.9).default(0.5).describe('(ttl-jitter) each TTL is drawn in ttl * [1 - jitter, 1 + jitter)'),
  recomputeMs: z.number().min(0.1).max(60_000).default(40).describe('mean time of the query that computes a hot value, in ms'),
  dbConnections: z.number().int().min(1).max(256).default(8).describe('database connection pool size'),
  dbQueueLimit: z.number().int().min(0).max(100_000).default(16).describe('queries that may wait for a connection; more are refused'),
  dbAcquireTimeoutMs: z.number().min(1).max(60_000).default(250).describe('a query that waits this long for a connection fails, in ms'),
  lockTtlMs: z
    .number()
    .min(1)
    .max(60_000)
    .default(600)
    .describe('(mutex) the lock expires after this long, in ms (longer than the winner waits for its query, so it never expires under a winner still at work)'),
  lockRetryMs: z.number().min(1).max(10_000).default(10).describe('(mutex) a reader that lost the lock looks again after this long, in ms'),
  lockWaitMs: z.number().min(1).max(60_000).default(300).describe('(mutex) a reader gives up waiting for the value after this long, in ms'),
  beta: z.number().min(0.1).max(10).default(1).describe('(early-refresh) XFetch beta: above 1 refreshes earlier'),
  cacheServiceMs: z.number().min(0.001).max(100).default(0.02).describe('time the single-threaded cache takes per command, in ms'),
  cacheTimeoutMs: appCacheTimeoutMs,
  dbTimeoutMs: appDbTimeoutMs,
  clientTimeoutMs: z.number().min(1).max(60_000).default(1000).describe('a user gives up after this long, in ms'),
  latencyMeanMs: lanLatencyMeanMs,
  settleMs: z.number().min(0).max(600_000).default(300).describe('after the faults heal, time to finish answering, in ms'),
});
type Params = z.infer<typeof params>;

const SAMPLE_MS = 10;

export const cacheStampede = defineScenario({
  id: 'cache-stampede',
  title: 'Cache stampede on hot keys',
  family: 'cache',
  question: 'When a hot key expires under load, how many readers hit the database at once, and which protection keeps the spike under the pool’s capacity?',
  summary:
    'A few hot keys, expensive to compute, are read a thousand times a second and expire together. With no protection every reader that misses runs the same slow query and the database’s pool and queue fill up. Compare TTL jitter, a mutex on the cache, request coalescing and probabilistic early refresh, and watch the database’s queries in flight and the tail latency at the moment of expiry.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => cacheTierNetwork(p.latencyMeanMs),
  strategies: [
    {
      id: 'none',
      title: 'No protection',
      explanation:
        'A reader that misses runs the query and fills the cache. When the hot keys expire together, every reader arriving in the next query-time misses too: a thousand reads a second times 40 ms is forty identical queries at once, past what the pool and its queue can hold.',
      expectedViolations: ['db-within-capacity'],
    },
    {
      id: 'ttl-jitter',
      title: 'TTL jitter',
      explanation:
        'Each TTL is drawn around the nominal one, so keys cached together expire spread over a window and their herds reach the database one key at a time. It does nothing for a single key’s own herd, nor for a cache that loses every key at once (a flush, a restart): then all the herds come together again.',
      expectedViolations: ['db-within-capacity'],
    },
    {
      id: 'mutex',
      title: 'Mutex lock (SET NX)',
      explanation:
        'A reader that misses takes a lock on the cache; only the winner runs the query, the others poll the cache every few milliseconds until the value appears. One query per key, whatever the load or the flush; the cost is the waiters’ latency, their polling load on the cache, and errors if the winner takes longer than they are willing to wait.',
      expectedViolations: [],
    },
    {
      id: 'coalescing',
      title: 'Request coalescing (single-flight)',
      explanation:
        'Within each app server, concurrent misses on a key share one query and all get its result: one query per key per server, with no round trips to a lock. Waiters wait exactly one query time. It bounds the herd by the number of servers, not to one.',
      expectedViolations: [],
    },
    {
      id: 'early-refresh',
      title: 'Probabilistic early refresh (XFetch)',
      explanation:
        'Each reader that hits may refresh the key a little before it expires, with a probability that rises as expiry nears and with the cost of the query, while still answering from the cache. Under steady load the hot keys never go missing and tail latency stays flat. But it needs a value to refresh: after a flush or a restart every reader misses and the herd is back.',
      expectedViolations: ['db-within-capacity'],
    },
  ],
  defaultStrategy: 'none',
  invariants: [
    {
      name: 'db-within-capacity',
      kind: 'safety',
      description:
        'The database is never asked for more than its pool can hold: no query is refused because dbQueueLimit queries are already waiting, and none waits past the acquire timeout.',
    },
    {
      name: SINGLE_FLIGHT,
      kind: 'safety',
      description:
        'Coalescing promises one query per key per app server per miss: while a server’s load of a key is in progress — from its query until its fill has landed in the cache, or it failed — the server sends no other query for that key.',
      appliesTo: ['coalescing'],
    },
    {
      name: LOCK_HOLDER_RECOMPUTES,
      kind: 'safety',
      description: 'The mutex promises that only a reader the cache granted the key’s lock recomputes it; every other reader waits for the value.',
      appliesTo: ['mutex'],
    },
  ],
  goals: [
    { name: 'hot-key-missed', description: 'A hot key was missing while under load (it expired or was flushed) and a reader missed it.' },
    { name: 'cache-hit', description: 'A read was answered from the cache.' },
  ],
  metrics: [
    { name: 'dbQueries', unit: 'queries', description: 'queries the database received', better: 'lower' },
    { name: 'dbQueriesPeakPerSec', unit: '1/s', description: 'highest rate of queries reaching the database over 10 ms', better: 'lower' },
    { name: 'dbInFlightMax', unit: 'queries', description: 'most queries at the database at once (running plus waiting)', better: 'lower' },
    { name: 'dbRefused', unit: 'queries', description: 'queries the database refused or timed out for lack of capacity', better: 'lower' },
    { name: 'latencyP50Ms', unit: 'ms', description: 'median read latency', better: 'lower' },
    { name: 'latencyP99Ms', unit: 'ms', description: '99th percentile read latency', better: 'lower' },
    { name: 'latencyMaxMs', unit: 'ms', description: 'slowest read', better: 'lower' },
    { name: 'errorRate', unit: 'ratio', description: 'share of reads that failed', better: 'lower' },
    { name: 'hitRatio', unit: 'ratio', description: 'share of answered reads served from the cache', better: 'higher' },
    { name: 'misses', unit: 'reads', description: 'reads that found their key missing from the cache', better: 'lower' },
  ],
  presets: [
    {
      id: 'expiry',
      title: 'The hot keys expire under load',
      description: 'No fault: the hot keys, cached together at the start, expire together at ttlMs.',
      faults: () => [],
    },
    {
      id: 'flush',
      title: 'The cache is flushed',
      description: 'At 30% of the workload the cache loses every key at once (a FLUSHALL, a failover to an empty replica).',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'inject', name: 'flush', node: 'cache' }],
    },
    {
      id: 'burst-at-expiry',
      title: 'A burst as the keys expire',
      description: 'Traffic triples for 100 ms just before the hot keys expire.',
      faults: (p: Params) => [
        { at: Math.max(0, Math.round(p.ttlMs) - 50), kind: 'inject', name: 'burst', node: 'clients', args: { factor: 3, durationMs: 100 } },
      ],
    },
  ],
  defaultPreset: 'expiry',
  alarmStates: ['overloaded', 'saturated'],
  faultSpace: (p: Params): FaultSpaceOptions => ({
    windowMs: p.workloadMs,
    faultsMax: 3,
    injects: [
      { name: 'flush', description: 'the cache loses every key at once', nodes: ['cache'] },
      {
        name: 'expire',
        description: 'one hot key expires now',
        nodes: ['cache'],
        args: { key: { oneOf: Array.from({ length: Math.min(p.hotKeys, 16) }, (_, i) => keyName(i)) } },
      },
      {
        name: 'burst',
        description: 'extra traffic for a while',
        nodes: ['clients'],
        args: { factor: { min: 2, max: 5, integer: true }, durationMs: { min: 20, max: 300, integer: true } },
      },
    ],
  }),
  build(world) {
    const { params: p } = world;
    const strategy = world.strategy as StampedeStrategy;
    const apps = appNames(p.apps);
    const workload = { ratePerMs: p.requestsPerSec / 1000, keys: p.hotKeys, zipfS: p.zipfS, writeFraction: 0, apps: p.apps };
    const requests = drawRequests(world.stream('workload'), Object.assign({}, workload, { fromMs: 0, toMs: p.workloadMs }));
    const traffic = new TrafficMonitor(50, world.sim.tracing);
    const dbLoad = new DatabaseLoad(p.dbConnections);
    const cacheStats = new CacheNodeStats();
    const appStats = new StampedeAppStats();
    const audit = new LoadAudit(world);
    const capacity = p.dbConnections + p.dbQueueLimit;
    // The peak rate of queries reaching the database, over 10 ms buckets.
    let bucket = -1;
    let inBucket = 0;
    let bucketPeak = 0;

    // The hot keys were all computed and cached at time 0, with the strategy's TTL.
    const ttlRng = world.stream('ttl');
    const preload: PreloadEntry[] = Array.from({ length: p.hotKeys }, (_, i) => {
      const ttl = strategy === 'ttl-jitter' ? jitteredTtlMs(p.ttlMs, p.ttlJitter, ttlRng) : p.ttlMs;
      return { key: keyName(i), value: { key: keyName(i), computedAt: 0, deltaMs: p.recomputeMs } satisfies HotValue, pxat: ttl };
    });

    world.node(
      'clients',
      USERS,
      openLoopClients({
        requests,
        apps,
        timeoutMs: p.clientTimeoutMs,
        retries: 0,
        backoff: { baseMs: 10, factor: 2, capMs: 100, jitter: 'full' },
        burstSpec: workload,
        log: {
          attemptDone: (o) => traffic.attemptDone(o, world.now),
          finished: (o) => {
            traffic.finished(o, world.now);
            if (!o.ok) return;
            if (o.response?.detail === 'cache') world.reach('cache-hit');
            else if (world.now <= p.workloadMs) world.reach('hot-key-missed');
          },
        },
      }),
    );
    for (const name of apps) {
      world.node(
        name,
        APP_SERVER,
        stampedeApp({
          strategy,
          cache: 'cache',
          db: 'db',
          ttlMs: p.ttlMs,
          jitter: p.ttlJitter,
          lockTtlMs: p.lockTtlMs,
          lockRetryMs: p.lockRetryMs,
          lockWaitMs: p.lockWaitMs,
          beta: p.beta,
          cacheTimeoutMs: p.cacheTimeoutMs,
          dbTimeoutMs: p.dbTimeoutMs,
          stats: appStats,
          audit,
        }),
      );
    }
    world.node(
      'cache',
      CACHE,
      cacheNode({
        serviceMs: p.cacheServiceMs,
        memoryBytesMax: 1e9,
        stats: cacheStats,
        preload,
        observe: (cmd, result) => {
          if (cmd.op === 'set' && cmd.nx === true && result.ok && cmd.key.startsWith(lockKeyOf(''))) audit.lockGranted(String(cmd.value));
        },
      }),
    );
    let refusalsNarrated = 0;
    // The database's state on the topology: saturated (every connection busy), overloaded (refusing queries), ok.
    let dbState = 'ok';
    const showDb = (state: 'ok' | 'saturated' | 'overloaded'): void => {
      if (state === dbState || !world.sim.tracing) return;
      dbState = state;
      world.sim.state(world.lookup('db'), state, state === 'ok' ? undefined : `${dbLoad.busy} busy, ${dbLoad.queued} waiting`);
    };
    world.node(
      'db',
      DATABASE,
      databaseNode({
        connections: p.dbConnections,
        queueLimit: p.dbQueueLimit,
        acquireTimeoutMs: p.dbAcquireTimeoutMs,
        serviceMeanMs: () => p.recomputeMs,
        // Computing a hot value is a steady aggregation, not a lottery: +/-25% around the mean.
        serviceSpread: 0.25,
        load: dbLoad,
        observer: {
          arrived() {
            const b = Math.floor(world.now / SAMPLE_MS);
            if (b !== bucket) {
              bucket = b;
              inBucket = 0;
            }
            if (++inBucket > bucketPeak) bucketPeak = inBucket;
          },
          refused(reason, { query }, waitedMs) {
            const key = 'key' in query ? query.key : 'a batch';
            world.violate(
              'db-within-capacity',
              reason === 'queue-full'
                ? `the database refused a query for ${key}: all ${p.dbConnections} connections were busy and ${p.dbQueueLimit} queries were already waiting`
                : `a query for ${key} waited ${Math.round(waitedMs)} ms for a connection and failed (the acquire timeout is ${p.dbAcquireTimeoutMs} ms)`,
              { node: 'db', witnesses: [{ t: world.now, node: 'db', key, what: `${dbLoad.busy} connections busy, ${dbLoad.queued} queries waiting` }] },
            );
            showDb('overloaded');
            if (refusalsNarrated++ === 0) {
              world.note(
                () =>
                  `the herd has outgrown the database: ${dbLoad.inFlight} queries in flight against a pool of ${p.dbConnections} and a queue of ${p.dbQueueLimit}; from now on readers get errors`,
                'warn',
              );
            }
          },
        },
      }),
    );

    world.chart({
      id: 'db-in-flight',
      title: 'Database queries in flight (running + waiting)',
      unit: 'queries',
      everyMs: SAMPLE_MS,
      series: { 'db.inFlight': () => dbLoad.inFlight },
      limit: { value: capacity, label: 'pool + queue limit' },
    });
    world.chart({
      id: 'db-qps',
      title: 'Queries reaching the database per second',
      unit: '1/s',
      everyMs: SAMPLE_MS,
      series: { 'db.queriesPerSec': { perSecond: () => dbLoad.arrived } },
    });
    world.chart({
      id: 'latency',
      title: 'Read latency p99 (last 50 ms)',
      unit: 'ms',
      everyMs: SAMPLE_MS,
      series: { 'latency.p99': () => traffic.attemptsWindow.percentile(world.now, 99) },
    });
    world.chart({
      id: 'hit-ratio',
      title: 'Cache hit ratio (last 50 ms)',
      unit: 'ratio',
      everyMs: SAMPLE_MS,
      series: { 'cache.hitRatio': () => traffic.recentHitRatio(world.now) },
    });
    // Narration only (a trace is being recorded): the herd forms, the pool fills, the herd passes.
    if (world.sim.tracing) narrateHerd();

    function narrateHerd(): void {
      let missesBefore = 0;
      let arrivedBefore = 0;
      let herd = false;
      let saturated = false;
      let inFlightPeak = 0;
      world.sim.every(
        SAMPLE_MS,
        () => {
          const now = world.now;
          const misses = appStats.misses - missesBefore;
          const arrived = dbLoad.arrived - arrivedBefore;
          missesBefore = appStats.misses;
          arrivedBefore = dbLoad.arrived;
          inFlightPeak = Math.max(inFlightPeak, dbLoad.inFlight);
          if (!herd && misses >= 3) {
            herd = true;
            world.note(
              () =>
                `hot keys are missing at ${Math.round(now)} ms (their TTL ran out, or the cache lost them): ${misses} reads missed in the last ${SAMPLE_MS} ms, and ${arrived} ${arrived === 1 ? 'query' : 'queries'} of about ${p.recomputeMs} ms each went to the database to recompute them`,
              'key',
            );
          }
          if (!saturated && dbLoad.busy === p.dbConnections) {
            saturated = true;
            if (dbState === 'ok') showDb('saturated');
            world.note(
              () =>
                `the database is saturated: all ${p.dbConnections} connections busy and ${dbLoad.queued} queries waiting (room for ${p.dbQueueLimit}); a new query waits about ${Math.round((dbLoad.queued * p.recomputeMs) / p.dbConnections)} ms for a connection`,
              'key',
            );
          }
          if (misses === 0 && dbLoad.inFlight < p.dbConnections / 2) {
            if (herd || saturated) {
              world.note(
                () =>
                  `the herd has passed: ${dbLoad.inFlight} queries in flight now; the peak was ${inFlightPeak} of the ${capacity} the pool and its queue can hold`,
                'key',
              );
            }
            herd = false;
            saturated = false;
            inFlightPeak = 0;
            showDb('ok');
          }
          return undefined;
        },
        SAMPLE_MS,
        world.endMs,
      );
    }

    return {
      metrics() {
        return {
          dbQueries: dbLoad.arrived,
          dbQueriesPeakPerSec: (bucketPeak * 1000) / SAMPLE_MS,
          dbInFlightMax: dbLoad.inFlightMax,
          dbRefused: dbLoad.refused + dbLoad.timedOut,
          latencyP50Ms: percentile(traffic.readLatencyMs, 50),
          latencyP99Ms: percentile(traffic.readLatencyMs, 99),
          latencyMaxMs: traffic.readLatencyMs.reduce((m, x) => Math.max(m, x), 0),
          errorRate: traffic.errorRate,
          hitRatio: traffic.hitRatio,
          misses: appStats.misses,
        };
      },
    };
  },
});
