/**
 * The options several commands share, parsed and validated where they enter: seeds, counts,
 * `--param key=value`, and the fault plan (`--preset` or `--faults FILE|JSON`). Every
 * rejection names the value and what is allowed, and exits with code 2.
 *
 * Entropy enters here and only here: a command given no --seed picks one, and says which.
 *
 * JSON input (a --faults plan, a JSON --param value) may not use the keys `__proto__`,
 * `constructor` or `prototype` anywhere, and a --faults file is read only up to its size
 * limit (input-file.ts).
 */
import { randomInt } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { type FaultPlan, InputError } from '../engine/index.ts';
import { type AnyScenario, resolvePreset } from '../scenarios/index.ts';
import { checkParams, faultsFromJson, paramsFromFlags, parseSeedText } from '../wire/run-input.ts';
import { durationOption } from './duration.ts';
import { FAULTS_FILE_BYTES_MAX, parseJsonInput, readInputText, refuseForbiddenKeys } from './input-file.ts';
import { say } from './output.ts';

/** A commander parser for an integer option in [min, max]. */
export function integerOption(name: string, min: number, max: number): (text: string) => number {
  return (text: string) => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, got '${text}'.`);
    }
    return value;
  };
}

export const SEED_MAX = Number.MAX_SAFE_INTEGER;
/** --seed, checked by the same code (and in the same words) as a link's seed. */
export function parseSeedOption(text: string): number {
  try {
    return parseSeedText(text, '--seed');
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message}.`);
  }
}

/** The seed given, or a fresh one from the OS's entropy, announced on stderr so the run can be repeated. */
export function seedOrPick(seed: number | undefined, quiet: boolean): number {
  if (seed !== undefined) return seed;
  const picked = randomInt(0, 0x1_0000_0000);
  if (!quiet) say(`seed ${picked} (picked at random; pass --seed ${picked} to repeat)`);
  return picked;
}

/** Commander's collector for repeated `--param key=value`. */
export function collectParam(text: string, previous: string[] = []): string[] {
  return [...previous, text];
}

/**
 * Turns `--param key=value` texts into the scenario's parameters, typed by its schema and
 * validated by it (defaults fill the rest), with the checks a link's parameters get
 * (wire/run-input.ts). Object and array parameters take JSON values.
 */
export function parseParamFlags(scenario: AnyScenario, flags: readonly string[]): Record<string, unknown> {
  const input = paramsFromFlags(scenario, flags);
  refuseForbiddenKeys(input, '--param');
  return checkParams(scenario, input);
}

export interface FaultFlags {
  preset?: string;
  faults?: string;
}

/**
 * The fault plan a command runs under: the named preset, the plan in --faults (JSON text or a
 * file holding a plan, or any JSON object with a `faults` plan, such as a run's or a
 * counterexample's JSON), or undefined for the scenario's default.
 */
export function resolveFaultFlags(scenario: AnyScenario, flags: FaultFlags, params: Record<string, unknown>): FaultPlan | undefined {
  if (flags.preset !== undefined && flags.faults !== undefined) {
    throw new InputError(`--preset '${flags.preset}' and --faults are alternatives: give one of them`);
  }
  if (flags.preset !== undefined) return resolvePreset(scenario, flags.preset, params);
  if (flags.faults === undefined) return undefined;
  return readFaultPlan(flags.faults);
}

/** Reads a fault plan from JSON text or from a file; errors name the text or file. */
export function readFaultPlan(text: string): FaultPlan {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return planFromJsonText(trimmed, '--faults');
  if (existsSync(text) && !statSync(text).isDirectory()) {
    return planFromJsonText(readInputText(text, FAULTS_FILE_BYTES_MAX, 'the --faults file'), `--faults file ${text}`);
  }
  throw new InputError(
    `--faults '${text}' is neither a file nor a JSON fault plan; expected a file path or JSON such as '[{"at":300,"kind":"crash","node":"coordinator"}]'`,
  );
}

function planFromJsonText(text: string, where: string): FaultPlan {
  parseJsonInput(text, where);
  return faultsFromJson(text, where);
}

/** `--time-limit` and `--memory-limit`, the bounds of a command's own (run-guard.ts). */
export function addLimitOptions(command: Command): Command {
  return command
    .option(
      '--time-limit <duration>',
      'stop with exit 2 after this much wall-clock time: 500ms, 30s, 5m, 2h (a bare number is milliseconds)',
      durationOption('--time-limit'),
    )
    .option(
      '--memory-limit <MiB>',
      'stop with exit 2 once the process uses more than this much memory (resident set, in MiB)',
      integerOption('--memory-limit', 16, 1_048_576),
    );
}

/** Splits `A,B,C`, rejecting empty names and repeats. */
export function parseList(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InputError(`bad ${flag} '${text}': expected names separated by commas, e.g. ${flag} a,b`);
  const seen = new Set<string>();
  for (const s of items) {
    if (seen.has(s)) throw new InputError(`bad ${flag} '${text}': '${s}' appears twice`);
    seen.add(s);
  }
  return items;
}
