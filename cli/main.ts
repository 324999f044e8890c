/**
 * The faultline command line. Every command takes --json and then prints exactly one JSON
 * object on stdout; human text and progress go to stderr. Exit codes: 0 ran and everything
 * held, 1 ran and an invariant was violated, 2 bad input or a bound was hit.
 */
import { Command, CommanderError } from 'commander';
import { runKernelBench } from '../bench/run.ts';

const program = new Command();
program
  .name('faultline')
  .description('A deterministic discrete-event simulator for distributed systems: watch failures unfold, compare strategies, property-test invariants.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('bench')
  .description('measure the kernel (hold, hold-large, pingpong; trace off and on) side by side with a bare heap loop and SimPy')
  .option('--json', 'print one JSON object on stdout')
  .option('--repetitions <n>', 'interleaved repetitions; the best is kept', '3')
  .action((opts: { json?: boolean; repetitions: string }) => {
    const report = runKernelBench({ repetitions: Number(opts.repetitions), onProgress: (line) => process.stderr.write(`${line}\n`) });
    if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const rows = report.workloads.map((w) => ({
        workload: w.name,
        trace: w.trace,
        'events/s': w.eventsPerSec.toLocaleString('en-US'),
        'bare loop events/s': w.bareLoopEventsPerSec.toLocaleString('en-US'),
        'x bare': w.ratioToBare.toFixed(2),
        'x SimPy': w.ratioToSimpy === null ? 'n/a' : w.ratioToSimpy.toFixed(1),
      }));
      console.table(rows);
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  throw error;
}
