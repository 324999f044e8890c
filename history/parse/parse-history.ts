/**
 * One entry point for every history format: Jepsen's text log, Jepsen/Elle EDN, faultline's
 * JSON, or `auto`, which tells them apart by their first characters (`{"` or `[{"` is JSON,
 * `{:` or `[{:` or `#jepsen` EDN, a `jepsen.util` line a Jepsen log). Text that is none of
 * them is refused with what a history looks like in each format.
 */
import type { History } from '../history.ts';
import { parseEdnHistory } from './edn-history.ts';
import { HistoryParseError, quote } from './history-parse-error.ts';
import { parseJepsenLog } from './jepsen-log.ts';
import { parseJsonHistory } from './json-history.ts';

/** The formats a history can be read from. */
export type HistoryFormat = 'jepsen' | 'edn' | 'json';
export const HISTORY_FORMATS: readonly HistoryFormat[] = ['jepsen', 'edn', 'json'];

/**
 * Parses a history in the given format (default: detected).
 * @param text the history as written (a Jepsen log, EDN or faultline JSON)
 * @param options `format` (default `auto`: detected) and the `file` to name in errors
 * @throws HistoryParseError with the file, line, column and what was expected
 */
export function parseHistory(text: string, options: { format?: HistoryFormat | 'auto'; file?: string } = {}): History {
  try {
    const format = options.format === undefined || options.format === 'auto' ? detectFormat(text) : options.format;
    if (format === 'jepsen') return parseJepsenLog(text);
    if (format === 'edn') return parseEdnHistory(text);
    return parseJsonHistory(text);
  } catch (error) {
    if (error instanceof HistoryParseError && options.file !== undefined) throw error.inFile(options.file);
    throw error;
  }
}

/**
 * The format of a history text, from its start.
 * @throws HistoryParseError when it looks like none of them
 */
export function detectFormat(text: string, file?: string): HistoryFormat {
  const start = /^(?:\s|,|;[^\n]*(?:\n|$))*/.exec(text)![0].length;
  const head = text.slice(start, start + 200);
  if (/^\[\s*\]\s*$/.test(text.slice(start))) return 'json';
  if (/^(\{\s*"|\[\s*\{\s*")/.test(head)) return 'json';
  if (/^(\{\s*:|[[(]\s*(\{\s*:|#jepsen)|#jepsen)/.test(head)) return 'edn';
  if (/jepsen\.util(?: -|:)\s/.test(text.slice(0, 1 << 20))) return 'jepsen';
  const before = text.slice(0, start);
  const line = before.split('\n').length;
  const column = start - before.lastIndexOf('\n');
  throw new HistoryParseError(
    'a history: a Jepsen log (INFO  jepsen.util - 3 :invoke :read nil), EDN operation maps ({:type :invoke, :process 3, :f :read, :value nil}) or faultline JSON ({"operations": [...]})',
    line,
    column,
    start >= text.length ? 'an empty file' : quote(head.split('\n')[0]!),
    file,
  );
}
