/**
 * e^x, in pure JavaScript arithmetic, bit-identical in every JavaScript engine.
 *
 * fdlibm's __ieee754_exp: reduce x = k·ln2 + r with |r| <= ln2/2 (r kept as hi - lo), then
 * e^r = 1 + r + r·c/(2 - c) with c = r - r²·P(r²), a degree-5 Remez polynomial (error
 * < 2^-59), and scale by 2^k through the exponent bits. Error < 1 ulp. exp(1) returns the
 * correctly rounded e, as V8's port does (the formula alone is 1 ulp off there).
 * exp(+Infinity) = +Infinity, exp(-Infinity) = +0; overflow above 709.78…, underflow to 0
 * below -745.13….
 *
 * Ported from fdlibm's e_exp.c. Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy,
 * modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { highWord, lowWord } from './float-words.ts';
import { twoToThe } from './powers-of-two.ts';

const O_THRESHOLD = 709.782712893384; // 0x40862E42, 0xFEFA39EF
const U_THRESHOLD = -745.1332191019411; // 0xC0874910, 0xD52D3051
const LN2_HI = 0.6931471803691238; // 0x3FE62E42, 0xFEE00000
const LN2_LO = 1.9082149292705877e-10; // 0x3DEA39EF, 0x35793C76
const INVLN2 = Math.LOG2E; // 0x3FF71547, 0x652B82FE
const P1 = 0.16666666666666602; // 0x3FC55555, 0x5555553E
const P2 = -0.0027777777777015593; // 0xBF66C16C, 0x16BEBD93
const P3 = 0.00006613756321437934; // 0x3F11566A, 0xAF25DE2C
const P4 = -0.0000016533902205465252; // 0xBEBBBD41, 0xC5D26BF1
const P5 = 4.1381367970572385e-8; // 0x3E663769, 0x72BEA4D0
const E = Math.E; // 0x4005BF0A, 0x8B145769
const TWO1023 = 8.98846567431158e307; // 0x7FE00000, 0x00000000
const TWOM1000 = 9.332636185032189e-302; // 0x01700000, 0x00000000

/** e^x, within 1 ulp. */
export function exp(x: number): number {
  let hx = highWord(x);
  const negative = hx < 0;
  hx &= 0x7fffffff;

  if (hx >= 0x40862e42) {
    // |x| >= 709.78…
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x; // NaN
      return negative ? 0 : x; // exp(±Infinity) = +Infinity, 0
    }
    if (x > O_THRESHOLD) return Number.POSITIVE_INFINITY;
    if (x < U_THRESHOLD) return 0;
  }

  // argument reduction: x = k·ln2 + (hi - lo)
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln2/2
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5·ln2
      if (x === 1) return E;
      if (negative) {
        hi = x + LN2_HI;
        lo = -LN2_LO;
        k = -1;
      } else {
        hi = x - LN2_HI;
        lo = LN2_LO;
        k = 1;
      }
    } else {
      k = (INVLN2 * x + (negative ? -0.5 : 0.5)) | 0; // rounds to nearest: truncates x/ln2 ± 1/2
      hi = x - k * LN2_HI; // exact
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1 + x; // |x| < 2^-28
  }

  // x is now in [-ln2/2, ln2/2]
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - (lo - (x * c) / (2 - c) - hi);
  if (k >= -1021) {
    if (k === 1024) return y * 2 * TWO1023;
    return y * twoToThe(k);
  }
  return y * twoToThe(k + 1000) * TWOM1000;
}
