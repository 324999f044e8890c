/**
 * `faultline bench`: the kernel benchmark (bench/run.ts: hold, hold-large and pingpong with
 * the trace off and on, beside a bare heap loop and SimPy) and the check throughput on one
 * and two workers (cli/check/throughput.ts). `--out FILE` also writes the JSON result to a
 * file, atomically (atomic-file.ts): a bench killed halfway leaves the previous result.
 */
import { type Command, Option } from 'commander';
import { runKernelBench } from '../../bench/run.ts';
import { AtomicFile } from '../atomic-file.ts';
import { measureCheckThroughput } from '../check/throughput.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { integerOption } from '../options.ts';
import { printJson, printResult, say } from '../output.ts';
import { formatTable } from '../table.ts';

interface BenchOptions {
  repetitions: number;
  checkRuns: number;
  only?: 'kernel' | 'check';
  out?: string;
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
    .option('--out <file>', 'also write the JSON result to this file (atomically)')
    .action((opts: BenchOptions) => run(async () => bench(opts)));
}

async function bench(opts: BenchOptions): Promise<ExitCode> {
  const progress = (line: string): void => say(line);
  // Opened first, so a folder that cannot take the result is refused before minutes of measuring.
  const out = opts.out === undefined ? null : AtomicFile.open(opts.out, 'the bench result (--out)');
  let kernel: ReturnType<typeof runKernelBench> | null;
  let check: Awaited<ReturnType<typeof measureCheckThroughput>> | null;
  try {
    kernel = opts.only === 'check' ? null : runKernelBench({ repetitions: opts.repetitions, onProgress: progress });
    check = opts.only === 'kernel' ? null : await measureCheckThroughput({ runs: opts.checkRuns, repetitions: opts.repetitions, onProgress: progress });
  } catch (error) {
    out?.abort();
    throw error;
  }
  const result = { ...(kernel ?? {}), ...(check === null ? {} : { check }) };
  if (out !== null) {
    out.write(`${JSON.stringify(result, null, 2)}\n`);
    out.commit();
  }
  if (opts.json) {
    printJson(result);
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
