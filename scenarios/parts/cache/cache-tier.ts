/**
 * The deployment every cache scenario shares: users, N app servers, one cache and one
 * database on a LAN (one-way latency exponential above a 0.2 ms floor), plus whatever nodes a
 * scenario adds (a change-stream consumer). Node names are part of every trace and link, so
 * they are made here once.
 */
import { z } from 'zod';
import type { LinkSpec } from '../../../engine/index.ts';
import type { ChartSpec, Topology, TopologyNode } from '../../framework/scenario.ts';

/** The LAN's one-way latency floor; `lanLatencyMeanMs` is the mean above it. */
const LAN_FLOOR_MS = 0.2;

export const appName = (i: number): string => `app${i + 1}`;

export function appNames(apps: number): string[] {
  return Array.from({ length: apps }, (_, i) => appName(i));
}

export function cacheTierTopology(apps: number, options: { cache?: string; extra?: readonly TopologyNode[] } = {}): Topology {
  return {
    nodes: [
      { name: 'clients', role: 'users' },
      ...appNames(apps).map((name) => ({ name, role: 'app server' })),
      { name: options.cache ?? 'cache', role: 'cache' },
      { name: 'db', role: 'database' },
      ...(options.extra ?? []),
    ],
  };
}

export function cacheTierNetwork(latencyMeanMs: number): LinkSpec {
  return { latency: { kind: 'exponential', meanMs: latencyMeanMs, minMs: LAN_FLOOR_MS } };
}

/** Parameters every cache scenario's app servers and LAN share, defined once. */
export const lanLatencyMeanMs = z.number().min(0).max(1000).default(0.3).describe(`mean one-way network latency above a ${LAN_FLOOR_MS} ms floor, in ms`);
export const appCacheTimeoutMs = z.number().min(1).max(60_000).default(20).describe('an app gives up on the cache after this long, in ms');
export const appDbTimeoutMs = z.number().min(1).max(60_000).default(500).describe('an app gives up on the database after this long, in ms');

/** Charts drawn from the series the cache tier's sampler records. */
export const HIT_RATIO_CHART: ChartSpec = { id: 'hit-ratio', title: 'Cache hit ratio (last 100 ms)', unit: 'ratio', series: ['cache.hitRatio'] };
export const DB_LOAD_CHART: ChartSpec = { id: 'db-load', title: 'Database queries per second', unit: '1/s', series: ['db.queriesPerSec'] };
