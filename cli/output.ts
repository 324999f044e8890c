/**
 * Where a command's output goes. With --json, stdout carries exactly one JSON object and
 * nothing else; everything meant for a person (narration, progress, the seed picked, hints)
 * goes to stderr. Without --json, the command's result is a readable table on stdout and the
 * rest still goes to stderr, so `faultline run ... > result.txt` keeps only the result.
 */

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
