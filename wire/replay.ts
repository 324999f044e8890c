/**
 * The replay command: one shell line, `faultline run ...`, that reproduces a run exactly
 * (same trace hash). It always carries the strategy, the seed and the fault plan (as JSON,
 * even when it came from a preset or the scenario's default), and the parameters that differ
 * from the defaults, so it keeps working if a default changes its preset. A user's scenario is
 * named by its module path (with `#id` when the module exports several), as the user gave it.
 */
import type { FaultPlan } from '../engine/index.ts';
import { type AnyScenario, allScenarios, moduleOf, parseParams } from '../scenarios/index.ts';
import { nonDefaultParams } from './run-link.ts';

export interface ReplaySpec {
  scenario: AnyScenario;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: FaultPlan;
}

export function replayCommand(spec: ReplaySpec): string {
  const args = ['faultline', 'run', scenarioReference(spec.scenario.id), '--strategy', spec.strategy, '--seed', String(spec.seed)];
  for (const [key, value] of Object.entries(replayParams(spec.scenario, spec.params))) {
    args.push('--param', `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  args.push('--faults', JSON.stringify(spec.faults));
  return args.map(shellQuote).join(' ');
}

/** How a command names a scenario: its id, or for a user's scenario its module (`path#id` when the module has several). */
export function scenarioReference(id: string): string {
  const module = moduleOf(id);
  if (module === null) return id;
  const siblings = allScenarios().filter((s) => moduleOf(s.id) === module).length;
  return siblings > 1 ? `${module}#${id}` : module;
}

/** The parameters a replay or a link must carry: those that differ from the defaults. */
export function replayParams(scenario: AnyScenario, params: Record<string, unknown>): Record<string, unknown> {
  return nonDefaultParams(params, parseParams(scenario, {}));
}

/** Quotes a word for a POSIX shell: bare when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
