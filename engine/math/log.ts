/**
 * Natural logarithm, in pure JavaScript arithmetic, bit-identical in every JavaScript engine.
 *
 * `Math.log` differs in the last bit between engines (V8 itself changed implementations), and
 * a trace hash must not. This is fdlibm's __ieee754_log: write x = 2^k·(1+f) with
 * √2/2 < 1+f < √2, then log(1+f) = 2s + s·R(s²) with s = f/(2+f) and R a degree-14
 * polynomial (error < 2^-58.45); k·ln2 is added in two parts so k·ln2_hi is exact.
 * Error < 1 ulp. log(±0) = -Infinity, log(x < 0) = NaN, log(+Infinity) = +Infinity.
 *
 * Ported from fdlibm's e_log.c. Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy,
 * modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { highWord, lowWord } from './float-words.ts';
import { twoToThe } from './powers-of-two.ts';

const LN2_HI = 0.6931471803691238; // 0x3FE62E42, 0xFEE00000
const LN2_LO = 1.9082149292705877e-10; // 0x3DEA39EF, 0x35793C76
const TWO54 = 18014398509481984; // 0x43500000, 0x00000000
const LG1 = 0.6666666666666735; // 0x3FE55555, 0x55555593
const LG2 = 0.3999999999940942; // 0x3FD99999, 0x9997FA04
const LG3 = 0.2857142874366239; // 0x3FD24924, 0x94229359
const LG4 = 0.22222198432149784; // 0x3FCC71C5, 0x1D8E78AF
const LG5 = 0.1818357216161805; // 0x3FC74664, 0x96CB03DE
const LG6 = 0.15313837699209373; // 0x3FC39A09, 0xD078C69F
const LG7 = 0.14798198605116586; // 0x3FC2F112, 0xDF3E5244

/** The natural logarithm of x, within 1 ulp. */
export function log(x: number): number {
  let hx = highWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lowWord(x)) === 0) return Number.NEGATIVE_INFINITY;
    if (hx < 0) return Number.NaN;
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x; // +Infinity or NaN
  const e = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  const shift = e + (i >> 20);
  x *= twoToThe(-shift); // x or x/2 normalised into [√2/2, √2), exactly
  k += shift;
  const f = x - 1;
  if ((0x000fffff & (2 + hx)) < 3) {
    // -2^-20 <= f < 2^-20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const r = f * f * (0.5 - 0.3333333333333333 * f);
    return k === 0 ? f - r : k * LN2_HI - (r - k * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    // f is not small: keep the f²/2 term apart for accuracy
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + r));
    return k * LN2_HI - (hfsq - (s * (hfsq + r) + k * LN2_LO) - f);
  }
  if (k === 0) return f - s * (f - r);
  return k * LN2_HI - (s * (f - r) - k * LN2_LO - f);
}
