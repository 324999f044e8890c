/**
 * `faultline run <scenario>`: one run of one strategy under one fault plan. Prints the run's
 * verdicts, metrics and trace hash, and the `replay` command that reproduces it (the same
 * trace hash, in any process). `--trace FILE` writes the trace as it happens (NDJSON, or a
 * ShiViz log), put in place only once the run is complete (atomic; see trace-file.ts);
 * `--history FILE` the clients' history (JSON or EDN, see history-file.ts). In the
 * human mode the key moments of the narration stream to stderr. `--time-limit` and
 * `--memory-limit` bound the run (run-guard.ts).
 */
import { type Command, Option } from 'commander';
import { resolveScenario } from '../../catalog/scenario-modules.ts';
import { type FaultPlan, InputError, type TraceEvent, TraceHasher } from '../../engine/index.ts';
import { checkPlanHorizon } from '../../scenarios/framework/horizon.ts';
import { type AnyScenario, fmtMs, RUN_BOUNDED, resolvePreset, resolveStrategy, runScenario } from '../../scenarios/index.ts';
import { encodeRunLink, replayCommand, replayParams, shellQuote, summarizeRun } from '../../wire/index.ts';
import { describePlan } from '../check/report.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { HISTORY_FILE_FORMATS, type HistoryClaim, HistoryFile, type HistoryFileFormat, type HistoryFileReport } from '../history-file.ts';
import { addLimitOptions, collectParam, parseParamFlags, parseSeedOption, resolveFaultFlags, seedOrPick } from '../options.ts';
import { openLines, printJson, printResult, runnable, say } from '../output.ts';
import { type LimitFlags, RunGuard, stopBehind } from '../run-guard.ts';
import { formatNumber, formatTable } from '../table.ts';
import { TRACE_FORMATS, TraceFile, type TraceFormat } from '../trace-file.ts';

interface RunOptions extends LimitFlags {
  strategy?: string;
  seed?: number;
  param: string[];
  preset?: string;
  faults?: string;
  trace?: string;
  traceFormat?: TraceFormat;
  history?: string;
  historyFormat?: HistoryFileFormat;
  baseUrl: string;
  json?: boolean;
}

export function registerRun(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  const command = program
    .command('run')
    .description('run a scenario once and print its verdicts, metrics, trace hash and replay command')
    .argument('<scenario>', "a scenario id (see 'faultline list'), or the path of a module exporting your own (PATH or PATH#id)")
    .option('--strategy <id>', "the strategy (default: the scenario's default)")
    .option('--seed <n>', 'the seed (default: picked at random and printed)', parseSeedOption)
    .option('--param <key=value>', 'a scenario parameter (repeatable)', collectParam, [])
    .option('--preset <id>', "a fault preset of the scenario (default: the scenario's default preset)")
    .option('--faults <file|json>', 'a fault plan: JSON text, or a file holding one')
    .option('--trace <file>', 'write the trace to this file as the run goes')
    .addOption(new Option('--trace-format <format>', 'format of --trace: ndjson (one event per line) or shiviz (a ShiViz log)').choices(TRACE_FORMATS))
    .option(
      '--history <file>',
      "write the clients' history (each operation's invocation and completion) to this file, for 'faultline history check', Elle or Knossos",
    )
    .addOption(
      new Option('--history-format <format>', 'format of --history: json (faultline; the default, unless the file ends in .edn) or edn (Jepsen)').choices(
        HISTORY_FILE_FORMATS,
      ),
    )
    .option('--base-url <url>', 'base of the web UI link', 'http://127.0.0.1:8080')
    .option('--json', 'print one JSON object on stdout');
  addLimitOptions(command).action((id: string, opts: RunOptions) => run(async () => runCommand(id, opts)));
}

