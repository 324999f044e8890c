/**
 * `faultline bench`: the kernel benchmark (bench/run.ts: hold, hold-large and pingpong with
 * the trace off and on, beside a bare heap loop and SimPy) and the check throughput on one
 * and two workers (cli/check/throughput.ts).
 */
import { type Command, Option } from 'commander';
import { runKernelBench } from '../../bench/run.ts';
import { measureCheckThroughput } from '../check/throughput.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { integerOption } from '../options.ts';
import { printJson, printResult, say } from '../output.ts';
import { formatTable } from '../table.ts';

interface BenchOptions {
  repetitions: number;
  checkRuns: number;
  only?: 'kernel' | 'check';
  json?: boolean;
}

export function registerBench(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('bench')
    .description('measure the kernel (hold, hold-large, pingpong; trace off and on) beside a bare heap loop and SimPy, and check throughput on 1 and 2 workers')
    .option('--json', 'print one JSON object on stdout')
    .option('--repetitions <n>', 'interleaved repetitions; the best is kept', integerOption('--repetitions', 1, 100), 5)
    .option('--check-runs <n>', 'runs per worker in each check-throughput measurement', integerOption('--check-runs', 100, 1_000_000), 16000)
    .addOption(new Option('--only <part>', 'run only one part').choices(['kernel', 'check']))
    .action((opts: BenchOptions) => run(async () => bench(opts)));
}

async function bench(opts: BenchOptions): Promise<ExitCode> {
  const progress = (line: string): void => say(line);
  const kernel = opts.only === 'check' ? null : runKernelBench({ repetitions: opts.repetitions, onProgress: progress });
  const check = opts.only === 'kernel' ? null : await measureCheckThroughput({ runs: opts.checkRuns, repetitions: opts.repetitions, onProgress: progress });
  if (opts.json) {
    printJson({ ...(kernel ?? {}), ...(check === null ? {} : { check }) });
    return EXIT.held;
  }
  const parts: string[] = [];
  if (kernel !== null) {
    parts.push(
      formatTable(
        kernel.workloads.map((w) => ({
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
  if (check !== null) {
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
  printResult(parts.join('\n\n'));
  return EXIT.held;
}
