/**
 * A scenario's system as its build function declares it, read without running it: the nodes
 * (names, roles, faults), the charts, and the fault space the checker draws from. Build is
 * the one place nodes are declared, so the topology the UI draws, the targets the checker
 * aims at and the nodes a run creates cannot disagree.
 *
 * Reading it is a dry build: build runs on a fresh simulation that is never run. Results are
 * kept per (scenario, parameters), so the CLI, the server and a check's thousands of runs
 * pay for it once.
 */
import { type FaultKind, Simulation } from '../../engine/index.ts';
import {
  type AnyScenario,
  type ChartSpec,
  type DeclaredNode,
  type FaultSpace,
  type FaultTarget,
  KINDS_OF_CLASS,
  NODE_FAULT_CLASSES,
  type NodeFaultClass,
  type Topology,
} from './scenario.ts';
import { NO_VERDICT, ScenarioWorld } from './world.ts';

export interface DeclaredSystem {
  nodes: readonly DeclaredNode[];
  topology: Topology;
  charts: readonly ChartSpec[];
  faultSpace: FaultSpace;
}

const cache = new WeakMap<AnyScenario, Map<string, DeclaredSystem>>();

/** The system a scenario declares at these (parsed) parameters. */
export function declaredSystem(scenario: AnyScenario, params: Record<string, unknown>): DeclaredSystem {
  let byParams = cache.get(scenario);
  if (byParams === undefined) cache.set(scenario, (byParams = new Map()));
  const key = JSON.stringify(params);
  const known = byParams.get(key);
  if (known !== undefined) return known;
  const timing = scenario.timing(params);
  const sim = new Simulation({ seed: 0, network: scenario.network?.(params) });
  const world = new ScenarioWorld(
    sim,
    scenario.id,
    params,
    scenario.defaultStrategy,
    { workloadMs: timing.workloadMs, healAtMs: timing.workloadMs, endMs: timing.workloadMs + timing.settleMs },
    new Set(scenario.invariants.map((i) => i.name)),
    NO_VERDICT,
  );
  scenario.build(world);
  const nodes = world.nodes.map((n) => Object.freeze({ ...n }));
  const system: DeclaredSystem = {
    nodes,
    topology: { nodes: nodes.map((n) => ({ name: n.name, role: n.role })) },
    charts: world.charts.map((c) => ({ id: c.id, title: c.title, unit: c.unit, series: Object.keys(c.series), ...(c.limit ? { limit: c.limit } : {}) })),
    faultSpace: faultSpaceOf(scenario, params, nodes),
  };
  if (byParams.size > 64) byParams.clear();
  byParams.set(key, system);
  return system;
}

/** Every fault kind the checker knows how to draw, in the order it prefers when shrinking (simplest first). */
export const DRAWN_KINDS: readonly FaultKind[] = [
  'crash',
  'restart',
  'pause',
  'resume',
  'slow',
  'partition',
  'heal',
  'degrade',
  'restore',
  'skew',
  'drift',
  'resync',
  'inject',
];

function faultSpaceOf(scenario: AnyScenario, params: Record<string, unknown>, nodes: readonly DeclaredNode[]): FaultSpace {
  const options = scenario.faultSpace(params);
  const excluded: { kind: FaultKind | NodeFaultClass; node?: string; reason: string }[] = [];
  for (const [kind, reason] of Object.entries(options.exclude ?? {})) excluded.push({ kind: kind as FaultKind, reason: reason! });
  const targets: FaultTarget[] = nodes.map((n) => {
    const spared = (c: NodeFaultClass): boolean => n.spare?.[c] !== undefined;
    for (const c of NODE_FAULT_CLASSES) if (spared(c)) excluded.push({ kind: c, node: n.name, reason: n.spare![c]! });
    return {
      name: n.name,
      role: n.role,
      crash: !spared('crash'),
      pause: !spared('pause'),
      network: !spared('network'),
      clock: !spared('clock'),
      crashPoints: spared('crash') ? [] : [...(n.crashPoints ?? [])],
    };
  });
  const excludedKinds = new Set(Object.keys(options.exclude ?? {}));
  const reachable = (kind: FaultKind): boolean => {
    if (excludedKinds.has(kind)) return false;
    if (kind === 'heal') return reachable('partition');
    if (kind === 'restore') return reachable('degrade');
    if (kind === 'inject') return (options.injects ?? []).length > 0;
    for (const c of NODE_FAULT_CLASSES) {
      if (!KINDS_OF_CLASS[c].includes(kind)) continue;
      if (kind === 'partition') return targets.filter((t) => t.network).length >= 2;
      return targets.some((t) => t[c]);
    }
    return false;
  };
  const window = Math.max(1, options.windowMs);
  return {
    windowMs: options.windowMs,
    faultsMax: options.faultsMax ?? 4,
    nodes: targets,
    kinds: DRAWN_KINDS.filter(reachable),
    excluded,
    injects: options.injects ?? [],
    latencySpikeMsMax: options.latencySpikeMsMax ?? Math.min(2000, Math.max(1, Math.round(window / 10))),
    clockSkewMsMax: options.clockSkewMsMax ?? Math.min(10_000, Math.max(1, Math.round(window / 5))),
    crashable: targets.filter((t) => t.crash).map((t) => t.name),
    partitionable: targets.filter((t) => t.network).map((t) => t.name),
    crashPoints: Object.fromEntries(targets.filter((t) => t.crashPoints.length > 0).map((t) => [t.name, t.crashPoints])),
  };
}
