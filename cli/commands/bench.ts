/**
 * `faultline bench`: the kernel benchmark (bench/run.ts: hold, hold-large and pingpong with
 * the trace off and on, beside a bare heap loop and SimPy), the check throughput on one and
 * two workers and every scenario's check on one worker beside the bare loop
 * (cli/check/throughput.ts), what hashing costs a large traced run (bench/trace-hash.ts),
 * and how the cost per event grows with the run's length and the topology's size, with the
 * bytes a stored trace event takes (bench/growth.ts). `--only PART` runs one part;
 * `--scenarios a,b` limits the scenario part. `--out FILE` also writes the JSON result to a
 * file, atomically (atomic-file.ts): a bench killed halfway leaves the previous result.
 *
 * Each part reports what it measured and how (sizes, repetitions, the reference measured in
 * the same run); the README's benchmark section shows the figures with this command.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type GrowthReport, type GrowthSize, measureGrowth } from '../../bench/growth.ts';
import { runKernelBench } from '../../bench/run.ts';
import { measureTraceHash, type TraceHashReport } from '../../bench/trace-hash.ts';
import { scenarios } from '../../scenarios/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { type CheckThroughputReport, measureCheckThroughput, measureScenarioThroughput, type ScenarioThroughputReport } from '../check/throughput.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { integerOption } from '../options.ts';
import { printJson, printResult, say } from '../output.ts';
import { formatTable } from '../table.ts';

const PARTS = ['kernel', 'check', 'scenarios', 'trace-hash', 'growth'] as const;
type Part = (typeof PARTS)[number];

interface BenchOptions {
  repetitions: number;
  checkRuns: number;
  only?: Part;
  scenarios?: string[];
  scenarioSeconds: number;
  quick?: boolean;
  out?: string;
  json?: boolean;
}

/** Sizes of `--quick`: every part runs in seconds; the figures only show that it works. */
const QUICK = {
  kernelEvents: 200_000,
  bareEvents: 200_000,
  traceHashParams: { requestsPerSec: 2_000, workloadMs: 500 },
  growthSizes: [
    { events: 10_000, nodes: 100 },
    { events: 100_000, nodes: 100 },
    { events: 100_000, nodes: 200 },
  ] satisfies GrowthSize[],
  bytesEvents: 100_000,
  growthRepetitions: 1,
  bytesScenario: { scenario: 'cache-strategies', params: { requestsPerSec: 2_000, workloadMs: 500 } },
};

export function registerBench(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('bench')
    .description(
      "measure the kernel beside a bare heap loop and SimPy, check throughput on 1 and 2 workers, every scenario's check beside the bare loop, the cost of hashing a traced run, and the cost per event as runs and topologies grow",
    )
    .option('--json', 'print one JSON object on stdout')
    .option('--repetitions <n>', 'interleaved repetitions; the best is kept', integerOption('--repetitions', 1, 100), 5)
    .option('--check-runs <n>', 'runs per worker in each check-throughput measurement', integerOption('--check-runs', 100, 1_000_000), 16000)
    .addOption(new Option('--only <part>', 'run only one part').choices([...PARTS]))
    .option('--scenarios <ids>', 'the scenario part measures only these scenarios (comma-separated ids; default: all)', scenarioList)
    .option('--scenario-seconds <s>', "wall-clock seconds of each scenario's measurement (its warm-up lasts as long)", secondsOption, 1.5)
    .option('--quick', 'tiny sizes, so every part runs in seconds (a smoke test: the figures mean little)')
    .option('--out <file>', 'also write the JSON result to this file (atomically)')
    .action((opts: BenchOptions) => run(async () => bench(opts)));
}

function scenarioList(text: string): string[] {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = new Set(scenarios.map((s) => s.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (ids.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `${ids.length === 0 ? 'give at least one scenario id' : `unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}`}; scenarios are: ${[...known].join(', ')}.`,
    );
  }
  return ids;
}

function secondsOption(text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value >= 0.05 && value <= 60)) {
    throw new InvalidArgumentError(`--scenario-seconds must be a number of seconds from 0.05 to 60, got '${text}'.`);
  }
  return value;
}

interface BenchResult {
  machine?: ReturnType<typeof runKernelBench>['machine'];
  repetitions?: number;
  workloads?: ReturnType<typeof runKernelBench>['workloads'];
  check?: CheckThroughputReport | { error: string };
  scenarios?: ScenarioThroughputReport['rows'];
  scenarioBareLoop?: ScenarioThroughputReport['bareLoop'] & { secondsPerMeasurement: number; repetitions: number };
  traceHash?: TraceHashReport;
  growth?: GrowthReport;
}

