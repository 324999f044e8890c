/**
 * `faultline compare <scenario> --strategies A,B[,C]`: every strategy runs on the same seeds
 * under the same fault plans (common random numbers: the workload and the faults are drawn
 * from streams the strategy does not touch), so per-seed differences measure the strategy,
 * not luck. Reports each metric's mean with a 95% confidence interval (t distribution), the
 * violation rate, and the paired differences B − A with their intervals; a difference is
 * real when its interval excludes zero. `--time-limit` and `--memory-limit` bound the whole
 * comparison (run-guard.ts): with either given, runs report to the guard through a counting
 * trace callback (without, the trace stays off); nothing else changes, the runs are the same.
 */
import type { Command } from 'commander';
import { resolveScenario } from '../../catalog/scenario-modules.ts';
import { type FaultPlan, InputError } from '../../engine/index.ts';
import { checkPlanHorizon } from '../../scenarios/framework/horizon.ts';
import { type AnyScenario, CheckPlan, mix, RUN_BOUNDED, resolvePreset, resolveStrategy, runScenario } from '../../scenarios/index.ts';
import { describePlan } from '../check/report.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { addLimitOptions, collectParam, integerOption, parseList, parseParamFlags, parseSeedOption, resolveFaultFlags, seedOrPick } from '../options.ts';
import { printJson, printResult, progressAllowed } from '../output.ts';
import { ProgressBar } from '../progress.ts';
import { type LimitFlags, RunGuard, stopBehind } from '../run-guard.ts';
import { type Estimate, estimate, excludesZero, pairedDifference } from '../stats.ts';
import { formatNumber, formatTable } from '../table.ts';

interface CompareOptions extends LimitFlags {
  strategies: string;
  seeds: number;
  seed?: number;
  param: string[];
  preset?: string;
  faults?: string;
  generated?: boolean;
  json?: boolean;
}

export function registerCompare(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  const command = program
    .command('compare')
    .description('compare strategies over many seeds with the same seeds and fault plans for each (paired differences, 95% intervals)')
    .argument('<scenario>', "a scenario id (see 'faultline list'), or the path of a module exporting your own (PATH or PATH#id)")
    .requiredOption('--strategies <a,b[,c]>', 'the strategies to compare, separated by commas (the first is the baseline)')
    .option('--seeds <n>', 'how many seeds', integerOption('--seeds', 2, 100_000), 30)
    .option('--seed <n>', 'the base seed the run seeds derive from (default: picked at random and printed)', parseSeedOption)
    .option('--param <key=value>', 'a scenario parameter (repeatable)', collectParam, [])
    .option('--preset <id>', "one fault preset for every run (default: the scenario's default preset)")
    .option('--faults <file|json>', 'one fault plan for every run: JSON text, or a file holding one')
    .option('--generated', "draw each seed's fault plan from the scenario's fault space, as check does (still the same plan for every strategy)")
    .option('--json', 'print one JSON object on stdout');
  addLimitOptions(command).action((id: string, opts: CompareOptions) => run(async () => compare(id, opts)));
}

interface Sample {
  metrics: Record<string, number>[];
  violated: number[];
  invariantsBroken: Map<string, number>;
  boundHits: number;
}

interface MetricColumn {
  name: string;
  unit: string;
  better: 'lower' | 'higher' | 'neither';
}

