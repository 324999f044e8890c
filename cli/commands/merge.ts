/**
 * `faultline merge FILE...`: combines the `--out` files of a check's shards into exactly the
 * result the unsharded check prints (same JSON, same exit code). The check's failure is the
 * lowest failing run index over all shards, with the counterexample its shard shrank; goals
 * are counted over every run up to it. Merging is a report, not a check: it exits 0 once the
 * files are combined (the verdict is in the result's `ok`), or with --exit-code exactly as
 * the unsharded check would (1 when a counterexample was found). Files of different checks (scenario, strategies,
 * runs, seed, parameters, shrink budget), a repeated shard or a missing one are refused, and
 * so is a file that is damaged — a checksum that does not match, a value out of range
 * (shard-file.ts) — always with exit 2 naming the file.
 */
import type { Command } from 'commander';
import { resolveScenario } from '../../catalog/scenario-modules.ts';
import { InputError } from '../../engine/index.ts';
import { CheckPlan, type Counterexample, findScenario, summarizeCheck } from '../../scenarios/index.ts';
import { allReport, checkExit, checkReport, checkTable } from '../check/report.ts';
import { toScanResult } from '../check/runner.ts';
import { canonical, readShardFile, type ShardFile, shardModule } from '../check/shard-file.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { printJson, printResult } from '../output.ts';

interface MergeOptions {
  baseUrl: string;
  exitCode?: boolean;
  json?: boolean;
}

export function registerMerge(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('merge')
    .description('merge the --out files of check shards into the result of the unsharded check')
    .argument('<files...>', "files written by 'faultline check --shard I/N --out FILE'")
    .option('--base-url <url>', 'base of the web UI link', 'http://127.0.0.1:8080')
    .option('--exit-code', 'exit as the unsharded check would: 1 when a counterexample was found (default: 0 once merged)')
    .option('--json', 'print one JSON object on stdout')
    .action((files: string[], opts: MergeOptions) => run(async () => merge(files, opts)));
}

async function merge(paths: readonly string[], opts: MergeOptions): Promise<ExitCode> {
  // A user's scenario: load its module first, so the files can be checked against it.
  for (const module of new Set(paths.map(shardModule).filter((m): m is string => m !== null))) await resolveScenario(module);
  const files = paths.map((path) => ({ path, file: readShardFile(path) }));
  checkSameCheck(files);
  const first = files[0]!.file;
  const scenario = findScenario(first.scenario);

  const reports = first.strategies.map((strategy) => {
    const plan = new CheckPlan(scenario, strategy, first.params, first.seed);
    const parts = files.map(({ file }) => ({ file, result: file.results.find((r) => r.strategy === strategy)! }));
    const scans = parts.map(({ file, result }) => toScanResult(result, file.runs, file.shard));
    const failing = parts.filter((p) => p.result.failure !== null).sort((x, y) => x.result.failure!.index - y.result.failure!.index)[0];
    let counterexample: Counterexample | null = null;
    if (failing !== undefined) {
      counterexample = failing.result.counterexample as Counterexample | null;
      if (counterexample === null || counterexample.index !== failing.result.failure!.index) {
        throw new InputError(
          `shard ${shardName(failing.file)} of ${strategy} records a failure at run ${failing.result.failure!.index} without its counterexample`,
        );
      }
    }
    const result = summarizeCheck(plan, first.runs, scans, counterexample, null);
    const executedRuns = parts.reduce((s, p) => s + p.result.executedRuns, 0);
    const elapsedMs = Math.max(...parts.map((p) => p.result.elapsedMs));
    return checkReport(
      scenario,
      result,
      first.params,
      { runsPerSec: elapsedMs > 0 ? (executedRuns * 1000) / elapsedMs : 0, executedRuns, elapsedMs },
      opts.baseUrl,
    );
  });

  if (opts.json) printJson(first.all ? allReport(scenario, first.seed, first.runs, reports) : reports[0]);
  else
    printResult(
      checkTable(
        reports,
        `${scenario.id}: ${first.runs.toLocaleString('en-US')} runs per strategy, seed ${first.seed}, merged from ${files.length} file${files.length === 1 ? '' : 's'}`,
      ),
    );
  return opts.exitCode ? checkExit(reports) : EXIT.held;
}

const shardName = (file: ShardFile): string => (file.shard === null ? 'unsharded' : `${file.shard.index}/${file.shard.count}`);

/** Refuses files that are not the shards of one check, naming the field that differs. */
function checkSameCheck(files: readonly { path: string; file: ShardFile }[]): void {
  const [head, ...rest] = files;
  const identity = (f: ShardFile) => ({
    scenario: f.scenario,
    strategies: f.strategies.join(','),
    all: f.all,
    runs: f.runs,
    seed: f.seed,
    params: canonical(f.params),
    shrinkBudget: f.shrinkBudget,
    'shard count': f.shard?.count ?? 'unsharded',
  });
  const want = identity(head!.file);
  for (const { path, file } of rest) {
    const got = identity(file);
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      if (want[key] !== got[key]) {
        throw new InputError(
          `'${path}' is from a different check than '${head!.path}': ${key} ${String(got[key])} vs ${String(want[key])}; merge only the shards of one check`,
        );
      }
    }
  }
  const count = head!.file.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { path, file } of files) {
    const index = file.shard?.index ?? 1;
    const other = seen.get(index);
    if (other !== undefined) throw new InputError(`'${path}' and '${other}' are both shard ${index}/${count}; give each shard once`);
    seen.set(index, path);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new InputError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing; merge needs all ${count} shards`);
}
