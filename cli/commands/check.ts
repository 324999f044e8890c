/**
 * `faultline check <scenario>`: property-check one strategy (or --all) under generated fault
 * plans and seeds on a pool of worker threads; shrink the first failure to the fewest,
 * simplest faults, replay it twice, and print it as a replay command and a link. The result
 * does not depend on --workers. `--shard I/N` runs a deterministic slice of the runs and
 * `--out FILE` writes what `faultline merge` needs to rebuild the unsharded result: opened
 * before the check starts (a folder that cannot take it is refused at once) and put in place
 * atomically at the end (a killed check leaves the old file or none, never a part of one).
 * `--time-limit` and `--memory-limit` bound the whole check, workers included.
 */
import os from 'node:os';
import { type Command, Option } from 'commander';
import { resolveScenario } from '../../catalog/scenario-modules.ts';
import { InputError } from '../../engine/index.ts';
import { parseShard, resolveStrategy, type ShardSpec } from '../../scenarios/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { CheckPool } from '../check/pool.ts';
import { allReport, type CheckReport, checkExit, checkReport, checkTable } from '../check/report.ts';
import { checkInPool, sliceOf } from '../check/runner.ts';
import { shardFileText } from '../check/shard-file.ts';
import type { ExitCode } from '../exit-codes.ts';
import { addLimitOptions, collectParam, integerOption, parseParamFlags, parseSeedOption, seedOrPick } from '../options.ts';
import { printJson, printResult, progressAllowed, say } from '../output.ts';
import { ProgressBar } from '../progress.ts';
import { type LimitFlags, RunGuard } from '../run-guard.ts';

interface CheckOptions extends LimitFlags {
  strategy?: string;
  all?: boolean;
  runs: number;
  seed?: number;
  param: string[];
  workers?: number;
  shard?: string;
  out?: string;
  shrinkBudget: number;
  baseUrl: string;
  expect?: 'declared';
  json?: boolean;
}

export const RUNS_MAX = 100_000_000;
export const WORKERS_MAX = 256;

export function registerCheck(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  const command = program
    .command('check')
    .description('property-check a strategy (or --all) under generated faults; shrink and print the first counterexample')
    .argument('<scenario>', "a scenario id (see 'faultline list'), or the path of a module exporting your own (PATH or PATH#id)")
    .option('--strategy <id>', "the strategy (default: the scenario's default)")
    .option('--all', 'check every strategy of the scenario')
    .option('--runs <n>', 'runs per strategy (all shards together)', integerOption('--runs', 1, RUNS_MAX), 1000)
    .option('--seed <n>', 'the check seed (default: picked at random and printed)', parseSeedOption)
    .option('--param <key=value>', 'a scenario parameter (repeatable)', collectParam, [])
    .option('--workers <k>', 'worker threads (default: the number of cores)', integerOption('--workers', 1, WORKERS_MAX))
    .option('--shard <i/n>', 'run only shard I of N (every N-th run, from run I-1)')
    .option('--out <file>', 'write the result for `faultline merge` to this file')
    .option('--shrink-budget <n>', 'candidate runs shrinking may try', integerOption('--shrink-budget', 0, 1_000_000), 2000)
    .option('--base-url <url>', 'base of the web UI link', 'http://127.0.0.1:8080')
    .addOption(
      new Option('--expect <what>', 'declared: exit 0 when every flawed strategy broke only what it declares and every sound one held, 1 otherwise').choices([
        'declared',
      ]),
    )
    .option('--json', 'print one JSON object on stdout');
  addLimitOptions(command).action((id: string, opts: CheckOptions) => run(async () => check(id, opts)));
}

async function check(id: string, opts: CheckOptions): Promise<ExitCode> {
  const { scenario, module } = await resolveScenario(id);
  if (opts.all && opts.strategy !== undefined) throw new InputError(`--strategy ${opts.strategy} and --all are alternatives: give one of them`);
  const strategies = opts.all ? scenario.strategies.map((s) => s.id) : [resolveStrategy(scenario, opts.strategy)];
  const params = parseParamFlags(scenario, opts.param);
  const shard: ShardSpec | null = opts.shard === undefined ? null : parseShard(opts.shard);
  const workers = opts.workers ?? os.availableParallelism();
  const positions = sliceOf(opts.runs, shard).positions;
  const guard = RunGuard.fromFlags(opts, 'check');
  const seed = seedOrPick(opts.seed, false);

  const out = opts.out === undefined ? null : AtomicFile.open(opts.out, 'the check result (--out)');
  const bar = new ProgressBar(positions * strategies.length, `check ${scenario.id}`, progressAllowed(opts.json === true));
  const pool = new CheckPool(workers);
  const watch = guard.watch();
  let checks: Awaited<ReturnType<typeof checkInPool>>;
  try {
    await Promise.race([pool.warm(), watch.breached]);
    bar.start();
    const work = checkInPool(pool, {
      scenario: scenario.id,
      module,
      strategies,
      params,
      seed,
      runs: opts.runs,
      shard,
      shrinkBudget: opts.shrinkBudget,
      onProgress: (done) => bar.update(done),
    });
    // Stopped by a bound, the pool is destroyed under the check, which then fails unheard.
    work.catch(() => {});
    checks = await Promise.race([work, watch.breached]);
  } catch (error) {
    out?.abort();
    throw error;
  } finally {
    watch.stop();
    bar.finish();
    await pool.close();
  }

  const reports: CheckReport[] = checks.map((c) =>
    checkReport(scenario, c.result, params, { runsPerSec: c.runsPerSec, executedRuns: c.scan.executedRuns, elapsedMs: c.scan.elapsedMs }, opts.baseUrl),
  );
  if (out !== null) {
    out.write(
      shardFileText({
        scenario: scenario.id,
        module: module?.label ?? null,
        all: opts.all === true,
        runs: opts.runs,
        seed,
        params,
        shrinkBudget: opts.shrinkBudget,
        shard,
        results: checks.map((c) => ({ strategy: c.result.strategy, scan: c.scan, counterexample: c.result.counterexample })),
      }),
    );
    out.commit();
    say(`wrote ${out.path}${shard === null ? '' : ` (shard ${shard.index}/${shard.count}); combine the shards with 'faultline merge FILE...'`}`);
  }

  if (opts.json) printJson(opts.all ? allReport(scenario, seed, opts.runs, reports) : reports[0]);
  else {
    const slice = shard === null ? '' : `, shard ${shard.index}/${shard.count} (${positions.toLocaleString('en-US')} of them)`;
    printResult(
      checkTable(
        reports,
        `${scenario.id}: ${opts.runs.toLocaleString('en-US')} runs per strategy${slice}, seed ${seed}, ${workers} worker${workers === 1 ? '' : 's'}`,
      ),
    );
  }
  return checkExit(reports, opts.expect ?? null);
}
