/**
 * The file `check --out` writes and `merge` reads: everything needed to combine shards into
 * exactly the unsharded result. For each strategy: the goal masks of the shard's runs up to
 * and including its first failure (the run indices follow from the shard spec), that failure,
 * and its shrunk counterexample. With the check's identity (scenario, strategies, runs, seed,
 * parameters, shrink budget), so that merge can refuse files of different checks.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssues, InputError } from '../../engine/index.ts';
import type { Counterexample, ShardSpec } from '../../scenarios/index.ts';
import type { ScanOutcome } from './runner.ts';

export const SHARD_FORMAT = 'faultline-check-shard';
export const SHARD_VERSION = 2;

const FailureSchema = z.object({
  invariant: z.string(),
  message: z.string(),
  time: z.number(),
  node: z.string().nullable(),
  index: z.number().int().min(0),
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
  scenario: z.string(),
  strategies: z.array(z.string()).min(1),
  /** Whether the check was `--all` (merge then prints `{results: [...]}`). */
  all: z.boolean(),
  runs: z.number().int().min(1),
  seed: z.number().int().min(0),
  params: z.record(z.string(), z.unknown()),
  shrinkBudget: z.number().int().min(0),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).nullable(),
  results: z
    .array(
      z.object({
        strategy: z.string(),
        goalMasks: z.array(z.number().int()),
        coverage: z.array(z.array(z.number().int().min(0).max(100_000)).max(1000)),
        failure: FailureSchema.nullable(),
        counterexample: CounterexampleSchema.nullable(),
        executedRuns: z.number().int().min(0),
        elapsedMs: z.number().min(0),
      }),
    )
    .min(1),
});

export type ShardFile = z.infer<typeof ShardFileSchema>;

export interface ShardFileInput {
  scenario: string;
  all: boolean;
  runs: number;
  seed: number;
  params: Record<string, unknown>;
  shrinkBudget: number;
  shard: ShardSpec | null;
  results: { strategy: string; scan: ScanOutcome; counterexample: Counterexample | null }[];
}

export function writeShardFile(path: string, input: ShardFileInput): void {
  const file: ShardFile = {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    scenario: input.scenario,
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
  writeFileSync(path, `${JSON.stringify(file)}\n`);
}

export function readShardFile(path: string): ShardFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read shard file '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`'${path}' is not a shard file: not JSON; merge takes the files written by 'faultline check --shard I/N --out FILE'`);
  }
  const parsed = ShardFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(
      `'${path}' is not a shard file of this faultline (${formatIssues(parsed.error, 'file')}); merge takes the files written by 'check --out'`,
    );
  }
  return parsed.data;
}
