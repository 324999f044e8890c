/**
 * The deployment every cache scenario shares: users, N app servers, one cache and one
 * database on a LAN (one-way latency exponential above a 0.2 ms floor; messages on one link
 * may overtake each other, as requests spread over a connection pool do), plus whatever
 * nodes a scenario adds (a change-stream consumer). Node names are part of every trace and
 * link, so they are made here once, with what each kind of node may suffer.
 */
import { z } from 'zod';
import type { LinkSpec } from '../../../engine/index.ts';
import type { ChartDeclaration, NodeSpec } from '../../framework/scenario.ts';
import { DATABASE_CRASH_POINTS, type DatabaseLoad } from '../storage/database.ts';
import type { TrafficMonitor } from '../workload/traffic-monitor.ts';

/** The LAN's one-way latency floor; `lanLatencyMeanMs` is the mean above it. */
const LAN_FLOOR_MS = 0.2;

export const appName = (i: number): string => `app${i + 1}`;

export function appNames(apps: number): string[] {
  return Array.from({ length: apps }, (_, i) => appName(i));
}

/**
 * The users. They are the workload, not the system: they never crash, stall or read a clock
 * the question depends on. Their links to the app servers can fail like any other.
 */
export const USERS: NodeSpec = {
  role: 'users',
  spare: {
    crash: 'the clients stand for the users: the requests they send are the workload, and what the servers do with them is the question',
    pause: 'the clients stand for many independent users, who do not all stop at once',
    clock: 'the clients stand for many users arriving on their own schedules: no one clock paces them, and no promise here is judged by it',
  },
};

export const APP_SERVER: NodeSpec = { role: 'app server' };
export const CACHE: NodeSpec = { role: 'cache' };
/** The database, with its named crash point (a commit durable, its answer not yet sent). */
export const DATABASE: NodeSpec = { role: 'database', crashPoints: DATABASE_CRASH_POINTS };

export function cacheTierNetwork(latencyMeanMs: number): LinkSpec {
  return { latency: { kind: 'exponential', meanMs: latencyMeanMs, minMs: LAN_FLOOR_MS } };
}

/** Parameters every cache scenario's app servers and LAN share, defined once. */
export const lanLatencyMeanMs = z.number().min(0).max(1000).default(0.3).describe(`mean one-way network latency above a ${LAN_FLOOR_MS} ms floor, in ms`);
export const appCacheTimeoutMs = z.number().min(1).max(60_000).default(20).describe('an app gives up on the cache after this long, in ms');
export const appDbTimeoutMs = z.number().min(1).max(60_000).default(500).describe('an app gives up on the database after this long, in ms');

/** The share of reads answered from the cache over the traffic monitor's window. */
export function hitRatioChart(traffic: TrafficMonitor, now: () => number, everyMs: number): ChartDeclaration {
  return {
    id: 'hit-ratio',
    title: `Cache hit ratio (last ${traffic.readsWindow.windowMs} ms)`,
    unit: 'ratio',
    everyMs,
    series: { 'cache.hitRatio': () => traffic.recentHitRatio(now()) },
  };
}

/** Queries reaching the database, per second. */
export function dbLoadChart(load: DatabaseLoad, everyMs: number, limit?: ChartDeclaration['limit']): ChartDeclaration {
  return {
    id: 'db-load',
    title: 'Database queries per second',
    unit: '1/s',
    everyMs,
    series: { 'db.queriesPerSec': { perSecond: () => load.arrived } },
    ...(limit ? { limit } : {}),
  };
}

/**
 * A duration in ms as the family's messages print it: one decimal under 10 ms, else whole ms
 * with thousands grouped (1,234). Plain string work, not toLocaleString: a flawed strategy can
 * break an invariant hundreds of times in a run, and each violation builds its message.
 */
export function fmtMs(ms: number): string {
  if (Math.abs(ms) < 10) return String(Math.round(ms * 10) / 10);
  const whole = String(Math.round(Math.abs(ms)));
  let out = '';
  for (let i = whole.length; i > 0; i -= 3) out = whole.slice(Math.max(0, i - 3), i) + (out === '' ? '' : `,${out}`);
  return ms < 0 ? `-${out}` : out;
}
