/**
 * The file `check --out` writes and `merge` reads: everything needed to combine shards into
 * exactly the unsharded result. For each strategy: the goal masks of the shard's runs up to
 * and including its first failure (the run indices follow from the shard spec), their
 * coverage, that failure, and its shrunk counterexample. With the check's identity
 * (scenario, strategies, runs, seed, parameters, shrink budget), so that merge can refuse
 * files of different checks.
 *
 * Trust nothing read back: the file carries a checksum (`sha256:` of its canonical JSON — keys
 * sorted — without the checksum field), so a file edited or cut short after check wrote it is
 * refused; and every value is checked against what the check could have produced (a known
 * scenario, strategies and valid parameters; goal masks below 2^goals; one mask per run of the
 * shard up to its failure; a failure at one of the shard's own run indices, its
 * counterexample at the same index). Every refusal names the file (exit 2).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { formatIssues, InputError } from '../../engine/index.ts';
import { type Counterexample, findScenario, goalsFor, parseParams, type ShardSpec } from '../../scenarios/index.ts';
import { parseJsonInput, readInputText } from '../input-file.ts';
import { clipMessage } from '../output.ts';
import { type ScanOutcome, sliceOf } from './runner.ts';

export const SHARD_FORMAT = 'faultline-check-shard';
/** 3: with a checksum. */
export const SHARD_VERSION = 4;
/** The largest shard file merge reads (a shard of 10^8 runs' goal masks fits). */
export const SHARD_FILE_BYTES_MAX = 256 * 1024 * 1024;
const MASK_MAX = 2 ** 31 - 1;

const FailureSchema = z.object({
  invariant: z.string(),
  message: z.string(),
  time: z.number(),
  node: z.string().nullable(),
  index: z.number().int().min(0),
  stack: z.string().max(100_000).optional(),
});

const CounterexampleSchema = z.looseObject({
  index: z.number().int().min(0),
  seed: z.number().int(),
  invariant: z.string(),
  faults: z.array(z.unknown()),
  shrinkSteps: z.number().int(),
});

export const ShardFileSchema = z.object({
  format: z.literal(SHARD_FORMAT),
  version: z.literal(SHARD_VERSION),
  scenario: z.string().min(1).max(64),
  /** The user's module the scenario came from, as the check was given it (merge loads it); null for a built-in. */
  module: z.string().min(1).max(4096).nullable(),
  strategies: z.array(z.string().min(1).max(64)).min(1).max(64),
  /** Whether the check was `--all` (merge then prints `{results: [...]}`). */
  all: z.boolean(),
  runs: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  params: z.record(z.string(), z.unknown()),
  shrinkBudget: z.number().int().min(0).max(1_000_000),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).nullable(),
  results: z
    .array(
      z.object({
        strategy: z.string(),
        goalMasks: z.array(z.number().int().min(0).max(MASK_MAX)),
        coverage: z.array(z.array(z.number().int().min(0).max(100_000)).max(1000)),
        failure: FailureSchema.nullable(),
        counterexample: CounterexampleSchema.nullable(),
        executedRuns: z.number().int().min(0),
        elapsedMs: z.number().min(0),
      }),
    )
    .min(1),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});

export type ShardFile = z.infer<typeof ShardFileSchema>;

export interface ShardFileInput {
  scenario: string;
  module: string | null;
  all: boolean;
  runs: number;
  seed: number;
  params: Record<string, unknown>;
  shrinkBudget: number;
  shard: ShardSpec | null;
  results: { strategy: string; scan: ScanOutcome; counterexample: Counterexample | null }[];
}

/** The file's text: its JSON, with the checksum, on one line. */
export function shardFileText(input: ShardFileInput): string {
  const file: Omit<ShardFile, 'checksum'> = {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    scenario: input.scenario,
    module: input.module,
    strategies: input.results.map((r) => r.strategy),
    all: input.all,
    runs: input.runs,
    seed: input.seed,
    params: input.params,
    shrinkBudget: input.shrinkBudget,
    shard: input.shard,
    results: input.results.map((r) => ({
      strategy: r.strategy,
      goalMasks: r.scan.goalMasks,
      coverage: r.scan.coverage,
      failure: r.scan.failure,
      counterexample: r.counterexample as ShardFile['results'][number]['counterexample'],
      executedRuns: r.scan.executedRuns,
      elapsedMs: Math.round(r.scan.elapsedMs),
    })),
  };
  return `${JSON.stringify({ ...file, checksum: shardChecksum(file) })}\n`;
}

/** Reads and checks a shard file; every refusal is an InputError naming it. */
/** The module a shard file's scenario comes from, read before the file is checked (so its scenario is known); null when none. */
export function shardModule(path: string): string | null {
  try {
    const head = parseJsonInput(readInputText(path, SHARD_FILE_BYTES_MAX, 'the shard file'), `'${path}'`) as { module?: unknown };
    return typeof head?.module === 'string' ? head.module : null;
  } catch {
    return null; // readShardFile says what is wrong with it
  }
}