async function runCommand(id: string, opts: RunOptions): Promise<ExitCode> {
  const { scenario } = await resolveScenario(id);
  const strategy = resolveStrategy(scenario, opts.strategy);
  const params = parseParamFlags(scenario, opts.param);
  const faults = resolveFaultFlags(scenario, opts, params) ?? defaultFaults(scenario, params);
  checkPlanHorizon(scenario, params, faults);
  if (opts.traceFormat !== undefined && opts.trace === undefined) throw new InputError(`--trace-format ${opts.traceFormat} needs --trace FILE`);
  if (opts.historyFormat !== undefined && opts.history === undefined) throw new InputError(`--history-format ${opts.historyFormat} needs --history FILE`);
  const seed = seedOrPick(opts.seed, false);

  const guard = RunGuard.fromFlags(opts, 'run');
  const traceFile = opts.trace === undefined ? null : new TraceFile(opts.trace, opts.traceFormat ?? 'ndjson');
  let historyFile: HistoryFile | null;
  try {
    historyFile = opts.history === undefined ? null : HistoryFile.open(opts.history, opts.historyFormat);
  } catch (error) {
    traceFile?.abort();
    throw error;
  }
  const hasher = new TraceHasher();
  let traceEvents = 0;
  const narrate = !opts.json;
  const onEvent = (event: TraceEvent): void => {
    guard.tick();
    traceEvents++;
    hasher.add(event);
    traceFile?.write(event);
    if (narrate && event.type === 'note' && event.level !== 'info') {
      // The heading only above moments there are: a scenario may narrate none.
      if (!narrated) say(`${scenario.id} / ${strategy}, seed ${seed}: key moments`);
      narrated = true;
      say(`  ${fmtMs(event.t).padStart(11)}  ${(event.node ?? '').padEnd(12)} ${event.text}`);
    }
  };
  let narrated = false;
  let result: ReturnType<typeof runScenario>;
  try {
    guard.check();
    result = runScenario(scenario, { strategy, seed, parsedParams: params, faults, trace: onEvent, history: historyFile !== null });
  } catch (error) {
    traceFile?.abort();
    historyFile?.abort();
    // A bound, or a trace file the disk refused, reaches here wrapped as the handler's error.
    throw stopBehind(error) ?? error;
  }
  let history: HistoryFileReport | null;
  try {
    history = historyFile === null ? null : historyFile.commit(result.history!, scenario, strategy);
  } catch (error) {
    traceFile?.abort();
    throw error;
  }
  traceFile?.finish({ t: result.simTimeMs, traceHash: hasher.digest() });

  const report = {
    ...summarizeRun(result, { hash: hasher.digest(), events: traceEvents }),
    nodes: result.nodes,
    trace: traceFile === null ? null : { file: traceFile.path, format: traceFile.format, lines: traceFile.lines },
    history,
    replay: replayCommand({ scenario, strategy, seed, params, faults: result.faults }),
    url: encodeRunLink(
      { scenario: scenario.id, strategy, seed, params: replayParams(scenario, params), faults: result.faults, hash: hasher.digest() },
      opts.baseUrl,
    ),
  };

  const bounded = result.invariants.find((i) => i.name === RUN_BOUNDED && !i.ok);
  if (opts.json) printJson(report);
  else printResult(runTable(scenario, report, result.invariants));
  if (bounded !== undefined) {
    say(`faultline: ${bounded.violations[0]?.message ?? 'the run hit a bound'}`);
    return EXIT.badInput;
  }
  return result.ok ? EXIT.held : EXIT.violated;
}

function defaultFaults(scenario: AnyScenario, params: Record<string, unknown>): FaultPlan {
  return scenario.defaultPreset === undefined ? [] : resolvePreset(scenario, scenario.defaultPreset, params);
}

interface RunReport {
  scenario: string;
  strategy: string;
  seed: number;
  faults: FaultPlan;
  simTimeMs: number;
  events: number;
  traceEvents: number;
  traceHash: string;
  ok: boolean;
  metrics: Record<string, number>;
  goals: { name: string; reached: boolean }[];
  trace: { file: string; format: string; lines: number } | null;
  history: HistoryFileReport | null;
  replay: string;
  url: string;
}

function runTable(scenario: AnyScenario, r: RunReport, invariants: ReturnType<typeof runScenario>['invariants']): string {
  const units = new Map(scenario.metrics.map((m) => [m.name, m.unit]));
  const lines = [
    `${r.scenario} / ${r.strategy}, seed ${r.seed}: ${r.ok ? 'every invariant held' : 'INVARIANT VIOLATED'}`,
    `simulated ${fmtMs(r.simTimeMs)}, ${formatNumber(r.events)} kernel events, ${formatNumber(r.traceEvents)} trace events, trace hash ${r.traceHash}`,
    '',
    'faults:',
    ...describePlan(r.faults).map((d) => `  - ${d}`),
    '',
    formatTable(
      invariants.map((i) => ({
        invariant: i.name,
        kind: i.kind,
        verdict: i.ok ? 'held' : 'VIOLATED',
        violations: i.count,
        'first violation':
          i.violations[0] === undefined
            ? ''
            : `${fmtMs(i.violations[0].time)}${i.violations[0].node ? ` ${i.violations[0].node}` : ''}: ${i.violations[0].message}`,
      })),
    ),
    '',
    formatTable(Object.entries(r.metrics).map(([name, value]) => ({ metric: name, value, unit: units.get(name) ?? '' }))),
    '',
    `goals reached: ${
      r.goals
        .filter((g) => g.reached)
        .map((g) => g.name)
        .join(', ') || 'none'
    }${
      r.goals.some((g) => !g.reached)
        ? `; not reached: ${r.goals
            .filter((g) => !g.reached)
            .map((g) => g.name)
            .join(', ')}`
        : ''
    }`,
  ];
  if (r.trace !== null) lines.push(`trace: ${r.trace.lines.toLocaleString('en-US')} lines of ${r.trace.format} in ${r.trace.file}`);
  if (r.history !== null) lines.push(...historyLines(r.history));
  lines.push(`replay: ${runnable(r.replay)}`, ...openLines(r.url, r.replay));
  return lines.join('\n');
}

function historyLines(h: HistoryFileReport): string[] {
  const what = `history: ${h.operations.toLocaleString('en-US')} client operations (${h.entries.toLocaleString('en-US')} entries) as ${h.format} in ${h.file}`;
  const check = ({ model, consistency }: HistoryClaim): string =>
    runnable(`faultline history check ${shellQuote(h.file)} --model ${model}${consistency === undefined ? '' : ` --consistency ${consistency}`}`);
  if (h.claims.length === 0) return [what, `  no invariant of this strategy claims a model; check it against one: ${check({ model: '<model>' })}`];
  return [
    what,
    ...h.claims.map((claim) => `  check the ${claim.model}${claim.consistency === undefined ? '' : ` (${claim.consistency})`} claim again: ${check(claim)}`),
  ];
}
