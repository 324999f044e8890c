/**
 * Where a command's output goes. With --json, stdout carries exactly one JSON object and
 * nothing else; everything meant for a person (narration, progress, the seed picked, hints)
 * goes to stderr. Without --json, the command's result is a readable table on stdout and the
 * rest still goes to stderr, so `faultline run ... > result.txt` keeps only the result.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isModulePath } from '../catalog/scenario-modules.ts';

/** Prints the command's one JSON object on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints the human result (tables) on stdout. */
export function printResult(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A line for the person at the terminal: notes, hints, the seed picked. */
export function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** True when a progress bar may be drawn: both streams are terminals and no --json. */
export function progressAllowed(json: boolean): boolean {
  return !json && process.stderr.isTTY === true && process.stdout.isTTY === true;
}

/** Issues listed in one error message at most; the rest are counted, not echoed. */
export const ISSUES_SHOWN_MAX = 5;
const MESSAGE_CHARS_MAX = 2_000;

/**
 * An error message short enough to read: of a listing of issues separated by '; ' (as a
 * fault plan's validation gives, one per bad fault), the first five and a count of the
 * rest; and never more than 2,000 characters, however much input it echoes.
 */
export function clipMessage(text: string): string {
  const issues = text.split('; ');
  let out =
    issues.length > ISSUES_SHOWN_MAX
      ? `${issues.slice(0, ISSUES_SHOWN_MAX).join('; ')}; … and ${(issues.length - ISSUES_SHOWN_MAX).toLocaleString('en-US')} more issues not shown`
      : text;
  if (out.length > MESSAGE_CHARS_MAX) out = `${out.slice(0, MESSAGE_CHARS_MAX - 1)}…`;
  return out;
}

let onPath: boolean | null = null;

/**
 * A `faultline ...` command as a person can paste it: as is when a `faultline` executable is on
 * PATH, else through npx (which finds the project's own copy in node_modules/.bin). The JSON
 * field keeps the plain `faultline ...` form.
 */
export function runnable(command: string): string {
  if (!command.startsWith('faultline ')) return command;
  onPath ??= (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, 'faultline')));
  return onPath ? command : `npx ${command}`;
}

/**
 * The `open:` line of a run link. A scenario of the user's own module exists on a server only
 * when it was started with `--scenarios`, so the line says how.
 */
export function openLines(url: string, replay: string, indent = ''): string[] {
  const target = /^faultline \w+ ('[^']*'|\S+)/.exec(replay)?.[1];
  const lines = [`${indent}open:   ${url}`];
  if (target !== undefined && isModulePath(target)) {
    const file = target.split('#')[0]!;
    lines.push(`${indent}        (on a server started with: ${runnable(`faultline serve --scenarios ${file}`)})`);
  }
  return lines;
}