export function readShardFile(path: string): ShardFile {
  const text = readInputText(path, SHARD_FILE_BYTES_MAX, 'the shard file');
  const notShard = `merge takes the files written by 'faultline check --shard I/N --out FILE'`;
  let value: unknown;
  try {
    value = parseJsonInput(text, `'${path}'`);
  } catch (error) {
    throw new InputError(`'${path}' is not a shard file (${(error as Error).message.replace(`'${path}': `, '')}); ${notShard}`);
  }
  const head = (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  if (head.format !== SHARD_FORMAT) throw new InputError(`'${path}' is not a shard file (no "format": "${SHARD_FORMAT}"); ${notShard}`);
  if (head.version !== SHARD_VERSION) {
    throw new InputError(`'${path}' is a shard file of version ${String(head.version)}; this faultline reads version ${SHARD_VERSION}: run the check again`);
  }
  const { checksum, ...rest } = head;
  if (checksum !== shardChecksum(rest)) {
    throw new InputError(`'${path}' is damaged: its checksum does not match its contents (changed or cut short after check wrote it); run that shard again`);
  }
  const parsed = ShardFileSchema.safeParse(value);
  if (!parsed.success) throw new InputError(`'${path}' is damaged: ${clipMessage(formatIssues(parsed.error, 'file'))}; run that shard again`);
  checkRanges(path, parsed.data);
  return parsed.data;
}

/** Refuses values the check that wrote the file could not have produced. */
function checkRanges(path: string, file: ShardFile): void {
  const damaged = (what: string): InputError => new InputError(`'${path}' is damaged: ${what}; run that shard again`);
  let scenario: ReturnType<typeof findScenario>;
  try {
    scenario = findScenario(file.scenario);
  } catch (error) {
    throw new InputError(`'${path}': ${(error as Error).message}`);
  }
  if (file.shard !== null && file.shard.index > file.shard.count) throw damaged(`shard ${file.shard.index}/${file.shard.count} is past its count`);
  if (new Set(file.strategies).size !== file.strategies.length) throw damaged(`a strategy appears twice in ${file.strategies.join(',')}`);
  const names = file.results.map((r) => r.strategy).join(',');
  if (names !== file.strategies.join(',')) throw damaged(`its results (${names}) do not match its strategies (${file.strategies.join(',')})`);
  for (const strategy of file.strategies) {
    if (!scenario.strategies.some((s) => s.id === strategy)) throw new InputError(`'${path}': ${scenario.id} has no strategy '${strategy}'`);
  }
  let params: Record<string, unknown>;
  try {
    params = parseParams(scenario, file.params) as Record<string, unknown>;
  } catch (error) {
    throw damaged(`its parameters are not valid for ${scenario.id} (${(error as Error).message})`);
  }
  if (canonical(params) !== canonical(file.params)) throw damaged(`its parameters are not those of a check of ${scenario.id} (defaults missing or altered)`);
  const { offset, stride, positions } = sliceOf(file.runs, file.shard);
  for (const r of file.results) {
    const goals = goalsFor(scenario, r.strategy).length;
    const bad = r.goalMasks.findIndex((m) => m >= 2 ** goals);
    if (bad >= 0) throw damaged(`${r.strategy}'s goal mask ${r.goalMasks[bad]} at position ${bad} names goals it does not have (it has ${goals})`);
    if (r.coverage.length !== r.goalMasks.length) throw damaged(`${r.strategy} has ${r.coverage.length} coverage entries for ${r.goalMasks.length} runs`);
    if (r.failure !== null) {
      const p = (r.failure.index - offset) / stride;
      if (!Number.isInteger(p) || p < 0 || p >= positions) throw damaged(`${r.strategy}'s failure at run ${r.failure.index} is not a run of this shard`);
      if (r.counterexample !== null && r.counterexample.index !== r.failure.index) {
        throw damaged(`${r.strategy}'s counterexample is of run ${r.counterexample.index}, its failure of run ${r.failure.index}`);
      }
    } else if (r.counterexample !== null) throw damaged(`${r.strategy} has a counterexample but no failure`);
    const expected = r.failure === null ? positions : (r.failure.index - offset) / stride + 1;
    if (r.goalMasks.length !== expected) throw damaged(`${r.strategy} has ${r.goalMasks.length} goal masks where its shard ran ${expected} runs`);
    if (r.executedRuns < r.goalMasks.length) throw damaged(`${r.strategy} executed ${r.executedRuns} runs but records ${r.goalMasks.length}`);
  }
}

/** `sha256:` of the canonical JSON of a file's fields (the checksum field left out), fed in pieces: a shard may hold 10^8 goal masks. */
export function shardChecksum(fields: unknown): string {
  const hash = createHash('sha256');
  let pending: string[] = [];
  let size = 0;
  writeCanonical(fields, (piece) => {
    pending.push(piece);
    size += piece.length;
    if (size >= 1 << 16) {
      hash.update(pending.join(''));
      pending = [];
      size = 0;
    }
  });
  hash.update(pending.join(''));
  return `sha256:${hash.digest('hex')}`;
}

/** JSON with sorted keys, so that equal values have one text (parameter objects compare by value). */
export function canonical(value: unknown): string {
  const out: string[] = [];
  writeCanonical(value, (piece) => out.push(piece));
  return out.join('');
}

function writeCanonical(value: unknown, write: (piece: string) => void): void {
  if (Array.isArray(value)) {
    write('[');
    value.forEach((v, i) => {
      if (i > 0) write(',');
      writeCanonical(v, write);
    });
    write(']');
  } else if (value !== null && typeof value === 'object') {
    write('{');
    Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .forEach((k, i) => {
        write(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
        writeCanonical((value as Record<string, unknown>)[k], write);
      });
    write('}');
  } else write(JSON.stringify(value) ?? 'null');
}
