/**
 * x·2^n without computing 2^n, rounded once even when the result is subnormal.
 *
 * Multiplies by at most three exact powers of two; when the result
 * is subnormal the first factor keeps the intermediate normal, so only the last product
 * rounds (musl's scalbn, as FreeBSD msun now uses).
 */
import { twoToThe } from './powers-of-two.ts';

const TWO1023 = 8.98846567431158e307; // 0x7FE00000, 0x00000000: 2^1023
const TWOM969 = 2.004168360008973e-292; // 0x03600000, 0x00000000: 2^-1022 · 2^53

/** x·2^n for an integer n, correctly rounded. */
export function scalbn(x: number, n: number): number {
  let y = x;
  if (n > 1023) {
    y *= TWO1023;
    n -= 1023;
    if (n > 1023) {
      y *= TWO1023;
      n -= 1023;
      if (n > 1023) n = 1023;
    }
  } else if (n < -1022) {
    // keep the final n below -53 so that a subnormal result is rounded only once
    y *= TWOM969;
    n += 1022 - 53;
    if (n < -1022) {
      y *= TWOM969;
      n += 1022 - 53;
      if (n < -1022) n = -1022;
    }
  }
  return y * twoToThe(n);
}
