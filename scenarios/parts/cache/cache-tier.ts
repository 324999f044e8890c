/**
 * The deployment every cache scenario shares: users, N app servers, one cache and one
 * database on a LAN (one-way latency exponential above a 0.2 ms floor), plus whatever nodes a
 * scenario adds (a change-stream consumer). Node names are part of every trace and link, so
 * they are made here once.
 */
import type { LinkSpec } from '../../../engine/index.ts';
import type { Topology, TopologyNode } from '../../framework/scenario.ts';

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
  return { latency: { kind: 'exponential', meanMs: latencyMeanMs, minMs: 0.2 } };
}
