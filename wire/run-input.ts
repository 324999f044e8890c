/**
 * A run's inputs as they arrive as text — from a link's query (the page) or from flags (the
 * CLI) — checked once, here, so both refuse the same inputs with the same words: the
 * scenario id, the strategy, the seed (a non-negative safe integer, written in digits), the
 * parameters (a JSON object or `key=value` texts: unknown keys and the prototype names
 * `__proto__`, `constructor`, `prototype` refused, values checked by the scenario's schema),
 * the fault plan (a JSON array checked by the engine's FaultPlanSchema) and the preset
 * (resolved at the checked parameters, exactly as `--preset` does; neither faults nor a
 * preset means the default preset at those parameters).
 *
 * Every refusal is an InputProblem naming the field and what is allowed; nothing here runs a
 * scenario. Free of Node and DOM APIs: the page's worker and the CLI call the same code.
 */
import { type FaultPlan, InputError, parseFaultPlan } from '../engine/index.ts';
import {
  type AnyScenario,
  coerceParamText,
  findScenario,
  paramsJsonSchema,
  parseParams,
  resolvePreset,
  resolveStrategy,
  scenarios,
} from '../scenarios/index.ts';
import { validateRun } from './run-task.ts';

/** A run's inputs as text, each optional (absent: the default). */
export interface RunInputText {
  scenario?: string;
  strategy?: string;
  seed?: string;
  /** A JSON object (a link) or `key=value` texts (the CLI's repeated --param). */
  params?: string | readonly string[];
  /** A JSON array of faults. */
  faults?: string;
  preset?: string;
}

/** Checked inputs: every parameter filled in, the plan in its canonical form. */
export interface RunInput {
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: FaultPlan;
  /** The preset the plan comes from: the one named, or the one whose plan at these parameters equals it (null: a plan of its own). */
  preset: string | null;
}

/** One refused field: its name and what is wrong with it, saying what is allowed. */
export interface InputProblem {
  field: string;
  message: string;
}

export type RunInputCheck = { ok: true; value: RunInput } | { ok: false; problems: InputProblem[] };

export const SEED_MAX = Number.MAX_SAFE_INTEGER;
/** Names that would reach an object's prototype, refused as parameter names wherever they arrive. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
const SEED_MAX_TEXT = '9,007,199,254,740,991';

/** A seed written in digits: a non-negative safe integer. Throws an InputError naming `field`. */
export function parseSeedText(text: string, field = 'seed'): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value) || value > SEED_MAX) {
    throw new InputError(`${field} must be an integer from 0 to ${SEED_MAX_TEXT}, got '${clip(text)}'`);
  }
  return value;
}

/** Refuses parameter names that reach the prototype. */
export function checkParamKey(scenario: AnyScenario, key: string): void {
  if (FORBIDDEN_KEYS.includes(key)) {
    throw new InputError(`'${key}' is not a parameter name; the parameters of ${scenario.id} are: ${Object.keys(scenario.params.shape).join(', ')}`);
  }
}

/** Checks a parameter object (from JSON or from flags): forbidden keys, then the scenario's schema (unknown keys refused, defaults filled). */
export function checkParams(scenario: AnyScenario, input: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(input)) checkParamKey(scenario, key);
  return parseParams(scenario, input);
}

/** Parameters given as a JSON object text. */
export function paramsFromJson(scenario: AnyScenario, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message}); expected a JSON object of parameters such as {"${firstParam(scenario)}":3}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`expected a JSON object of parameters such as {"${firstParam(scenario)}":3}, got ${clip(text)}`);
  }
  return checkParams(scenario, value as Record<string, unknown>);
}

/**
 * A fault plan given as JSON text: an array of faults, or an object carrying a `faults` array
 * (a run's or a counterexample's JSON). `where` names the source in messages ('faults', '--faults').
 */
export function faultsFromJson(text: string, where = 'faults'): FaultPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not valid JSON (${(e as Error).message}); expected a JSON array of faults such as [{"at":300,"kind":"crash","node":"p1"}]`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const faults = (value as { faults?: unknown }).faults;
    if (!Array.isArray(faults))
      throw new InputError(`${where}: a JSON object must carry a "faults" array; expected a fault plan such as [{"at":300,"kind":"crash","node":"p1"}]`);
    value = faults;
  }
  if (!Array.isArray(value))
    throw new InputError(`${where}: expected a JSON array of faults such as [{"at":300,"kind":"crash","node":"p1"}], got ${clip(text)}`);
  try {
    return parseFaultPlan(value);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${where}: ${e.message}`);
    throw e;
  }
}

