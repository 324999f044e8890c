/**
 * What the user has chosen: scenario, strategy, seed, parameters, fault plan, what to
 * compare against and where the engine runs. It converts to a run link (the URL fragment
 * `#/run?...` that wire/run-link.ts defines, shared with the CLI); reading a link back is
 * link-reading.ts, through the one validation the CLI uses.
 */
import type { FaultPlan } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import { encodeRunLink, nonDefaultParams } from '../../../wire/index.ts';

export type CompareMode = 'off' | 'strategy' | 'seed';
export type EngineMode = 'server' | 'page';

export interface SetupState {
  scenario: string;
  strategy: string;
  seed: number;
  /** Every parameter (defaults filled in). */
  params: Record<string, unknown>;
  faults: FaultPlan;
  /** The preset the faults came from (named, or equal to its plan at these parameters); null for a plan of one's own. */
  preset: string | null;
  compare: { mode: CompareMode; strategy: string; seed: number };
  engine: EngineMode;
}

/** What a link adds to a setup: the hashes the runs are expected to have and where the cursor stands. */
export interface LinkExtras {
  /** Expected trace hash per run (null: the link carries none, so nothing is compared). */
  hashes?: readonly (string | null)[];
  /** The cursor, in simulated ms. */
  t?: number | null;
}

/** The default setup for a scenario: its default strategy, parameters and preset. */
export function defaultSetup(info: ScenarioInfo, engine: EngineMode, seed = 1): SetupState {
  const preset = info.presets.find((p) => p.id === info.defaultPreset) ?? null;
  const other = info.strategies.find((s) => s.id !== info.defaultStrategy)?.id ?? info.defaultStrategy;
  return {
    scenario: info.id,
    strategy: info.defaultStrategy,
    seed,
    params: { ...info.defaults },
    faults: preset === null ? [] : structuredClone(preset.faults),
    preset: preset?.id ?? null,
    compare: { mode: 'off', strategy: other, seed: seed + 1 },
    engine,
  };
}

/** The link that reproduces this setup, with the expected hashes and the cursor when given. */
export function setupToLink(setup: SetupState, info: ScenarioInfo, base: string, extras: LinkExtras = {}): string {
  const [hash, compareHash] = extras.hashes ?? [];
  return encodeRunLink(
    {
      scenario: setup.scenario,
      strategy: setup.strategy,
      seed: setup.seed,
      params: nonDefaultParams(setup.params, info.defaults),
      faults: setup.faults,
      ...(setup.compare.mode === 'strategy' ? { compare: setup.compare.strategy } : {}),
      ...(setup.compare.mode === 'seed' ? { compareSeed: setup.compare.seed } : {}),
      ...(hash ? { hash } : {}),
      ...(compareHash && setup.compare.mode !== 'off' ? { compareHash } : {}),
      ...(extras.t !== undefined && extras.t !== null && extras.t > 0 ? { t: extras.t } : {}),
      ...(setup.engine === 'page' ? { engine: 'page' as const } : {}),
    },
    base,
  );
}

/** The same run (everything but the cursor and the expected hashes). */
export function sameRun(a: SetupState, b: SetupState): boolean {
  return JSON.stringify({ ...a, preset: null }) === JSON.stringify({ ...b, preset: null });
}
