/**
 * The faultline command: `list | run | compare | check | merge | bench | serve` (program.ts
 * builds it, one file per command in commands/). Sets the process's exit code and lets the
 * process end on its own, so stdout is always flushed.
 */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
