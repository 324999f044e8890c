/**
 * Jepsen's text logs (`jepsen.log`): each client operation is a line of the `jepsen.util`
 * logger, `INFO  jepsen.util - 3	:invoke	:cas	[1 2]` (older Jepsen) or
 * `2018-02-06 09:59:12,093{GMT}	INFO	[jepsen worker 0] jepsen.util: 3	:invoke	:cas	[1 2]`
 * (newer): process, type, function, value, and possibly an error after another tab.
 *
 * A jepsen.log also holds every other logger's lines (set-up, nemesis chatter, stack
 * traces), so lines that are not `jepsen.util` lines are skipped; but a `jepsen.util` line
 * that does not read as an operation is refused with its line and column, and a file with no
 * operation line at all is refused as not a Jepsen log. The nemesis's own lines are left out.
 */
import type { History, Operation, OperationType } from '../history.ts';
import { OPERATION_TYPES } from '../history.ts';
import { readEdn } from './edn-reader.ts';
import { HistoryParseError, quote } from './history-parse-error.ts';

const MARKER = /jepsen\.util(?: -|:)[ \t]+/;
const EXAMPLE = 'INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]';

/** Parses a Jepsen text log. Throws HistoryParseError naming the offending line. */
export function parseJepsenLog(text: string): History {
  const operations: Operation[] = [];
  let sawOperationLine = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const marker = MARKER.exec(line);
    if (marker === null) continue;
    sawOperationLine = true;
    const op = operationOfLine(line.slice(marker.index + marker[0].length), i + 1, marker.index + marker[0].length + 1);
    if (op !== null) operations.push(op);
  }
  if (!sawOperationLine) {
    const first = lines.findIndex((l) => l.trim() !== '');
    throw new HistoryParseError(
      `a Jepsen log with operation lines such as '${EXAMPLE}'`,
      first + 1,
      1,
      first === -1 ? 'an empty file' : quote(lines[first]!.trim()),
    );
  }
  return { operations };
}

/** One `jepsen.util` line after its marker: `process type f value [error]`; null for the nemesis. */
function operationOfLine(rest: string, lineNo: number, column: number): Operation | null {
  const fields = splitFields(rest, lineNo, column);
  const [process, type, f] = fields.map((field) => field.value);
  const refuse = (expected: string, at: number, found: string): never => {
    throw new HistoryParseError(expected, lineNo, at, quote(found));
  };
  if (fields.length < 3) refuse(`process, type, function and value, as in '${EXAMPLE}'`, column, rest);
  if (process === 'nemesis') return null;
  if (!(typeof process === 'number' || typeof process === 'string')) refuse('a process number', fields[0]!.column, fields[0]!.text);
  if (typeof type !== 'string' || !OPERATION_TYPES.includes(type as OperationType)) {
    refuse(`a type of ${OPERATION_TYPES.map((t) => `:${t}`).join(', ')}`, fields[1]!.column, fields[1]!.text);
  }
  if (typeof f !== 'string') refuse('a function such as :read, :write or :cas', fields[2]!.column, fields[2]!.text);
  return { process: process as number | string, type: type as OperationType, f: f as string, value: fields[3]?.value ?? null, line: lineNo };
}

interface Field {
  value: unknown;
  text: string;
  column: number;
}

/**
 * Tab-separated fields when the line has tabs (the value is one field, an error may follow
 * and is not EDN), else the line's EDN forms in order.
 */
function splitFields(rest: string, lineNo: number, column: number): Field[] {
  if (rest.includes('\t')) {
    const fields: Field[] = [];
    let offset = 0;
    for (const [i, part] of rest.split('\t').entries()) {
      const text = part.trim();
      const at = column + offset;
      offset += part.length + 1;
      if (i > 3) break; // an error message after the value: free text, not read
      if (text === '') continue;
      fields.push({ value: readField(text, lineNo, at), text, column: at });
    }
    return fields;
  }
  try {
    return readEdn(rest).map((form) => ({ value: form.value, text: String(form.value), column: column + form.column - 1 }));
  } catch (error) {
    if (error instanceof HistoryParseError) throw new HistoryParseError(error.expected, lineNo, column + error.column - 1, error.found);
    throw error;
  }
}

function readField(text: string, lineNo: number, column: number): unknown {
  try {
    const forms = readEdn(text);
    if (forms.length !== 1) throw new HistoryParseError('one EDN value in the field', 1, 1, quote(text));
    return forms[0]!.value;
  } catch (error) {
    if (error instanceof HistoryParseError) throw new HistoryParseError(error.expected, lineNo, column + error.column - 1, error.found);
    throw error;
  }
}
