/**
 * What the user has chosen: scenario, strategy, seed, parameters, fault plan, what to
 * compare against and where the engine runs. It converts to and from a run link (the URL
 * fragment `#/run?...` that wire/run-link.ts defines, shared with the CLI).
 */
import type { FaultPlan } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import { decodeRunLink, encodeRunLink, nonDefaultParams } from '../../../wire/index.ts';

export type CompareMode = 'off' | 'strategy' | 'seed';
export type EngineMode = 'server' | 'page';

export interface SetupState {
  scenario: string;
  strategy: string;
  seed: number;
  /** Every parameter (defaults filled in). */
  params: Record<string, unknown>;
  faults: FaultPlan;
  /** The preset the faults came from, untouched; null once edited. */
  preset: string | null;
  compare: { mode: CompareMode; strategy: string; seed: number };
  engine: EngineMode;
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

/** The link that reproduces this setup (a comparison of seeds adds `compareSeed`, an in-page run `engine=page`). */
export function setupToLink(setup: SetupState, info: ScenarioInfo, base: string): string {
  let link = encodeRunLink(
    {
      scenario: setup.scenario,
      strategy: setup.strategy,
      seed: setup.seed,
      params: nonDefaultParams(setup.params, info.defaults),
      faults: setup.faults,
      ...(setup.compare.mode === 'strategy' ? { compare: setup.compare.strategy } : {}),
    },
    base,
  );
  if (setup.compare.mode === 'seed') link += `&compareSeed=${setup.compare.seed}`;
  if (setup.engine === 'page') link += '&engine=page';
  return link;
}

/** Reads a setup from a link; throws with a message naming what is wrong. */
export function setupFromLink(url: string, scenarios: readonly ScenarioInfo[], engine: EngineMode): SetupState | null {
  if (!url.includes('#/run')) return null;
  let link: ReturnType<typeof decodeRunLink>;
  try {
    link = decodeRunLink(url);
  } catch (e) {
    throw new Error(`the link's params or faults are not valid JSON (${(e as Error).message})`);
  }
  const info = scenarios.find((s) => s.id === link.scenario);
  if (info === undefined) throw new Error(`the link names scenario '${link.scenario ?? ''}'; scenarios are: ${scenarios.map((s) => s.id).join(', ')}`);
  const setup = defaultSetup(info, link.raw.engine === 'page' ? 'page' : engine);
  if (link.strategy !== undefined) setup.strategy = link.strategy;
  if (link.seed !== undefined && Number.isSafeInteger(link.seed)) setup.seed = link.seed;
  if (link.params !== undefined && typeof link.params === 'object' && link.params !== null) setup.params = { ...info.defaults, ...link.params };
  if (Array.isArray(link.faults)) {
    setup.faults = link.faults;
    setup.preset = null;
  }
  if (link.compare !== undefined) setup.compare = { mode: 'strategy', strategy: link.compare, seed: setup.seed + 1 };
  const compareSeed = Number(link.raw.compareSeed);
  if (link.raw.compareSeed !== undefined && Number.isSafeInteger(compareSeed)) setup.compare = { ...setup.compare, mode: 'seed', seed: compareSeed };
  return setup;
}
