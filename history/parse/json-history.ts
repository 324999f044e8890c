/**
 * faultline's own history format, JSON, read and written here:
 *
 * ```json
 * {"format": "faultline-history", "version": 1, "operations": [
 *   {"process": "client-1", "type": "invoke", "f": "write", "value": 3, "timeMs": 12.5},
 *   {"process": "client-1", "type": "ok", "f": "write", "value": 3, "timeMs": 14}
 * ]}
 * ```
 *
 * One operation per line when faultline writes it. `process` is a number or a name, `type`
 * one of invoke/ok/fail/info, `f` the function, `value` any JSON value (Jepsen's nil is null,
 * keywords are strings, vectors arrays: a list-append transaction is
 * `[["append","x",1],["r","x",[1,2]]]`), `timeMs` (optional) the time in milliseconds,
 * `index` (optional) the operation's index. A bare array of operations is read as well.
 *
 * Parsing uses the platform's JSON.parse for speed; only on an error does it scan the text to
 * name the line of the offending operation.
 */
import type { History, Operation } from '../history.ts';
import { HistoryParseError, quote } from './history-parse-error.ts';
import { operationFromRecord } from './operation-record.ts';

/** The value of the `format` field that marks a faultline history. */
export const JSON_HISTORY_FORMAT = 'faultline-history';
const EXAMPLE = '{"process": 0, "type": "invoke", "f": "read", "value": null}';

/** Parses faultline's JSON history. Throws HistoryParseError with the line at fault. */
export function parseJsonHistory(text: string): History {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const { line, column } = syntaxErrorPosition(text, error);
    throw new HistoryParseError(`valid JSON (${(error as Error).message})`, line, column);
  }
  let records: unknown;
  if (Array.isArray(document)) records = document;
  else if (document !== null && typeof document === 'object' && Array.isArray((document as { operations?: unknown }).operations)) {
    const format = (document as { format?: unknown }).format;
    if (format !== undefined && format !== JSON_HISTORY_FORMAT) {
      throw new HistoryParseError(`"format": "${JSON_HISTORY_FORMAT}"`, 1, 1, quote(String(format)));
    }
    records = (document as { operations: unknown[] }).operations;
  } else {
    throw new HistoryParseError(`a JSON object {"operations": [...]} or an array of operations such as ${EXAMPLE}`, 1, 1, quote(text.trim()));
  }
  const list = records as unknown[];
  const operations: Operation[] = [];
  for (let i = 0; i < list.length; i++) {
    try {
      operations.push(operationFromRecord(list[i], { line: 0, column: 0 }, { name: 'timeMs', perMs: 1 }, EXAMPLE));
    } catch (error) {
      if (!(error instanceof HistoryParseError)) throw error;
      const at = elementPosition(text, Array.isArray(document), i);
      throw new HistoryParseError(`${error.expected} (operation ${i})`, at.line, at.column, error.found);
    }
  }
  return { operations };
}

/** Writes a history in faultline's JSON format, one operation per line. */
export function formatHistoryJson(history: History): string {
  const lines = history.operations.map((op) => {
    const record: Record<string, unknown> = { process: op.process, type: op.type, f: op.f, value: op.value ?? null };
    if (op.timeMs !== undefined) record.timeMs = op.timeMs;
    if (op.index !== undefined) record.index = op.index;
    return JSON.stringify(record);
  });
  const body = lines.length === 0 ? '' : `\n${lines.join(',\n')}\n`;
  return `{"format": "${JSON_HISTORY_FORMAT}", "version": 1, "operations": [${body}]}\n`;
}

/** Line and column of a JSON.parse error, from the positions engines put in their messages. */
function syntaxErrorPosition(text: string, error: unknown): { line: number; column: number } {
  const message = error instanceof Error ? error.message : '';
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn !== null) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /position (\d+)/.exec(message);
  if (position !== null) return lineAndColumn(text, Number(position[1]));
  return { line: 1, column: 1 };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where the `n`th operation starts: the `n`th element of the top-level array, or of the
 * array at depth 1 (the `operations` field). A scan that knows strings and nesting only.
 */
function elementPosition(text: string, bareArray: boolean, n: number): { line: number; column: number } {
  const arrayDepth = bareArray ? 1 : 2;
  let depth = 0;
  let element = -1;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      if (expectElement && depth === arrayDepth) {
        element++;
        expectElement = false;
        if (element === n) return lineAndColumn(text, i);
      }
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') continue;
    if (expectElement && depth === arrayDepth && c !== ']') {
      element++;
      expectElement = false;
      if (element === n) return lineAndColumn(text, i);
    }
    if (c === '[' || c === '{') {
      depth++;
      if (c === '[' && depth === arrayDepth) expectElement = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === arrayDepth) expectElement = true;
  }
  return { line: 1, column: 1 };
}
