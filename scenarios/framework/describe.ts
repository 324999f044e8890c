/**
 * A scenario as plain JSON: what `faultline list --json` prints and `GET /api/scenarios`
 * serves. Everything a form, a picker or a help text needs, with parameters as JSON Schema
 * and presets evaluated at the default parameters.
 */
import type { FaultPlan } from '../../engine/index.ts';
import { paramsJsonSchema, parseParams } from './params.ts';
import type { AnyScenario, ChartSpec, FaultSpace, GoalSpec, InvariantSpec, MetricSpec, TopologyNode } from './scenario.ts';
import { declaredSystem } from './system.ts';

export interface ScenarioInfo {
  id: string;
  title: string;
  family: string;
  question: string;
  summary: string;
  strategies: { id: string; title: string; explanation: string; expectedViolations: string[] }[];
  defaultStrategy: string;
  invariants: InvariantSpec[];
  goals: GoalSpec[];
  metrics: MetricSpec[];
  charts: ChartSpec[];
  /** Node states that mean trouble, worst first (null: not declared). */
  alarmStates: string[] | null;
  /** JSON Schema of the parameters (input form: defaults, bounds, descriptions). */
  params: unknown;
  defaults: Record<string, unknown>;
  presets: { id: string; title: string; description: string; faults: FaultPlan }[];
  defaultPreset: string | null;
  /** Topology at the default parameters. */
  topology: TopologyNode[];
  timing: { workloadMs: number; settleMs: number };
  faultSpace: FaultSpace;
}

export function describeScenario(scenario: AnyScenario): ScenarioInfo {
  const defaults = parseParams(scenario, {});
  const system = declaredSystem(scenario, defaults);
  return {
    id: scenario.id,
    title: scenario.title,
    family: scenario.family,
    question: scenario.question,
    summary: scenario.summary,
    strategies: scenario.strategies.map((s) => ({ id: s.id, title: s.title, explanation: s.explanation, expectedViolations: [...s.expectedViolations] })),
    defaultStrategy: scenario.defaultStrategy,
    invariants: scenario.invariants.map((i) => (i.appliesTo ? { ...i, appliesTo: [...i.appliesTo] } : { ...i })),
    goals: [...scenario.goals],
    metrics: [...scenario.metrics],
    charts: [...system.charts],
    alarmStates: scenario.alarmStates ? [...scenario.alarmStates] : null,
    params: paramsJsonSchema(scenario),
    defaults,
    presets: scenario.presets.map((p) => ({ id: p.id, title: p.title, description: p.description, faults: p.faults(defaults) })),
    defaultPreset: scenario.defaultPreset ?? null,
    topology: [...system.topology.nodes],
    timing: scenario.timing(defaults),
    faultSpace: system.faultSpace,
  };
}
