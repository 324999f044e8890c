/**
 * 2^k for every integer k a double can hold exactly (-1074..1023), from a table.
 *
 * fdlibm builds 2^k by writing its exponent bits, but in JavaScript writing a word of a
 * shared buffer and reading the double back stalls the processor's store forwarding (about
 * as long as a whole `Math.log`). Multiplying by an exact power of two read from this table
 * gives the same bits without the stall. The table is filled by doubling and halving, each
 * step exact.
 */

const K_MIN = -1074;
const K_MAX = 1023;
const TABLE = new Float64Array(K_MAX - K_MIN + 1);
for (let k = 0, p = 1; k <= K_MAX; k++, p *= 2) TABLE[k - K_MIN] = p;
for (let k = 0, p = 1; k >= K_MIN; k--, p /= 2) TABLE[k - K_MIN] = p;

/** 2^k, exactly, for an integer k in [-1074, 1023]. */
export function twoToThe(k: number): number {
  return TABLE[k - K_MIN]!;
}