async function bench(opts: BenchOptions): Promise<ExitCode> {
  const progress = (line: string): void => say(line);
  // Opened first, so a folder that cannot take the result is refused before minutes of measuring.
  const out = opts.out === undefined ? null : AtomicFile.open(opts.out, 'the bench result (--out)');
  const wants = (part: Part): boolean => opts.only === undefined || opts.only === part;
  const quick = opts.quick === true;
  const result: BenchResult = {};
  try {
    if (wants('kernel'))
      Object.assign(result, runKernelBench({ repetitions: opts.repetitions, onProgress: progress, ...(quick ? { events: QUICK.kernelEvents } : {}) }));
    if (wants('check')) {
      // A strategy that breaks during the measurement is a finding, reported beside the other parts' figures.
      try {
        result.check = await measureCheckThroughput({ runs: opts.checkRuns, repetitions: opts.repetitions, onProgress: progress });
      } catch (error) {
        progress(`check throughput not measured: ${(error as Error).message}`);
        result.check = { error: (error as Error).message };
      }
    }
    if (wants('scenarios')) {
      const report = await measureScenarioThroughput({
        scenarios: opts.scenarios,
        seconds: quick ? Math.min(opts.scenarioSeconds, 0.2) : opts.scenarioSeconds,
        repetitions: Math.min(opts.repetitions, 3),
        onProgress: progress,
        ...(quick ? { bareEvents: QUICK.bareEvents } : {}),
      });
      result.scenarios = report.rows;
      result.scenarioBareLoop = { ...report.bareLoop, secondsPerMeasurement: report.secondsPerMeasurement, repetitions: report.repetitions };
    }
    if (wants('trace-hash'))
      result.traceHash = measureTraceHash({ repetitions: opts.repetitions, onProgress: progress, ...(quick ? { params: QUICK.traceHashParams } : {}) });
    if (wants('growth'))
      result.growth = measureGrowth({
        onProgress: progress,
        ...(quick
          ? { sizes: QUICK.growthSizes, repetitions: QUICK.growthRepetitions, bytesEvents: QUICK.bytesEvents, bytesScenario: QUICK.bytesScenario }
          : {}),
      });
  } catch (error) {
    out?.abort();
    throw error;
  }
  if (out !== null) {
    out.write(`${JSON.stringify(result, null, 2)}\n`);
    out.commit();
  }
  if (opts.json) {
    printJson(result);
    return EXIT.held;
  }
  printResult(humanReport(result));
  return EXIT.held;
}

function humanReport(result: BenchResult): string {
  const parts: string[] = [];
  if (result.workloads !== undefined) {
    parts.push(
      formatTable(
        result.workloads.map((w) => ({
          workload: w.name,
          trace: w.trace,
          'events/s': w.eventsPerSec,
          'bare loop events/s': w.bareLoopEventsPerSec,
          'x bare': w.ratioToBare.toFixed(2),
          'x SimPy': w.ratioToSimpy === null ? 'n/a' : w.ratioToSimpy.toFixed(1),
        })),
        { right: ['events/s', 'bare loop events/s', 'x bare', 'x SimPy'] },
      ),
    );
  }
  const check = result.check;
  if (check !== undefined && 'error' in check) parts.push(`check throughput not measured: ${check.error}`);
  else if (check !== undefined) {
    parts.push(
      `check ${check.scenario}/${check.strategy}, ${check.runsPerWorker.toLocaleString('en-US')} runs per worker, best of ${check.repetitions}:`,
      formatTable(
        Object.entries(check.runsPerSec).map(([workers, rate]) => ({
          workers: Number(workers),
          'runs/s': rate,
          'runs per CPU-second': check.runsPerCpuSec[workers] ?? null,
          'cores used': check.coresUsed[workers] ?? null,
          'pool start ms': check.poolStartMs[workers] ?? null,
        })),
      ),
      check.speedup === null ? '' : `2 workers / 1 worker: ${check.speedup.toFixed(2)}x`,
    );
  }
  if (result.scenarios !== undefined && result.scenarioBareLoop !== undefined) {
    const bare = result.scenarioBareLoop;
    parts.push(
      `every scenario's check on one worker, best of ${bare.repetitions} measurements of ~${bare.secondsPerMeasurement} s; bare loop (${bare.workload}) ${bare.eventsPerSec.toLocaleString('en-US')} events/s:`,
      formatTable(
        result.scenarios.map((r) =>
          'error' in r
            ? { scenario: r.scenario, strategy: r.strategy ?? '-', 'runs/s': null, 'events/run': null, 'events/s': null, 'x bare': `error: ${r.error}` }
            : {
                scenario: r.scenario,
                strategy: r.strategy,
                'runs/s': r.runsPerSec,
                'events/run': Math.round(r.eventsPerRun),
                'events/s': r.eventsPerSec,
                'x bare': r.ratioToBare.toFixed(2),
              },
        ),
        { right: ['runs/s', 'events/run', 'events/s', 'x bare'] },
      ),
    );
  }
  const th = result.traceHash;
  if (th !== undefined) {
    parts.push(
      `trace hash, ${th.scenario} ${JSON.stringify(th.params)} (${th.events.toLocaleString('en-US')} events), best of ${th.repetitions}: hashed ${th.hashedEventsPerSec.toLocaleString('en-US')} events/s, unhashed ${th.unhashedEventsPerSec.toLocaleString('en-US')} events/s: ${th.ratio.toFixed(2)}x (by CPU time ${th.cpu.ratio.toFixed(2)}x)`,
    );
  }
  const g = result.growth;
  if (g !== undefined) {
    parts.push(
      `cost per event (${g.workload}, CPU ns, set-up included / run alone), spread ${g.spread.off}x trace off, ${g.spread.memory}x in memory (runs alone: ${g.runSpread.off}x, ${g.runSpread.memory}x):`,
      formatTable(
        g.rows.map((r) => ({
          events: r.events,
          nodes: r.nodes,
          trace: r.trace,
          'ns/event': r.nsPerEvent,
          'run ns/event': r.runNsPerEvent,
          'set-up ms': r.setupMsPerRun,
          'wall ns/event': r.wallNsPerEvent,
        })),
      ),
      `bytes per stored trace event: ${g.bytesPerTraceEvent.pingpong} (pingpong), ${g.bytesPerTraceEvent.scenario.bytes} (${g.bytesPerTraceEvent.scenario.scenario}, payloads included)`,
    );
  }
  return parts.join('\n\n');
}
