/**
 * `faultline history check FILE... --model M [--consistency C] [--format F] [--time-limit MS]`:
 * decides recorded histories (Jepsen's text logs or EDN, or faultline's JSON) with the
 * generic checkers of `history/`: linearizability for register, cas-register, kv, set and
 * counter; transactional anomalies (Elle's approach) for list-append and rw-register under a
 * claimed consistency level; read-your-writes and monotonic reads for session.
 *
 * One file prints `{ok, verdict, file, model, operations, elapsedMs, anomalies: [...]}` with
 * --json; several print `{ok, results: [...]}`. Exit 0 when every history satisfies the model,
 * 1 when one does not, 2 for bad input (the message names the file, line and what was
 * expected), 4 when the checker could not decide within its bounds (and none was violated).
 * File reading lives here, so the checkers stay free of Node's APIs.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../engine/index.ts';
import {
  type CheckResult,
  CONSISTENCY_LEVELS,
  type ConsistencyLevel,
  checkHistory,
  HISTORY_FORMATS,
  HISTORY_MODELS,
  type HistoryFormat,
  HistoryParseError,
  isTransactionalModel,
  parseHistory,
  TRANSACTIONAL_MODELS,
} from '../../history/index.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { integerOption } from '../options.ts';
import { printJson, printResult } from '../output.ts';

interface HistoryCheckFlags {
  model?: string;
  consistency?: string;
  format: string;
  timeLimit: number;
  json?: boolean;
}

/** The default bound of a linearizability search, per file. */
const TIME_LIMIT_MS = 60_000;

/** A file's outcome: a check result, or the bad input that stopped it. */
type FileOutcome =
  | { file: string; result: CheckResult }
  | { file: string; error: { kind: 'bad-input'; message: string; line?: number; column?: number; expected?: string } };

export function registerHistory(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  const history = program.command('history').description('check histories of client operations: linearizability and transactional anomalies');
  history
    .command('check')
    .description('decide whether recorded histories (Jepsen log or EDN, faultline JSON) satisfy a model')
    .argument('<files...>', 'history files')
    .option('--model <model>', `the model: ${HISTORY_MODELS.join(', ')}`)
    .option('--consistency <level>', `for ${TRANSACTIONAL_MODELS.join(' and ')}: the level claimed, ${CONSISTENCY_LEVELS.join(', ')} (default serializable)`)
    .option('--format <format>', `the files' format: auto, ${HISTORY_FORMATS.join(', ')}`, 'auto')
    .option(
      '--time-limit <ms>',
      'give up on a linearizability search with verdict unknown (exit 4) after this long',
      integerOption('--time-limit', 1, 86_400_000),
      TIME_LIMIT_MS,
    )
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', '\nExit codes: 0 every history satisfies the model; 1 one does not; 2 bad input; 4 undecided within the time limit.')
    .action((files: string[], flags: HistoryCheckFlags) => run(async () => check(files, flags)));
}

function check(files: readonly string[], flags: HistoryCheckFlags): ExitCode {
  const { model, consistency, format } = validate(flags);
  const outcomes = files.map((file) => checkFile(file, model, consistency, format, flags.timeLimit));
  if (flags.json)
    printJson(
      outcomes.length === 1 ? jsonOf(outcomes[0]!) : { ok: outcomes.every((o) => 'result' in o && o.result.ok === true), results: outcomes.map(jsonOf) },
    );
  else printResult(outcomes.map(textOf).join('\n\n'));
  return exitOf(outcomes);
}

