/**
 * Plain-text tables for the human output: columns padded to their widest cell, numbers
 * right-aligned, a rule under the header. No colours, so the output reads the same in a
 * terminal, a CI log and a pasted issue.
 */

export type Cell = string | number | boolean | null;

export interface TableOptions {
  /** Columns to right-align (default: those whose cells are all numbers). */
  right?: readonly string[];
  /** Indent every line by this many spaces. */
  indent?: number;
}

export function formatTable(rows: readonly Record<string, Cell>[], options: TableOptions = {}): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  const text = (v: Cell): string => (v === null ? '-' : typeof v === 'number' ? formatNumber(v) : String(v));
  const right = new Set(options.right ?? columns.filter((c) => rows.every((r) => typeof r[c] === 'number' || r[c] === null)));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c] ?? null).length)));
  const pad = ' '.repeat(options.indent ?? 0);
  const line = (cells: string[]): string =>
    pad +
    cells
      .map((cell, i) => (right.has(columns[i]!) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), pad + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(columns.map((c) => text(r[c] ?? null))))].join('\n');
}

/** A number for people: integers with separators, others with 3 significant decimals at most. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
