/**
 * Redis outage: the cache is down for a while, then back.
 *
 * Two app servers answer 500 requests a second; Redis answers almost all reads, and the
 * database behind it, sized for the misses and the writes, runs at a sixth of its capacity.
 * Then Redis stops answering. What happens next is decided by what the apps do with the
 * reads Redis used to answer:
 *
 *  - naive fallback sends them all to the database, which can serve 250 a second. Its queue
 *    fills, queries wait longer than the apps will, the apps give up on them (the database
 *    runs them anyway), users retry, and the retries are more load on a database already
 *    working for callers that have left. The service fails as a whole, and may stay down
 *    after Redis is back: the cache cannot refill while every database read times out.
 *  - a circuit breaker and a rate limiter make the outage a degradation: the apps stop
 *    waiting on Redis, send the database only what it can serve, and fail the rest at once.
 *    When Redis returns, the cold cache refills from the misses the limiter admits; with a
 *    warm-up the apps also load their hottest keys in a few batched queries.
 */
import { z } from 'zod';
import { percentile } from '../../engine/index.ts';
import { defineScenario, type FaultSpaceOptions } from '../framework/scenario.ts';
import { CacheNodeStats, cacheNode, type PreloadEntry } from '../parts/cache/cache-node.ts';
import { APP_SERVER, appNames, CACHE, cacheTierNetwork, DATABASE, lanLatencyMeanMs, USERS } from '../parts/cache/cache-tier.ts';
import { auditNoLostWrite, auditWritesAppliedOnce, NO_LOST_WRITE, WRITE_APPLIED_ONCE } from '../parts/cache/write-audit.ts';
import type { CircuitBreakerConfig } from '../parts/resilience/circuit-breaker.ts';
import { CommitIndex, DatabaseLoad, databaseNode } from '../parts/storage/database.ts';
import { openLoopClients } from '../parts/workload/open-loop-clients.ts';
import { TrafficMonitor } from '../parts/workload/traffic-monitor.ts';
import { drawRequests, keyName } from '../parts/workload/workload.ts';
import { OutageAppStats, type OutageStrategy, outageApp } from './app.ts';
import { BREAKER_ADMITS_PROBES, DB_POOL_SHARE, DB_RATE_LIMITED, GuardAudit } from './guard-audit.ts';
import { IncidentMonitor } from './incident-monitor.ts';

