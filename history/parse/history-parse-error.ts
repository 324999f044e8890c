/**
 * The one error a history parser throws: the input is not a history it can read. It names
 * where (file, line, column; 1-based) and what was expected there, so a user can fix a log
 * by hand. Checkers never throw it for a history that parsed: a bad history is a verdict,
 * bad input is this.
 */
export class HistoryParseError extends Error {
  override name = 'HistoryParseError';

  /**
   * @param expected what the parser expected at that point, in words ("a map such as {:type :invoke ...}")
   * @param line 1-based line of the offending input
   * @param column 1-based column
   * @param found a short quote of what was there instead, if any
   * @param file the file name, when the text came from one
   */
  constructor(
    readonly expected: string,
    readonly line: number,
    readonly column: number,
    readonly found?: string,
    readonly file?: string,
  ) {
    super(`${file === undefined ? '' : `${file}:`}${line}:${column}: expected ${expected}${found === undefined ? '' : `, found ${found}`}`);
  }

  /** The same error, naming the file it came from. */
  inFile(file: string): HistoryParseError {
    return new HistoryParseError(this.expected, this.line, this.column, this.found, file);
  }
}

/** A short, printable quote of the input at an offending point. */
export function quote(text: string, max = 40): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(shown);
}