async function compare(id: string, opts: CompareOptions): Promise<ExitCode> {
  const { scenario } = await resolveScenario(id);
  const strategies = parseList('--strategies', opts.strategies).map((s) => resolveStrategy(scenario, s));
  if (strategies.length < 2)
    throw new InputError(`compare needs at least two strategies, got '${opts.strategies}'; strategies are: ${scenario.strategies.map((s) => s.id).join(', ')}`);
  const params = parseParamFlags(scenario, opts.param);
  if (opts.generated && (opts.preset !== undefined || opts.faults !== undefined))
    throw new InputError('--generated draws the fault plans: give it without --preset or --faults');
  const fixed = opts.generated ? null : (resolveFaultFlags(scenario, opts, params) ?? defaultFaults(scenario, params));
  if (fixed !== null) checkPlanHorizon(scenario, params, fixed);
  const seed = seedOrPick(opts.seed, false);
  const generator = opts.generated ? new CheckPlan(scenario, strategies[0], params, seed) : null;
  const guard = RunGuard.fromFlags(opts, 'compare');
  const trace = guard.active ? () => guard.tick() : 'off';

  const samples = strategies.map((): Sample => ({ metrics: [], violated: [], invariantsBroken: new Map(), boundHits: 0 }));
  const runSeeds: number[] = [];
  const bar = new ProgressBar(opts.seeds * strategies.length, 'compare', progressAllowed(opts.json === true));
  for (let i = 0; i < opts.seeds; i++) {
    const input = generator?.input(i);
    const runSeed = input?.seed ?? mix(seed, i);
    const faults = input?.plan.value ?? fixed!;
    runSeeds.push(runSeed);
    strategies.forEach((strategy, k) => {
      guard.check();
      let result: ReturnType<typeof runScenario>;
      try {
        result = runScenario(scenario, { strategy, seed: runSeed, parsedParams: params, faults, trace });
      } catch (error) {
        throw stopBehind(error) ?? error;
      }
      const sample = samples[k]!;
      sample.metrics.push(result.metrics);
      sample.violated.push(result.ok ? 0 : 1);
      for (const inv of result.invariants) if (!inv.ok) sample.invariantsBroken.set(inv.name, (sample.invariantsBroken.get(inv.name) ?? 0) + 1);
      if (result.invariants.some((inv) => inv.name === RUN_BOUNDED && !inv.ok)) sample.boundHits++;
      bar.update(i * strategies.length + k + 1);
    });
  }
  bar.finish();

  const columns: MetricColumn[] = [
    { name: 'violationRate', unit: 'ratio', better: 'lower' },
    ...scenario.metrics.map((m) => ({ name: m.name, unit: m.unit, better: m.better })),
  ];
  const series = (k: number, metric: string): number[] => (metric === 'violationRate' ? samples[k]!.violated : samples[k]!.metrics.map((m) => m[metric]!));

  const report = {
    scenario: scenario.id,
    seed,
    seeds: opts.seeds,
    params,
    faultsMode: generator === null ? ('fixed' as const) : ('generated' as const),
    faults: fixed,
    runSeeds,
    strategies: strategies.map((strategy, k) => ({
      id: strategy,
      violationRate: mean(samples[k]!.violated),
      invariantViolationRates: Object.fromEntries([...samples[k]!.invariantsBroken].map(([name, n]) => [name, n / opts.seeds])),
      boundHits: samples[k]!.boundHits,
      metrics: Object.fromEntries(
        columns.slice(1).map((c) => {
          const e = estimate(series(k, c.name));
          return [c.name, { mean: e.mean, ci95: e.ci95, sd: e.sd, unit: c.unit, better: c.better }];
        }),
      ),
    })),
    differences: strategies.flatMap((a, i) =>
      strategies.slice(i + 1).flatMap((b, j) =>
        columns.map((c) => {
          const d = pairedDifference(series(i, c.name), series(i + 1 + j, c.name));
          const real = excludesZero(d.ci95);
          return { a, b, metric: c.name, mean: d.mean, ci95: d.ci95, real, better: real ? betterOf(a, b, d, c.better) : null };
        }),
      ),
    ),
  };

  if (opts.json) printJson(report);
  else printResult(compareTable(scenario, report, columns, strategies));
  if (samples.some((s) => s.boundHits > 0)) return EXIT.badInput;
  return samples.some((s) => s.violated.some((v) => v === 1)) ? EXIT.violated : EXIT.held;
}

function defaultFaults(scenario: AnyScenario, params: Record<string, unknown>): FaultPlan {
  return scenario.defaultPreset === undefined ? [] : resolvePreset(scenario, scenario.defaultPreset, params);
}

/** Which strategy the difference b − a favours, for a metric where lower or higher is better. */
function betterOf(a: string, b: string, d: Estimate, better: MetricColumn['better']): string | null {
  if (better === 'neither' || d.mean === 0) return null;
  return d.mean < 0 === (better === 'lower') ? b : a;
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

interface CompareReport {
  scenario: string;
  seed: number;
  seeds: number;
  faultsMode: 'fixed' | 'generated';
  faults: FaultPlan | null;
  strategies: { id: string; violationRate: number; metrics: Record<string, { mean: number; ci95: [number, number] }> }[];
  differences: { a: string; b: string; metric: string; mean: number; ci95: [number, number]; real: boolean; better: string | null }[];
}

function compareTable(scenario: AnyScenario, r: CompareReport, columns: readonly MetricColumn[], strategies: readonly string[]): string {
  const base = strategies[0]!;
  const interval = (m: number, ci: readonly [number, number]): string => `${formatNumber(m)} [${formatNumber(ci[0])}, ${formatNumber(ci[1])}]`;
  const rows = columns.map((c) => {
    const row: Record<string, string> = { metric: c.name, unit: c.unit };
    r.strategies.forEach((s, k) => {
      row[s.id] = c.name === 'violationRate' ? formatNumber(s.violationRate) : interval(s.metrics[c.name]!.mean, s.metrics[c.name]!.ci95);
      if (k === 0) return;
      const d = r.differences.find((x) => x.a === base && x.b === s.id && x.metric === c.name)!;
      row[`${s.id} − ${base}`] = `${interval(d.mean, d.ci95)}${d.real ? ` *${d.better === null ? '' : ` ${d.better} better`}` : ''}`;
    });
    return row;
  });
  const plan =
    r.faultsMode === 'generated' ? ["each seed's own plan, drawn from the scenario's fault space (the same for every strategy)"] : describePlan(r.faults ?? []);
  return [
    `${scenario.id}: ${strategies.join(' vs ')} over ${r.seeds} seeds (base seed ${r.seed}); every strategy sees the same seeds and faults:`,
    ...plan.map((d) => `  - ${d}`),
    '',
    formatTable(rows, { right: [] }),
    '',
    `mean [95% interval]; differences are paired per seed. * = real: the interval excludes 0.`,
  ].join('\n');
}
