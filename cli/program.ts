/**
 * The faultline command line as a function: `runCli(args)` parses the arguments with
 * commander, runs the command and returns its exit code, turning errors into the documented
 * codes. main.ts calls it for the real process; tests may call it in-process.
 *
 * Every command takes --json and then prints exactly one JSON object on stdout (on bad
 * input, `{"error": {...}}`); human text and progress go to stderr. Exit codes (exit-codes.ts):
 * 0 held, 1 violated / counterexample found, 2 bad input or a bound was hit, 3 faultline
 * itself failed (the stack is printed). The machine's refusals — a full disk, an unreadable
 * file — are the user's to fix (2, naming the file), never a stack trace; error messages are
 * clipped (output.ts), however much input they echo.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../catalog/package-root.ts';
import { InputError } from '../engine/index.ts';
import { registerBench } from './commands/bench.ts';
import { registerCheck } from './commands/check.ts';
import { registerCompare } from './commands/compare.ts';
import { registerHistory } from './commands/history.ts';
import { registerList } from './commands/list.ts';
import { registerMerge } from './commands/merge.ts';
import { registerNew } from './commands/new.ts';
import { registerRun } from './commands/run.ts';
import { registerServe } from './commands/serve.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { describeSystemError, FileError, isSystemError } from './file-error.ts';
import { clipMessage, printJson, say } from './output.ts';
import { RunLimitError } from './run-guard.ts';

/** Runs `faultline <args>` (the arguments after the program name) and returns the exit code. */
export async function runCli(args: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.held;
  const run = async (action: () => Promise<ExitCode>): Promise<void> => {
    code = await action();
  };
  const program = buildProgram(run);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return code;
  } catch (error) {
    return handle(error, args.includes('--json'));
  }
}

function buildProgram(run: (action: () => Promise<ExitCode>) => Promise<void>): Command {
  const program = new Command();
  program
    .name('faultline')
    .description('A deterministic discrete-event simulator for distributed systems: watch failures unfold, compare strategies, property-test invariants.')
    .addHelpText(
      'after',
      '\nExit codes: 0 everything held; 1 an invariant was violated or a counterexample found; 2 bad input or a run hit a bound; 3 faultline itself failed.',
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerList(program, run);
  registerRun(program, run);
  registerCompare(program, run);
  registerCheck(program, run);
  registerMerge(program, run);
  registerBench(program, run);
  registerServe(program, run);
  registerHistory(program, run);
  registerNew(program, run);
  return program;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function handle(error: unknown, json: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help) on stderr.
    if (error.exitCode === 0) return EXIT.held;
    if (json) printJson({ error: { kind: 'bad-input', message: error.message.replace(/^error: /, '') } });
    return EXIT.badInput;
  }
  if (error instanceof InputError) {
    const message = clipMessage(error.message);
    say(`faultline: ${message}`);
    if (json) {
      const detail =
        error instanceof RunLimitError
          ? { kind: 'bound', bound: error.bound, message }
          : error instanceof FileError
            ? { kind: 'bad-input', message, file: error.path, code: error.code }
            : { kind: 'bad-input', message };
      printJson({ error: detail });
    }
    return EXIT.badInput;
  }
  if (isSystemError(error)) {
    // A system error no command wrapped (every file a command opens is wrapped as a FileError): still the machine's refusal, not a bug.
    const message = `cannot ${error.syscall ?? 'use'} '${error.path ?? '?'}': ${describeSystemError(error)}`;
    say(`faultline: ${message}`);
    if (json) printJson({ error: { kind: 'bad-input', message, file: error.path ?? null, code: error.code } });
    return EXIT.badInput;
  }
  const message = error instanceof Error ? error.message : String(error);
  say(`faultline: internal error (a bug in faultline or in a scenario, not a verdict):\n${error instanceof Error ? (error.stack ?? message) : message}`);
  if (json) printJson({ error: { kind: 'internal', message } });
  return EXIT.internal;
}
