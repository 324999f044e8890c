/**
 * e^x - 1, accurate for x near 0 where `exp(x) - 1` cancels.
 *
 * fdlibm's expm1: reduce x = k·ln2 + r with |r| <= ln2/2 and a correction c for the rounding
 * of r, approximate with a degree-5 rational form in r² (error < 2^-61), then scale back by
 * 2^k choosing, per k, the order of operations that keeps every bit. Error < 1 ulp.
 * expm1(±0) = ±0, expm1(+Infinity) = +Infinity, expm1(-Infinity) = -1.
 *
 * Ported from fdlibm's s_expm1.c. Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy,
 * modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { highWord, lowWord } from './float-words.ts';
import { twoToThe } from './powers-of-two.ts';

const O_THRESHOLD = 709.782712893384; // 0x40862E42, 0xFEFA39EF
const LN2_HI = 0.6931471803691238; // 0x3FE62E42, 0xFEE00000
const LN2_LO = 1.9082149292705877e-10; // 0x3DEA39EF, 0x35793C76
const INVLN2 = Math.LOG2E; // 0x3FF71547, 0x652B82FE
// Q_i scaled by 2^i, for the polynomial in x²/2
const Q1 = -0.03333333333333313; // 0xBFA11111, 0x111110F4
const Q2 = 0.0015873015872548146; // 0x3F5A01A0, 0x19FE5585
const Q3 = -0.0000793650757867488; // 0xBF14CE19, 0x9EAADBB7
const Q4 = 0.000004008217827329362; // 0x3ED0CFCA, 0x86E65239
const Q5 = -2.0109921818362437e-7; // 0xBE8AFDB7, 0x6E09C32D
const TWO1023 = 8.98846567431158e307; // 0x7FE00000, 0x00000000

/** e^x - 1, within 1 ulp. */
export function expm1(x: number): number {
  let hx = highWord(x);
  const negative = hx < 0;
  hx &= 0x7fffffff;

  if (hx >= 0x4043687a) {
    // |x| >= 56·ln2
    if (hx >= 0x40862e42) {
      // |x| >= 709.78…
      if (hx >= 0x7ff00000) {
        if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x; // NaN
        return negative ? -1 : x; // expm1(±Infinity) = +Infinity, -1
      }
      if (x > O_THRESHOLD) return Number.POSITIVE_INFINITY;
    }
    if (negative) return -1; // x < -56·ln2: e^x is below half an ulp of 1
  }

  // argument reduction: x = k·ln2 + r, with c the rounding error of r
  let k = 0;
  let c = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln2/2
    let hi: number;
    let lo: number;
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5·ln2
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
      k = (INVLN2 * x + (negative ? -0.5 : 0.5)) | 0;
      hi = x - k * LN2_HI; // exact
      lo = k * LN2_LO;
    }
    x = hi - lo;
    c = hi - x - lo;
  } else if (hx < 0x3c900000) {
    return x; // |x| < 2^-54
  }

  // x is now in [-ln2/2, ln2/2]
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - x * t));
  if (k === 0) return x - (x * e - hxs); // c is 0
  e = x * (e - c) - c;
  e -= hxs;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) {
    if (x < -0.25) return -2 * (e - (x + 0.5));
    return 1 + 2 * (x - e);
  }
  if (k <= -2 || k > 56) {
    // e^x - 1 is e^x (k > 56) or the subtraction of 1 is exact enough (k <= -2)
    const y = 1 - (e - x);
    if (k === 1024) return y * 2 * TWO1023 - 1;
    return y * twoToThe(k) - 1;
  }
  const twopk = twoToThe(k);
  if (k < 20) return (1 - twoToThe(-k) - (e - x)) * twopk; // 1 - 2^-k is exact
  return (x - (e + twoToThe(-k)) + 1) * twopk;
}