/** Checks the flags where they enter; each refusal names the value and what is allowed. */
function validate(flags: HistoryCheckFlags): { model: string; consistency: ConsistencyLevel | undefined; format: HistoryFormat | 'auto' } {
  if (flags.model === undefined) throw new InputError(`--model is required: one of ${HISTORY_MODELS.join(', ')}`);
  if (!HISTORY_MODELS.includes(flags.model)) throw new InputError(`unknown model '${flags.model}'; expected one of ${HISTORY_MODELS.join(', ')}`);
  if (flags.consistency !== undefined) {
    if (!CONSISTENCY_LEVELS.includes(flags.consistency as ConsistencyLevel)) {
      throw new InputError(`unknown consistency level '${flags.consistency}'; expected one of ${CONSISTENCY_LEVELS.join(', ')}`);
    }
    if (!isTransactionalModel(flags.model)) {
      throw new InputError(
        `--consistency applies to the transactional models (${TRANSACTIONAL_MODELS.join(', ')}); ${flags.model} is checked for linearizability`,
      );
    }
  }
  if (flags.format !== 'auto' && !HISTORY_FORMATS.includes(flags.format as HistoryFormat)) {
    throw new InputError(`unknown format '${flags.format}'; expected one of auto, ${HISTORY_FORMATS.join(', ')}`);
  }
  return { model: flags.model, consistency: flags.consistency as ConsistencyLevel | undefined, format: flags.format as HistoryFormat | 'auto' };
}

function checkFile(file: string, model: string, consistency: ConsistencyLevel | undefined, format: HistoryFormat | 'auto', timeLimitMs: number): FileOutcome {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { file, error: { kind: 'bad-input', message: `cannot read '${file}': ${code ?? (error as Error).message}` } };
  }
  try {
    const history = parseHistory(text, { format, file });
    const clock = () => performance.now();
    const result = checkHistory(history, { model, ...(consistency === undefined ? {} : { consistency }), clock, timeLimitMs });
    return { file, result };
  } catch (error) {
    if (!(error instanceof HistoryParseError)) throw error;
    const located = error.file === undefined ? error.inFile(file) : error;
    return { file, error: { kind: 'bad-input', message: located.message, line: located.line, column: located.column, expected: located.expected } };
  }
}

function jsonOf(outcome: FileOutcome): Record<string, unknown> {
  if ('error' in outcome) return { ok: null, file: outcome.file, error: outcome.error };
  const { ok, verdict, model, consistency, operations, elapsedMs, anomalies, allowed, unknown } = outcome.result;
  return {
    ok,
    verdict,
    file: outcome.file,
    model,
    ...(consistency === undefined ? {} : { consistency }),
    operations,
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    anomalies,
    ...(allowed === undefined ? {} : { allowed }),
    ...(unknown === undefined ? {} : { unknown }),
  };
}

/** Bad input beats a violation, which beats unknown, which beats success. */
function exitOf(outcomes: readonly FileOutcome[]): ExitCode {
  if (outcomes.some((o) => 'error' in o)) return EXIT.badInput;
  const results = outcomes.map((o) => (o as { result: CheckResult }).result);
  if (results.some((r) => r.verdict === 'violated')) return EXIT.violated;
  if (results.some((r) => r.verdict === 'unknown')) return EXIT.unknown;
  return EXIT.held;
}

function textOf(outcome: FileOutcome): string {
  if ('error' in outcome) return `bad input: ${outcome.error.message}`;
  const r = outcome.result;
  const linearizability = r.consistency === undefined && r.model !== 'session';
  const claim = r.consistency ?? (r.model === 'session' ? 'session guarantees' : 'linearizable');
  const headline =
    r.verdict === 'ok'
      ? linearizability
        ? 'linearizable'
        : `satisfies ${claim}`
      : r.verdict === 'violated'
        ? linearizability
          ? 'NOT linearizable'
          : `violates ${claim}`
        : 'UNKNOWN (undecided within the bounds)';
  const lines = [`${outcome.file}: ${headline}  (${r.model}, ${r.operations.toLocaleString('en-US')} operations, ${formatMs(r.elapsedMs)})`];
  for (const a of r.anomalies) lines.push(`  ${a.type}: ${a.explanation}`);
  if (r.unknown !== undefined) lines.push(`  ${r.unknown.explanation}; raise --time-limit to search longer`);
  if (r.allowed !== undefined && r.allowed.length > 0) {
    lines.push(`  also found, allowed by ${claim}:`);
    for (const a of r.allowed) lines.push(`    ${a.type}: ${a.explanation}`);
  }
  return lines.join('\n');
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms).toLocaleString('en-US')} ms`;
}
