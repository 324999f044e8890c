/**
 * log(1+x), accurate for x near 0 where `log(1 + x)` loses the low bits of x.
 *
 * fdlibm's log1p: 1+x = 2^k·(1+f) as in `log`; when k ≠ 0, 1+x is rounded to u and the
 * rounding error c/u is added back, so no bit of x is lost. Error < 1 ulp.
 * log1p(-1) = -Infinity, log1p(x < -1) = NaN, log1p(±0) = ±0, log1p(+Infinity) = +Infinity.
 *
 * Ported from fdlibm's s_log1p.c. Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy,
 * modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { highWord } from './float-words.ts';
import { twoToThe } from './powers-of-two.ts';

const LN2_HI = 0.6931471803691238; // 0x3FE62E42, 0xFEE00000
const LN2_LO = 1.9082149292705877e-10; // 0x3DEA39EF, 0x35793C76
const LP1 = 0.6666666666666735; // 0x3FE55555, 0x55555593
const LP2 = 0.3999999999940942; // 0x3FD99999, 0x9997FA04
const LP3 = 0.2857142874366239; // 0x3FD24924, 0x94229359
const LP4 = 0.22222198432149784; // 0x3FCC71C5, 0x1D8E78AF
const LP5 = 0.1818357216161805; // 0x3FC74664, 0x96CB03DE
const LP6 = 0.15313837699209373; // 0x3FC39A09, 0xD078C69F
const LP7 = 0.14798198605116586; // 0x3FC2F112, 0xDF3E5244
/** High word of -(1 - √2/2), slightly rounded: 1+x >= √2/2 for x above it. */
const SQRT1_2_MINUS_1_HIGH = 0xbfd2bec4 | 0;

/** log(1 + x), within 1 ulp. */
export function log1p(x: number): number {
  const hx = highWord(x);
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0;
  let c = 0;
  let hu = 0;
  if (hx < 0x3fda827a) {
    // 1+x < √2 (or x is negative)
    if (ax >= 0x3ff00000) return x === -1 ? Number.NEGATIVE_INFINITY : Number.NaN; // x <= -1
    if (ax < 0x3e200000) {
      // |x| < 2^-29
      if (ax < 0x3c900000) return x; // |x| < 2^-54
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= SQRT1_2_MINUS_1_HIGH) {
      // √2/2 <= 1+x < √2: f = x exactly, no reduction
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x; // +Infinity or NaN
  if (k !== 0) {
    let u: number;
    if (hx < 0x43400000) {
      u = 1 + x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1 - (u - x) : x - (u - 1); // the rounding error of 1 + x
      c /= u;
    } else {
      u = x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu >= 0x6a09e) {
      k += 1; // normalise u/2 rather than u
      hu = (0x00100000 - hu) >> 2;
    }
    f = u * twoToThe(-k) - 1; // u normalised into [√2/2, √2), exactly
  }
  const hfsq = 0.5 * f * f;
  if (hu === 0) {
    // |f| < 2^-20
    if (f === 0) {
      if (k === 0) return 0;
      c += k * LN2_LO;
      return k * LN2_HI + c;
    }
    const r = hfsq * (1 - 0.6666666666666666 * f);
    if (k === 0) return f - r;
    return k * LN2_HI - (r - (k * LN2_LO + c) - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const r = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
  if (k === 0) return f - (hfsq - s * (hfsq + r));
  return k * LN2_HI - (hfsq - (s * (hfsq + r) + (k * LN2_LO + c)) - f);
}