/** The preset whose plan at these parameters equals `faults` (null: none does). */
export function presetMatching(scenario: AnyScenario, params: Record<string, unknown>, faults: FaultPlan): string | null {
  const want = JSON.stringify(parseFaultPlan(faults));
  for (const p of scenario.presets) {
    try {
      if (JSON.stringify(parseFaultPlan(p.faults(params))) === want) return p.id;
    } catch {
      // A preset that cannot be resolved at these parameters matches nothing.
    }
  }
  return null;
}

/**
 * Checks a run's inputs as text. Every field is checked, so a link with two bad fields names
 * both; a field that cannot be judged because another is wrong (the strategy of an unknown
 * scenario) is not reported twice.
 */
export function checkRunInput(text: RunInputText, registry: readonly AnyScenario[] = scenarios): RunInputCheck {
  const problems: InputProblem[] = [];
  const attempt = <T>(field: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push({ field, message: e.message.startsWith(field) ? e.message : `${field}: ${e.message}` });
      return undefined;
    }
  };
  const scenario = attempt('scenario', () => {
    if (text.scenario === undefined || text.scenario === '') throw new InputError(`missing; scenarios are: ${registry.map((s) => s.id).join(', ')}`);
    const found = registry.find((s) => s.id === text.scenario);
    return found ?? findScenario(text.scenario);
  });
  const seed = text.seed === undefined ? 1 : attempt('seed', () => parseSeedText(text.seed!));
  if (scenario === undefined) return { ok: false, problems };
  const strategy = attempt('strategy', () => resolveStrategy(scenario, text.strategy === '' ? undefined : text.strategy));
  const params = attempt('params', () => {
    if (text.params === undefined || text.params === '') return parseParams(scenario, {});
    if (typeof text.params === 'string') return paramsFromJson(scenario, text.params);
    return checkParams(scenario, paramsFromFlags(scenario, text.params));
  });
  if (text.faults !== undefined && text.preset !== undefined) {
    problems.push({ field: 'faults', message: `faults: give either faults or preset '${text.preset}', not both` });
    return { ok: false, problems };
  }
  let faults: FaultPlan | undefined;
  let preset: string | null = null;
  if (text.faults !== undefined) faults = attempt('faults', () => faultsFromJson(text.faults!, 'faults'));
  else if (params !== undefined) {
    const id = text.preset ?? scenario.defaultPreset;
    if (id === undefined) faults = [];
    else {
      faults = attempt(text.preset === undefined ? 'params' : 'preset', () => parseFaultPlan(resolvePreset(scenario, id, params)));
      preset = id;
    }
  } else if (text.preset !== undefined) attempt('preset', () => resolvePreset(scenario, text.preset!, parseParams(scenario, {})));
  if (problems.length > 0 || strategy === undefined || seed === undefined || params === undefined || faults === undefined) return { ok: false, problems };
  // The checks a run makes itself (a fault naming a node the scenario does not have), through the same code.
  attempt('faults', () => validateRun({ scenario: scenario.id, strategy, seed, params, faults }));
  if (problems.length > 0) return { ok: false, problems };
  if (preset === null) preset = presetMatching(scenario, params, faults);
  return { ok: true, value: { scenario: scenario.id, strategy, seed, params, faults, preset } };
}

/**
 * `key=value` texts (the CLI's --param) as a parameter object, each value typed by the
 * scenario's JSON Schema (objects and arrays as JSON). Not yet checked against the schema.
 */
export function paramsFromFlags(scenario: AnyScenario, flags: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new InputError(`bad --param '${flag}': expected key=value, e.g. --param ${firstParam(scenario)}=3`);
    const key = flag.slice(0, eq).trim();
    checkParamKey(scenario, key);
    const text = flag.slice(eq + 1);
    if (Object.hasOwn(input, key)) throw new InputError(`--param '${key}' is given twice; give each parameter once`);
    input[key] = coerceParam(scenario, key, text);
  }
  return input;
}

function coerceParam(scenario: AnyScenario, key: string, text: string): unknown {
  const schema = paramsJsonSchema(scenario) as { properties?: Record<string, { type?: string }> };
  const type = schema.properties?.[key]?.type;
  if (type === 'object' || type === 'array') {
    try {
      return JSON.parse(text);
    } catch {
      throw new InputError(`parameter '${key}' of ${scenario.id} takes a JSON ${type}, got '${text}'`);
    }
  }
  return coerceParamText(scenario, key, text);
}

function firstParam(scenario: AnyScenario): string {
  return Object.keys(scenario.params.shape)[0] ?? 'key';
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