const params = z.object({
  apps: z.number().int().min(1).max(8).default(2).describe('app servers'),
  keys: z.number().int().min(2).max(100_000).default(100).describe('distinct keys, all cached when the story begins'),
  zipfS: z.number().min(0).max(3).default(1).describe('Zipf exponent of key popularity (0: uniform)'),
  requestsPerSec: z.number().min(1).max(100_000).default(500).describe('user requests per second (Poisson)'),
  writeFraction: z.number().min(0).max(1).default(0.05).describe('share of requests that are writes (deletes included)'),
  deleteShare: z.number().min(0).max(1).default(0.1).describe('share of the writes that delete the key'),
  readBackShare: z.number().min(0).max(1).default(0.25).describe('share of the writes the user reads back (through another app server) once acknowledged'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('requests arrive over this window, in ms'),
  ttlMs: z.number().min(1).max(3_600_000).default(60_000).describe('time to live of a cached key, in ms'),
  cacheServiceMs: z.number().min(0.001).max(100).default(0.05).describe('time single-threaded Redis takes per command, in ms'),
  cacheTimeoutMs: z.number().min(1).max(60_000).default(20).describe('an app gives up on Redis after this long, in ms'),
  dbConnections: z.number().int().min(1).max(256).default(4).describe('database connection pool size'),
  dbQueryMs: z.number().min(0.01).max(10_000).default(16).describe('mean time of a database query, in ms'),
  dbQueueLimit: z.number().int().min(0).max(100_000).default(64).describe('queries that may wait for a connection; more are refused'),
  dbAcquireTimeoutMs: z.number().min(1).max(60_000).default(250).describe('a query that waits this long for a connection fails, in ms'),
  dbTimeoutMs: z.number().min(1).max(60_000).default(100).describe('an app gives up on a database query after this long (the query still runs), in ms'),
  clientTimeoutMs: z.number().min(1).max(60_000).default(300).describe('a user gives up on an attempt after this long, in ms'),
  clientRetries: z.number().int().min(0).max(10).default(2).describe('times a user retries a failed or timed-out request'),
  retryBackoffMs: z.number().min(0).max(60_000).default(50).describe('base of the users’ exponential backoff (full jitter), in ms'),
  dbRateShare: z.number().min(0.05).max(1).default(0.8).describe('(breaker) share of the database’s capacity the apps together may use'),
  dbBurst: z.number().int().min(1).max(1000).default(4).describe('(breaker) token-bucket burst of each app, in queries'),
  dbSocketTimeoutMs: z
    .number()
    .min(1)
    .max(600_000)
    .default(2000)
    .describe('(breaker) an app resets a pooled database connection whose query never answered after this long, in ms'),
  breakerWindowMs: z.number().min(1).max(60_000).default(100).describe('(breaker) sliding window of call outcomes, in ms'),
  breakerMinCalls: z.number().int().min(1).max(1000).default(5).describe('(breaker) calls in the window before the breaker may open'),
  breakerFailureRate: z.number().min(0.01).max(1).default(0.5).describe('(breaker) opens at this share of failed calls'),
  breakerOpenMs: z.number().min(1).max(60_000).default(100).describe('(breaker) stays open this long before probing, in ms'),
  warmupKeys: z.number().int().min(0).max(100_000).default(50).describe('(breaker-warmup) hottest keys loaded into Redis when it returns empty'),
  warmupBatch: z.number().int().min(1).max(1000).default(20).describe('(breaker-warmup) keys per batched database read'),
  latencyMeanMs: lanLatencyMeanMs,
  settleMs: z.number().min(0).max(600_000).default(300).describe('after the faults heal, time to finish answering, in ms'),
});
type Params = z.infer<typeof params>;

const SAMPLE_MS = 10;
/** A batched read of n keys costs the database (1 + n / 10) single reads. */
const batchCost = (keys: number): number => 1 + keys / 10;

export const redisOutage = defineScenario({
  id: 'redis-outage',
  title: 'Redis outage: fallback, breaker, warm-up',
  family: 'cache',
  question: 'When the cache in front of the database goes down, does the service degrade or collapse, and how fast does it recover when the cache comes back?',
  summary:
    'Redis answers nearly every read until it stops. Naive fallback hands the whole read load to a database sized for the misses: its queue fills, queries outlive their callers, retries pile on, and the service fails as a whole, possibly long after Redis is back. A circuit breaker with a rate limiter turns the outage into a controlled degradation; a warm-up shortens the cold-cache recovery. Watch the database’s queue, the error rate, p99 latency and the hit ratio over time.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => cacheTierNetwork(p.latencyMeanMs),
  strategies: [
    {
      id: 'naive-fallback',
      title: 'Naive fallback to the database',
      explanation:
        'Every read tries Redis, waits out its timeout when Redis is down, and then asks the database, however many ask at once. Nothing limits what reaches the database, so an outage hands it the full read load, several times what it can serve, and the users’ retries on top.',
      expectedViolations: ['db-within-capacity'],
    },
    {
      id: 'breaker-cold',
      title: 'Circuit breaker + rate limiter, cold recovery',
      explanation:
        'A breaker on Redis stops the apps from calling it once most calls fail (no more waiting out timeouts), and probes it again every so often. A token bucket lets each app send the database only its share of a safe rate; a second breaker sheds load if the database itself turns slow. Reads over the limit fail fast. When Redis returns empty, it refills from the misses the limiter admits.',
      expectedViolations: [],
    },
    {
      id: 'breaker-warmup',
      title: 'Circuit breaker + rate limiter, warm-up on recovery',
      explanation:
        'As with the cold recovery; and when an app sees Redis back with a new run id (empty), it loads its hottest keys with a few batched queries, reserved ahead of live misses within its rate limit. The top few dozen keys carry most of the traffic, so the hit ratio returns at once instead of one miss at a time.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'naive-fallback',
  invariants: [
    {
      name: 'db-within-capacity',
      kind: 'safety',
      description:
        'The database’s load stays within its capacity: no query is refused because dbQueueLimit queries are already waiting for a connection, and none waits past the acquire timeout.',
    },
    {
      name: BREAKER_ADMITS_PROBES,
      kind: 'safety',
      description:
        'An app’s circuit breaker (on Redis or on the database) that is open lets no call through, and one that is half-open lets through only its probe calls until they are judged.',
      appliesTo: ['breaker-cold', 'breaker-warmup'],
    },
    {
      name: DB_RATE_LIMITED,
      kind: 'safety',
      description:
        'Each app sends the database at most its token bucket’s burst plus its share of the safe rate times the interval, over any interval of its own clock: the warm-up’s batches included, each counted at its cost.',
      appliesTo: ['breaker-cold', 'breaker-warmup'],
    },
    {
      name: DB_POOL_SHARE,
      kind: 'safety',
      description:
        'Each app process keeps at most its share of the database’s connections busy (dbConnections / apps, its pool): the database never holds more of one process’s queries, running or waiting, than that share (a pooled connection stays busy until the database answers).',
      appliesTo: ['breaker-cold', 'breaker-warmup'],
    },
    NO_LOST_WRITE,
    WRITE_APPLIED_ONCE,
  ],
  goals: [
    { name: 'cache-outage', description: 'Redis was down or stalled while users were sending requests.' },
    { name: 'cache-back', description: 'Redis came back before the workload ended.' },
  ],
  metrics: [
    { name: 'errorRate', unit: 'ratio', description: 'share of user requests that failed after every retry', better: 'lower' },
    { name: 'errorRatePeak', unit: 'ratio', description: 'highest share of failed attempts over 100 ms', better: 'lower' },
    { name: 'latencyP99Ms', unit: 'ms', description: '99th percentile latency of the requests that succeeded (retries included)', better: 'lower' },
    { name: 'latencyP99PeakMs', unit: 'ms', description: 'highest p99 attempt latency over 100 ms', better: 'lower' },
    { name: 'dbLoadPeak', unit: 'ratio', description: 'highest load offered to the database over 10 ms, as a share of its capacity', better: 'lower' },
    { name: 'dbInFlightMax', unit: 'queries', description: 'most queries at the database at once (running plus waiting)', better: 'lower' },
    { name: 'dbRefused', unit: 'queries', description: 'queries the database refused or failed for lack of capacity', better: 'lower' },
    { name: 'amplificationPeak', unit: 'queries', description: 'most database queries per user request over 100 ms (retries included)', better: 'lower' },
    { name: 'abandonedQueries', unit: 'queries', description: 'queries the apps gave up on (the database ran them anyway)', better: 'lower' },
    { name: 'retries', unit: 'attempts', description: 'attempts beyond each request’s first', better: 'lower' },
    { name: 'shed', unit: 'requests', description: 'database calls turned away at once by a breaker or the rate limiter', better: 'neither' },
    { name: 'hitRatio', unit: 'ratio', description: 'share of answered reads served from Redis', better: 'higher' },
    {
      name: 'recoveryMs',
      unit: 'ms',
      description: 'from Redis answering again until errors stay under 1% and the hit ratio at 80% of normal for 100 ms (until the workload ends if never)',
      better: 'lower',
    },
  ],
  presets: [
    {
      id: 'redis-down',
      title: 'Redis down for 250 ms',
      description: 'Redis crashes at 20% of the workload and restarts, empty, 250 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.2), kind: 'crash', node: 'redis' },
        { at: Math.round(p.workloadMs * 0.2) + 250, kind: 'restart', node: 'redis' },
      ],
    },
    {
      id: 'redis-down-for-good',
      title: 'Redis down until the end',
      description: 'Redis crashes at 30% of the workload and stays down.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'redis' }],
    },
    {
      id: 'redis-stall',
      title: 'Redis stalls for 200 ms',
      description: 'Redis stops answering at 30% of the workload (a long fork for a snapshot, a swap storm) and resumes 200 ms later with its data intact.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'pause', node: 'redis' },
        { at: Math.round(p.workloadMs * 0.3) + 200, kind: 'resume', node: 'redis' },
      ],
    },
  ],
  defaultPreset: 'redis-down',
  alarmStates: ['overloaded', 'saturated', 'Redis breaker open'],
  faultSpace: (p: Params): FaultSpaceOptions => ({
    windowMs: p.workloadMs,
    faultsMax: 3,
    injects: [
      {
        name: 'burst',
        description: 'extra traffic for a while',
        nodes: ['clients'],
        args: { factor: { min: 2, max: 4, integer: true }, durationMs: { min: 20, max: 300, integer: true } },
      },
    ],
  }),
  build(world) {
    const { params: p } = world;
    const strategy = world.strategy as OutageStrategy;
    const apps = appNames(p.apps);
    const workload = {
      ratePerMs: p.requestsPerSec / 1000,
      keys: p.keys,
      zipfS: p.zipfS,
      writeFraction: p.writeFraction,
      deleteShare: p.deleteShare,
      readBackShare: p.readBackShare,
      apps: p.apps,
    };
    const requests = drawRequests(world.stream('workload'), Object.assign({}, workload, { fromMs: 0, toMs: p.workloadMs }));
    // The incident monitor reads the traffic's sliding windows in every run: its metrics need them.
    const traffic = new TrafficMonitor(100);
    const dbLoad = new DatabaseLoad(p.dbConnections);
    const cacheStats = new CacheNodeStats();
    const appStats = new OutageAppStats();
    const capacityPerMs = p.dbConnections / p.dbQueryMs;
    const dbRatePerMs = (capacityPerMs * p.dbRateShare) / p.apps;
    const cacheBreaker: CircuitBreakerConfig = {
      windowMs: p.breakerWindowMs,
      minCalls: p.breakerMinCalls,
      failureRateThreshold: p.breakerFailureRate,
      slowCallMs: p.cacheTimeoutMs,
      slowCallRateThreshold: 2,
      openMs: p.breakerOpenMs,
      halfOpenCalls: 3,
    };
    // The database breaker trips on calls close to the apps' own timeout, not on ordinary queueing.
    const dbBreaker: CircuitBreakerConfig = { ...cacheBreaker, minCalls: p.breakerMinCalls * 4, slowCallMs: p.dbTimeoutMs * 0.8, slowCallRateThreshold: 0.5 };
    // Each app's pool holds its share of the database's connections: together they never queue there.
    const dbPoolSize = Math.max(1, Math.floor(p.dbConnections / p.apps));
    const audit = new GuardAudit(world, { halfOpenCalls: cacheBreaker.halfOpenCalls, dbRatePerMs, dbBurst: p.dbBurst, dbPoolSize });
    const acknowledged: number[] = [];

    const monitor = new IncidentMonitor(
      world,
      {
        sampleMs: SAMPLE_MS,
        apps,
        redis: 'redis',
        db: 'db',
        capacityPerMs,
        connections: p.dbConnections,
        queueLimit: p.dbQueueLimit,
        appDbTimeoutMs: p.dbTimeoutMs,
        clientTimeoutMs: p.clientTimeoutMs,
      },
      dbLoad,
      traffic,
      cacheStats,
    );

    world.node(
      'clients',
      USERS,
      openLoopClients({
        requests,
        apps,
        timeoutMs: p.clientTimeoutMs,
        retries: p.clientRetries,
        backoff: { baseMs: p.retryBackoffMs, factor: 2, capMs: p.retryBackoffMs * 8, jitter: 'full' },
        burstSpec: workload,
        log: {
          attempted: (_r, attempt) => {
            if (attempt === 1) monitor.requestArrived();
            if (world.status('redis') !== 'up') world.reach('cache-outage');
          },
          attemptDone: (o) => traffic.attemptDone(o, world.now),
          finished: (o) => {
            traffic.finished(o, world.now);
            if (o.ok && o.request.kind !== 'read') acknowledged.push(o.request.id);
          },
        },
      }),
    );
    apps.forEach((name, i) => {
      world.node(
        name,
        APP_SERVER,
        outageApp({
          strategy,
          index: i,
          apps: p.apps,
          cache: 'redis',
          db: 'db',
          ttlMs: p.ttlMs,
          cacheTimeoutMs: p.cacheTimeoutMs,
          dbTimeoutMs: p.dbTimeoutMs,
          cacheBreaker,
          dbBreaker,
          dbRatePerMs,
          dbBurst: p.dbBurst,
          dbPoolSize,
          dbSocketTimeoutMs: p.dbSocketTimeoutMs,
          batchCost,
          warmupKeys: p.warmupKeys,
          warmupBatch: p.warmupBatch,
          stats: appStats,
          audit,
        }),
      );
    });
    // Redis was warm when the story begins: every key cached.
    const preload: PreloadEntry[] = Array.from({ length: p.keys }, (_, i) => ({ key: keyName(i), value: { w: 0 }, pxat: p.ttlMs }));
    world.node('redis', CACHE, cacheNode({ serviceMs: p.cacheServiceMs, memoryBytesMax: 1e9, stats: cacheStats, preload }));
    let refusals = 0;
    world.node(
      'db',
      DATABASE,
      databaseNode({
        connections: p.dbConnections,
        queueLimit: p.dbQueueLimit,
        acquireTimeoutMs: p.dbAcquireTimeoutMs,
        serviceMeanMs: (q) => (q.op === 'read-many' ? p.dbQueryMs * batchCost(q.keys.length) : p.dbQueryMs),
        load: dbLoad,
        initialValue: () => ({ w: 0 }),
        observer: {
          started: () => audit.dbStarted(),
          arrived: (req) => audit.dbArrived(req.client ?? '?'),
          served: (req) => audit.dbLeft(req.client ?? '?'),
          refused(reason, req, waitedMs) {
            audit.dbLeft(req.client ?? '?');
            refusals++;
            world.violate(
              'db-within-capacity',
              reason === 'queue-full'
                ? `the database refused a query: all ${p.dbConnections} connections busy and ${p.dbQueueLimit} queries already waiting`
                : `a query waited ${Math.round(waitedMs)} ms for a connection and failed (acquire timeout ${p.dbAcquireTimeoutMs} ms)`,
              { node: 'db', witnesses: [{ t: world.now, node: 'db', what: `${dbLoad.busy} connections busy, ${dbLoad.queued} queries waiting` }] },
            );
            if (refusals === 1)
              world.note(
                () =>
                  `the database starts refusing queries (${reason === 'queue-full' ? 'its queue is full' : 'queries time out waiting for a connection'}): it is past its capacity`,
                'warn',
              );
          },
        },
      }),
    );
    auditWritesAppliedOnce(world);
    auditNoLostWrite(world, () => acknowledged, new CommitIndex(world.disk('db')));
    monitor.start();
    world.atEnd(() => {
      if (monitor.summary.backAt !== null && monitor.summary.backAt < p.workloadMs) world.reach('cache-back');
    });

    const latest = monitor.latest;
    world.chart({
      id: 'db-busy',
      title: 'Database connections busy',
      unit: 'connections',
      everyMs: SAMPLE_MS,
      series: { 'db.busy': () => dbLoad.busy },
      limit: { value: p.dbConnections, label: 'pool size' },
    });
    world.chart({
      id: 'db-queue',
      title: 'Queries waiting for a database connection',
      unit: 'queries',
      everyMs: SAMPLE_MS,
      series: { 'db.queue': () => dbLoad.queued },
      limit: { value: p.dbQueueLimit, label: 'queue limit' },
    });
    world.chart({
      id: 'db-load',
      title: 'Queries reaching the database per second',
      unit: '1/s',
      everyMs: SAMPLE_MS,
      series: { 'db.queriesPerSec': () => latest.offeredPerSec },
      limit: { value: capacityPerMs * 1000, label: 'capacity' },
    });
    world.chart({ id: 'errors', title: 'Failed attempts (last 100 ms)', unit: 'ratio', everyMs: SAMPLE_MS, series: { 'errors.rate': () => latest.errorRate } });
    world.chart({
      id: 'latency',
      title: 'Attempt latency p99 (last 100 ms)',
      unit: 'ms',
      everyMs: SAMPLE_MS,
      series: { 'latency.p99': () => latest.latencyP99Ms },
      limit: { value: p.clientTimeoutMs, label: 'user timeout' },
    });
    world.chart({
      id: 'hit-ratio',
      title: 'Redis hit ratio (last 100 ms)',
      unit: 'ratio',
      everyMs: SAMPLE_MS,
      series: { 'cache.hitRatio': () => latest.hitRatio },
    });
    world.chart({
      id: 'amplification',
      title: 'Database queries per user request',
      unit: 'queries',
      everyMs: SAMPLE_MS,
      series: { 'load.amplification': () => latest.amplification },
    });
    world.chart({
      id: 'breakers',
      title: 'Redis breaker (0 closed, 0.5 half-open, 1 open)',
      unit: 'state',
      everyMs: SAMPLE_MS,
      series: Object.fromEntries(apps.map((name, i) => [`breaker.${name}`, () => appStats.cacheBreaker[i] ?? 0])),
    });

    return {
      metrics() {
        const s = monitor.summary;
        return {
          errorRate: traffic.errorRate,
          errorRatePeak: s.errorRatePeak,
          latencyP99Ms: percentile([...traffic.readLatencyMs, ...traffic.writeLatencyMs], 99),
          latencyP99PeakMs: s.latencyP99PeakMs,
          dbLoadPeak: s.loadPeak,
          dbInFlightMax: dbLoad.inFlightMax,
          dbRefused: dbLoad.refused + dbLoad.timedOut,
          amplificationPeak: s.amplificationPeak,
          abandonedQueries: appStats.dbTimeouts,
          retries: traffic.attempts - traffic.requests,
          shed: appStats.shedByBreaker + appStats.shedByRateLimit + appStats.shedByPool,
          hitRatio: traffic.hitRatio,
          recoveryMs: monitor.recoveryMs(),
        };
      },
    };
  },
});
