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
import { StalenessAuditor } from '../parts/cache/staleness-auditor.ts';
import { auditNoLostWrite, auditWritesAppliedOnce, NO_LOST_WRITE, WRITE_APPLIED_ONCE } from '../parts/cache/write-audit.ts';
import { SlidingWindow } from '../parts/resilience/sliding-window.ts';
import { CommitIndex, committedWrites, DatabaseLoad, databaseNode } from '../parts/storage/database.ts';
import { openLoopClients, type RequestOutcome } from '../parts/workload/open-loop-clients.ts';
import { TrafficMonitor } from '../parts/workload/traffic-monitor.ts';
import { drawRequests, type Request } from '../parts/workload/workload.ts';
import { type InvalidationStrategy, invalidationApp } from './app.ts';
import { InvalidatorStats, invalidator } from './invalidator.ts';
import { RequestHistory } from './request-history.ts';

const params = z.object({
  apps: z.number().int().min(1).max(8).default(2).describe('app servers sharing the cache and the database'),
  keys: z.number().int().min(2).max(100_000).default(40).describe('distinct keys'),
  zipfS: z.number().min(0).max(3).default(1).describe('Zipf exponent of key popularity (0: uniform)'),
  requestsPerSec: z.number().min(1).max(100_000).default(300).describe('user requests per second (Poisson)'),
  writeFraction: z.number().min(0).max(1).default(0.1).describe('share of requests that are writes (deletes included)'),
  deleteShare: z.number().min(0).max(1).default(0.1).describe('share of the writes that delete the key'),
  readBackShare: z.number().min(0).max(1).default(0.25).describe('share of the writes the user reads back (through another app server) once acknowledged'),
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
    'Cache-aside app servers answer reads and writes of Zipf-popular keys. Compare expiring entries after a TTL (with and without jitter), deleting on write, versioned keys, and deleting what the database’s change stream reports. Watch the stale-read rate and how long stale values live; lose or delay a change event and watch the old value stay until its TTL; skew the cache’s clock and watch the TTL itself stop meaning what it says.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => cacheTierNetwork(p.latencyMeanMs),
  strategies: [
    {
      id: 'ttl',
      title: 'TTL only',
      explanation:
        'Writes never touch the cache; every entry simply expires a TTL after it was read from the database. It promises only that: a read may be up to one TTL stale, and reads of a hot key after a write are stale until its entry expires. No invalidation can be lost, but the TTL is counted by the cache’s clock, as Redis counts it by its host’s: a clock that jumps back or runs slow keeps every entry alive longer than promised in real time, and one clock fault breaks the bound.',
      expectedViolations: ['bounded-staleness'],
    },
    {
      id: 'ttl-jitter',
      title: 'TTL with jitter',
      explanation:
        'As TTL only, with each TTL drawn at random around the nominal one, so entries filled together (after a restart, a deploy) expire apart and their misses spread out. Staleness is bounded by the longest TTL drawn; on average it is the same as plain TTL. Like every TTL, it is counted by the cache’s clock: a cache clock that runs slow stretches it past its bound.',
      expectedViolations: ['bounded-staleness'],
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
        'Each read first asks the database for the key’s current version (a cheap index-only lookup), then reads the immutable cache entry for that version. A write just creates a new version: no entry is ever invalidated and no read is ever stale, whatever the clocks do, because the freshness check is a question to the database, not a TTL. The cost: every read touches the database, and old versions occupy memory until they expire.',
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
    // Only versioned-keys promises more than bounded staleness: no read is ever stale, which is linearizable reads per key.
    {
      name: 'linearizable-reads',
      kind: 'safety',
      description:
        'Judged by the generic linearizability checker (kv: each key a register) on the recorded history of the users’ reads and writes, independently of the staleness auditor behind bounded-staleness: every read returns the value of a write that was the key’s latest at some instant between the read’s start and its answer. versioned-keys promises it (no read is ever stale); the other strategies promise a bound on staleness, which allows the stale reads linearizability forbids, and claim none of this.',
      appliesTo: ['versioned-keys'],
      history: { model: 'kv' },
    },
    NO_LOST_WRITE,
    WRITE_APPLIED_ONCE,
  ],
  goals: [
    { name: 'cache-hit', description: 'A read was answered from the cache.' },
    { name: 'read-after-write', description: 'A key was read after a write of it had been acknowledged: the case invalidation exists for.' },
    { name: 'read-back', description: 'A user read back a write of theirs once it was acknowledged (read-your-writes).' },
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
      id: 'cache-clock-back',
      title: 'The cache’s clock jumps back',
      description:
        'At 20% of the workload the cache’s clock is stepped back 200 ms (an NTP correction): every entry lives 200 ms longer than its TTL, and the TTL strategies break their bound.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs * 0.2), kind: 'skew', node: 'cache', byMs: -200 }],
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
  }),
  build(world) {
    const { params: p } = world;
    const strategy = world.strategy as InvalidationStrategy;
    const boundMs = stalenessBoundMs(strategy, p);
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
    const staleWindow = world.sim.tracing ? new SlidingWindow(100) : null;
    const dbLoad = new DatabaseLoad(p.dbConnections);
    const cacheStats = new CacheNodeStats();
    const invalidatorStats = new InvalidatorStats();
    const writeOf = (value: unknown): number | undefined => (value as { w?: number } | null)?.w;
    const auditor = new StalenessAuditor((w) => commits.versionOf(w));
    // The users' reads and writes as a history, for the linearizable-reads claim (recorded only when read).
    const recorded = RequestHistory.of(world.history, requests.length, () => world.now);

    const onFinished = (o: RequestOutcome): void => {
      recorded?.finished(o);
      traffic.finished(o, world.now);
      if (!o.ok) return;
      if (o.request.kind !== 'read') return auditor.acknowledged(o.request.key, o.request.id, world.now);
      if (o.response?.detail === 'cache') world.reach('cache-hit');
      if (o.request.readBackOf !== undefined) world.reach('read-back');
      if (auditor.acknowledgedBefore(o.request.key, o.startMs)) world.reach('read-after-write');
      const stale = auditor.read(o.request.key, writeOf(o.response?.value), o.startMs);
      staleWindow?.add(world.now, stale?.stalenessMs ?? 0, stale !== null);
      if (stale === null || stale.stalenessMs <= boundMs) return;
      world.violate(
        'bounded-staleness',
        `a read of ${stale.key} that began at ${fmtMs(o.startMs)} ms returned version ${stale.versionRead} from the ${o.response?.detail ?? 'server'}, but version ${stale.versionAcknowledged} had been acknowledged ${fmtMs(stale.stalenessMs)} ms before (${strategy} promises ${fmtMs(boundMs)} ms)`,
        {
          node: 'cache',
          witnesses: [
            { t: stale.missedAckMs, key: stale.key, what: `write ${stale.missedWrite} of ${stale.key} acknowledged` },
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
        retries: 0,
        backoff: { baseMs: 10, factor: 2, capMs: 100, jitter: 'full' },
        log: {
          attemptDone: (o) => traffic.attemptDone(o, world.now),
          finished: onFinished,
          ...(recorded === null ? {} : { attempted: (r: Request, attempt: number) => recorded.attempted(r, attempt) }),
        },
      }),
    );
    for (const name of apps) {
      world.node(
        name,
        APP_SERVER,
        invalidationApp({
          strategy,
          cache: 'cache',
          db: 'db',
          ttlMs: p.ttlMs,
          jitter: p.ttlJitter,
          cacheTimeoutMs: p.cacheTimeoutMs,
          dbTimeoutMs: p.dbTimeoutMs,
        }),
      );
    }
    world.node('cache', CACHE, cacheNode({ serviceMs: p.cacheServiceMs, memoryBytesMax: p.cacheMemoryBytes, stats: cacheStats }));
    world.node(
      'db',
      DATABASE,
      databaseNode({
        connections: p.dbConnections,
        queueLimit: 1_000,
        acquireTimeoutMs: p.dbTimeoutMs,
        serviceMeanMs: (q) => (q.op === 'write' ? p.dbWriteMs : q.op === 'version' ? p.dbVersionMs : p.dbReadMs),
        load: dbLoad,
        initialValue: () => ({ w: 0 }),
        changeFeed: strategy === 'event-invalidation' ? 'invalidator' : undefined,
      }),
    );
    world.node('invalidator', { role: 'change-stream consumer' }, invalidator({ cache: 'cache', lagMs: p.eventLagMs, stats: invalidatorStats }));
    const commits = new CommitIndex(world.disk('db'));
    if (recorded !== null) world.atEnd(() => recorded.end(committedWrites(world.disk('db'))));
    auditWritesAppliedOnce(world);
    auditNoLostWrite(world, () => auditor.acknowledgedWrites, commits);

    world.chart({
      id: 'stale-rate',
      title: 'Stale reads (share of reads, last 100 ms)',
      unit: 'ratio',
      everyMs: SAMPLE_MS,
      series: { 'reads.staleRate': () => staleWindow?.failureRate(world.now) ?? null },
    });
    world.chart({
      id: 'staleness',
      title: 'Staleness of the stalest read (last 100 ms)',
      unit: 'ms',
      everyMs: SAMPLE_MS,
      series: { 'reads.stalenessMaxMs': () => staleWindow?.percentile(world.now, 100) ?? null },
      limit: { value: p.invalidationBoundMs, label: 'invalidation bound' },
    });
    world.chart(hitRatioChart(traffic, () => world.now, SAMPLE_MS));
    world.chart(dbLoadChart(dbLoad, SAMPLE_MS));

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
          cacheKeysMax: cacheStats.keysMax,
          invalidationsLost: invalidatorStats.dropped,
        };
      },
    };
  },
});
