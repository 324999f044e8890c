/**
 * Reading a run link into a setup, through the same validation the CLI uses for its flags
 * (wire/run-input.ts): the scenario, strategy, seed, parameters, fault plan or preset are
 * checked by that one code path, and the link's own keys (a second strategy or seed, the
 * expected trace hashes, the cursor, the engine) here. A link that is wrong in any field is
 * refused whole, with a problem per field that names it and says what is allowed; nothing
 * runs until it is right. The text the link asked for is kept so the form can show it.
 */
import { scenarios as bundled, type ScenarioInfo } from '../../../scenarios/index.ts';
import {
  checkRunInput,
  faultsFromJson,
  type InputProblem,
  parseSeedText,
  RUN_LINK_KEYS,
  type RunInputCheck,
  type RunInputText,
  runLinkFields,
} from '../../../wire/index.ts';
import type { EngineMode, LinkExtras, SetupState } from './setup-state.ts';

/** What a link asked for, as text (for the form to show beside the problems). */
export type AskedFields = Partial<Record<string, string>>;

export type LinkReading =
  | { kind: 'none' }
  | { kind: 'ok'; setup: SetupState; extras: Required<LinkExtras> }
  | { kind: 'bad'; problems: InputProblem[]; asked: AskedFields };

const HASH = /^[0-9a-f]{16}$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** Reads the run link in `url` (none when the URL holds no `#/run`). */
export function readLink(url: string, scenarios: readonly ScenarioInfo[], engine: EngineMode): LinkReading {
  if (!url.includes('#/run')) return { kind: 'none' };
  const asked = runLinkFields(url);
  const problems: InputProblem[] = [];
  for (const key of Object.keys(asked)) {
    if (!(RUN_LINK_KEYS as readonly string[]).includes(key))
      problems.push({ field: key, message: `${key}: not a field of a run link; a run link takes ${RUN_LINK_KEYS.join(', ')}` });
  }
  const input: RunInputText = {};
  for (const key of ['scenario', 'strategy', 'seed', 'params', 'faults', 'preset'] as const) if (asked[key] !== undefined) input[key] = asked[key];
  const info = scenarios.find((s) => s.id === asked.scenario);
  // A user's own scenario (serve --scenarios) is known to the server, not to the page's bundle:
  // the page checks what it can from its description, and the server checks the rest when it runs.
  const checked = info !== undefined && !bundled.some((s) => s.id === info.id) ? checkAgainstInfo(input, info) : checkRunInput(input);
  if (!checked.ok) problems.push(...checked.problems);
  const hashes: (string | null)[] = [null, null];
  for (const [i, key] of (['hash', 'compareHash'] as const).entries()) {
    const text = asked[key];
    if (text === undefined) continue;
    if (HASH.test(text)) hashes[i] = text;
    else problems.push({ field: key, message: `${key} must be a trace hash of 16 hexadecimal digits, as faultline run --json prints it; got '${clip(text)}'` });
  }
  let t: number | null = null;
  if (asked.t !== undefined) {
    if (DECIMAL.test(asked.t) && Number.isFinite(Number(asked.t))) t = Number(asked.t);
    else problems.push({ field: 't', message: `t (the cursor) must be a time in ms, a non-negative number such as 1074.5; got '${clip(asked.t)}'` });
  }
  let mode: EngineMode = engine;
  if (asked.engine !== undefined) {
    if (asked.engine === 'page' || asked.engine === 'server') mode = asked.engine;
    else problems.push({ field: 'engine', message: `engine must be page (this page's own engine) or server; got '${clip(asked.engine)}'` });
  }
  let compare: SetupState['compare'] | null = null;
  if (asked.compare !== undefined && asked.compareSeed !== undefined) {
    problems.push({ field: 'compare', message: 'compare (a second strategy) and compareSeed (a second seed) are alternatives: give one of them' });
  } else if (asked.compare !== undefined && info !== undefined) {
    if (info.strategies.some((s) => s.id === asked.compare)) compare = { mode: 'strategy', strategy: asked.compare, seed: 2 };
    else
      problems.push({
        field: 'compare',
        message: `compare: unknown strategy '${clip(asked.compare)}' for ${info.id}; strategies are: ${info.strategies.map((s) => s.id).join(', ')}`,
      });
  } else if (asked.compareSeed !== undefined) {
    try {
      compare = { mode: 'seed', strategy: '', seed: parseSeedText(asked.compareSeed, 'compareSeed') };
    } catch (e) {
      problems.push({ field: 'compareSeed', message: (e as Error).message });
    }
  }
  if (problems.length > 0 || !checked.ok || info === undefined) return { kind: 'bad', problems, asked };
  const v = checked.value;
  const other = info.strategies.find((s) => s.id !== v.strategy)?.id ?? v.strategy;
  const setup: SetupState = {
    scenario: v.scenario,
    strategy: v.strategy,
    seed: v.seed,
    params: v.params,
    faults: v.faults,
    preset: v.preset,
    compare: compare === null ? { mode: 'off', strategy: other, seed: v.seed + 1 } : { ...compare, strategy: compare.strategy || other },
    // The page's own engine knows only the built-ins: a user's scenario runs on the server.
    engine: bundled.some((b) => b.id === info.id) ? mode : 'server',
  };
  return { kind: 'ok', setup, extras: { hashes, t } };
}

/** The checks the page can make of a run of a scenario it knows only by its description. */
function checkAgainstInfo(text: RunInputText, info: ScenarioInfo): RunInputCheck {
  const problems: InputProblem[] = [];
  const attempt = <T>(field: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      problems.push({ field, message: `${field}: ${(e as Error).message.replace(/^[a-z]+: /, '')}` });
      return undefined;
    }
  };
  const strategy = text.strategy === undefined || text.strategy === '' ? info.defaultStrategy : text.strategy;
  if (!info.strategies.some((s) => s.id === strategy))
    problems.push({
      field: 'strategy',
      message: `strategy: unknown strategy '${clip(strategy)}' for ${info.id}; strategies are: ${info.strategies.map((s) => s.id).join(', ')}`,
    });
  const seed = text.seed === undefined ? 1 : attempt('seed', () => parseSeedText(text.seed!));
  const params = attempt('params', () => {
    const given = typeof text.params === 'string' && text.params !== '' ? (JSON.parse(text.params) as unknown) : {};
    if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new Error('a JSON object of parameters');
    for (const key of Object.keys(given))
      if (!(key in info.defaults)) throw new Error(`unknown parameter '${key}' for ${info.id}; its parameters are: ${Object.keys(info.defaults).join(', ')}`);
    return { ...info.defaults, ...(given as Record<string, unknown>) };
  });
  let faults = text.faults === undefined ? undefined : attempt('faults', () => faultsFromJson(text.faults!, 'faults'));
  const preset = text.preset ?? (text.faults === undefined ? info.defaultPreset : null);
  if (faults === undefined && preset !== null) {
    const known = info.presets.find((p) => p.id === preset);
    if (known === undefined)
      problems.push({
        field: 'preset',
        message: `preset: unknown preset '${clip(preset)}' for ${info.id}; presets are: ${info.presets.map((p) => p.id).join(', ')}`,
      });
    else faults = known.faults;
  }
  if (problems.length > 0 || seed === undefined || params === undefined) return { ok: false, problems };
  return { ok: true, value: { scenario: info.id, strategy, seed, params, faults: faults ?? [], preset: text.faults === undefined ? preset : null } };
}

/** One line naming every problem, for the alert. */
export function describeProblems(problems: readonly InputProblem[]): string {
  return `This link cannot be opened. ${problems.map((p) => p.message).join(' · ')}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
