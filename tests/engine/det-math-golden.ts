/**
 * The bit-exact golden table of engine/math: its shape, and a checker that runs anywhere.
 *
 * The table (fixtures/det-math-golden.json, written by fixtures/make-det-math-golden.ts) lists
 * inputs and the exact 64-bit pattern of each function's result, as 16 hex digits, high bits
 * first. The checker uses nothing but the language — no Node API, no test framework — so the
 * browser suite can bundle it with the engine and run the same table inside Chromium
 * (page.evaluate), proving the functions give the same bits there as in Node.
 *
 * NaN has many bit patterns and engines need not agree on which one an operation returns, so
 * the table writes every NaN result as the canonical 7ff8000000000000 and the checker accepts
 * any NaN for it.
 */

/** One unary row: the input's bits and the result's bits. */
export type UnaryRow = readonly [input: string, output: string];
/** One pow row: the bits of x, of y and of pow(x, y). */
export type BinaryRow = readonly [x: string, y: string, output: string];

export interface DetMathGoldenTable {
  /** How the table was made, for the reader of the JSON. */
  readonly about: string;
  /** Rows per unary function name (log, exp, sin, …). */
  readonly unary: Readonly<Record<string, readonly UnaryRow[]>>;
  /** Rows per binary function name (pow). */
  readonly binary: Readonly<Record<string, readonly BinaryRow[]>>;
}

/** The functions under test, by name: `DetMath` itself, or a bundled copy of it. */
export type DetMathLike = Readonly<Record<string, (...args: number[]) => number>>;

export interface GoldenMismatch {
  fn: string;
  /** The inputs' bits. */
  inputs: string[];
  expected: string;
  /** The result's bits, or `missing` when the implementation lacks the function. */
  actual: string;
}

/** The pattern every NaN is written as. */
export const CANONICAL_NAN = '7ff8000000000000';

const view = new DataView(new ArrayBuffer(8));

/** The 64-bit pattern of x as 16 hex digits, high bits first; any NaN as `CANONICAL_NAN`. */
export function doubleToHex(x: number): string {
  if (Number.isNaN(x)) return CANONICAL_NAN;
  view.setFloat64(0, x);
  return view.getUint32(0).toString(16).padStart(8, '0') + view.getUint32(4).toString(16).padStart(8, '0');
}

/** The double whose 64-bit pattern is `hex` (16 hex digits, high bits first). */
export function hexToDouble(hex: string): number {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new Error(`a double's bits are 16 lowercase hex digits, got "${hex}"`);
  view.setUint32(0, Number.parseInt(hex.slice(0, 8), 16));
  view.setUint32(4, Number.parseInt(hex.slice(8), 16));
  return view.getFloat64(0);
}

function matches(expected: string, actual: number): boolean {
  return expected === CANONICAL_NAN ? Number.isNaN(actual) : doubleToHex(actual) === expected;
}

/** Runs every row of `table` through `impl` and returns the rows whose result differs in any bit. */
export function checkGoldenTable(table: DetMathGoldenTable, impl: DetMathLike): GoldenMismatch[] {
  const mismatches: GoldenMismatch[] = [];
  for (const [fn, rows] of Object.entries(table.unary)) {
    const f = impl[fn];
    for (const [input, expected] of rows) {
      if (f === undefined) {
        mismatches.push({ fn, inputs: [input], expected, actual: 'missing' });
        continue;
      }
      const actual = f(hexToDouble(input));
      if (!matches(expected, actual)) mismatches.push({ fn, inputs: [input], expected, actual: doubleToHex(actual) });
    }
  }
  for (const [fn, rows] of Object.entries(table.binary)) {
    const f = impl[fn];
    for (const [x, y, expected] of rows) {
      if (f === undefined) {
        mismatches.push({ fn, inputs: [x, y], expected, actual: 'missing' });
        continue;
      }
      const actual = f(hexToDouble(x), hexToDouble(y));
      if (!matches(expected, actual)) mismatches.push({ fn, inputs: [x, y], expected, actual: doubleToHex(actual) });
    }
  }
  return mismatches;
}

/** The number of rows in `table`. */
export function goldenRowCount(table: DetMathGoldenTable): number {
  let rows = 0;
  for (const list of Object.values(table.unary)) rows += list.length;
  for (const list of Object.values(table.binary)) rows += list.length;
  return rows;
}
