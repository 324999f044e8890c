/**
 * x^y for any doubles, in pure JavaScript arithmetic, bit-identical in every JavaScript engine.
 *
 * fdlibm's __ieee754_pow: compute log2|x| as t1 + t2 with t1 holding only 32 significant
 * bits, multiply by y = y1 + y2 in simulated extra precision to get y·log2|x| = n + y' with
 * |y'| <= 1/2, and return 2^n·e^(y'·ln2). Error < 1 ulp (fdlibm: "nearly rounded"); a power
 * of an integer that is exactly representable comes out exact.
 *
 * Special cases follow IEEE 754 and C99 (as FreeBSD msun does), which differ from
 * ECMAScript's `**` in three places: pow(1, y) = 1 for every y, NaN included, and
 * pow(-1, ±Infinity) = 1, where `**` gives NaN. Elsewhere: pow(x, ±0) = 1; pow(NaN, y ≠ 0)
 * and pow(x ≠ 1, NaN) = NaN; |x| > 1 to +Infinity = +Infinity and to -Infinity = +0, |x| < 1
 * the reverse; ±0 and ±Infinity to odd integers keep their sign; a negative finite base to a
 * non-integer power is NaN; to an integer power it is ±|x|^y by the power's parity.
 *
 * Ported from FreeBSD msun's e_pow.c. Copyright (C) 2004 by Sun Microsystems, Inc. All rights
 * reserved. Permission to use, copy, modify, and distribute this software is freely granted,
 * provided that this notice is preserved.
 */
import { clearLowWord, highWord, lowWord } from './float-words.ts';
import { twoToThe } from './powers-of-two.ts';
import { scalbn } from './scalbn.ts';

const DP_H1 = 0.5849624872207642; // 0x3FE2B803, 0x40000000: high part of log2(1.5)
const DP_L1 = 1.350039202129749e-8; // 0x3E4CFDEB, 0x43CFD006: low part of log2(1.5)
const TWO53 = 9007199254740992; // 0x43400000, 0x00000000
const HUGE = 1.0e300;
const TINY = 1.0e-300;
// polynomial coefficients for (3/2)·(log(x) - 2s - 2/3·s³)
const L1 = 0.5999999999999946; // 0x3FE33333, 0x33333303
const L2 = 0.4285714285785502; // 0x3FDB6DB6, 0xDB6FABFF
const L3 = 0.33333332981837743; // 0x3FD55555, 0x518F264D
const L4 = 0.272728123808534; // 0x3FD17460, 0xA91D4101
const L5 = 0.23066074577556175; // 0x3FCD864A, 0x93C9DB65
const L6 = 0.20697501780033842; // 0x3FCA7E28, 0x4A454EEF
const P1 = 0.16666666666666602; // 0x3FC55555, 0x5555553E
const P2 = -0.0027777777777015593; // 0xBF66C16C, 0x16BEBD93
const P3 = 0.00006613756321437934; // 0x3F11566A, 0xAF25DE2C
const P4 = -0.0000016533902205465252; // 0xBEBBBD41, 0xC5D26BF1
const P5 = 4.1381367970572385e-8; // 0x3E663769, 0x72BEA4D0
const LG2 = Math.LN2; // 0x3FE62E42, 0xFEFA39EF
const LG2_H = 0.6931471824645996; // 0x3FE62E43, 0x00000000
const LG2_L = -1.904654299957768e-9; // 0xBE205C61, 0x0CA86C39
const OVT = 8.008566259537294e-17; // -(1024 - log2(overflow + 0.5 ulp))
const CP = 0.9617966939259756; // 0x3FEEC709, 0xDC3A03FD: 2/(3·ln2)
const CP_H = 0.9617967009544373; // 0x3FEEC709, 0xE0000000: CP rounded to float
const CP_L = -7.028461650952758e-9; // 0xBE3E2FE0, 0x145B01F5: tail of CP_H
const IVLN2 = Math.LOG2E; // 0x3FF71547, 0x652B82FE: 1/ln2
const IVLN2_H = 1.4426950216293335; // 0x3FF71547, 0x60000000: 24 bits of 1/ln2
const IVLN2_L = 1.9259629911266175e-8; // 0x3E54AE0B, 0xF85DDF44: tail of IVLN2_H
const THIRD = 0.3333333333333333; // 0x3FD55555, 0x55555555
const TWO_M19 = 1.9073486328125e-6; // 2^-19
const TWO_M20 = 9.5367431640625e-7; // 2^-20
/** High word of -1075, the exponent below which every result underflows. */
const MINUS_1075_HIGH = 0xc090cc00 | 0;

/** Whether y is an integer, and its parity: 0 not an integer, 1 odd, 2 even. */
function integerKind(iy: number, ly: number): number {
  if (iy >= 0x43400000) return 2; // |y| >= 2^53: an even integer
  if (iy < 0x3ff00000) return 0; // |y| < 1 (and not 0)
  const e = (iy >> 20) - 0x3ff; // unbiased exponent, 0..52
  if (e > 20) {
    const j = ly >>> (52 - e);
    return (j << (52 - e)) >>> 0 === ly ? 2 - (j & 1) : 0;
  }
  if (ly !== 0) return 0;
  const j = iy >> (20 - e);
  return j << (20 - e) === iy ? 2 - (j & 1) : 0;
}

/** x raised to the power y, within 1 ulp. */
export function pow(x: number, y: number): number {
  const hx = highWord(x);
  const lx = lowWord(x);
  const hy = highWord(y);
  const ly = lowWord(y) >>> 0;
  let ix = hx & 0x7fffffff;
  const iy = hy & 0x7fffffff;

  if ((iy | ly) === 0) return 1; // x^±0 = 1, even for NaN
  if (hx === 0x3ff00000 && lx === 0) return 1; // 1^y = 1, even for NaN
  if (ix > 0x7ff00000 || (ix === 0x7ff00000 && lx !== 0) || iy > 0x7ff00000 || (iy === 0x7ff00000 && ly !== 0)) return Number.NaN;

  const yIsInt = hx < 0 ? integerKind(iy, ly) : 0;

  // special values of y
  if (ly === 0) {
    if (iy === 0x7ff00000) {
      // y is ±Infinity
      if (((ix - 0x3ff00000) | lx) === 0) return 1; // (-1)^±Infinity = 1
      if (ix >= 0x3ff00000) return hy >= 0 ? y : 0; // |x| > 1
      return hy < 0 ? -y : 0; // |x| < 1
    }
    if (iy === 0x3ff00000) return hy < 0 ? 1 / x : x; // y is ±1
    if (hy === 0x40000000) return x * x; // y is 2
    if (hy === 0x3fe00000 && hx >= 0) return Math.sqrt(x); // y is 1/2, x >= +0
  }

  let ax = Math.abs(x);
  // special values of x: ±0, ±Infinity, ±1
  if (lx === 0 && (ix === 0x7ff00000 || ix === 0 || ix === 0x3ff00000)) {
    let z = ax;
    if (hy < 0) z = 1 / z;
    if (hx < 0) {
      if (((ix - 0x3ff00000) | yIsInt) === 0) return Number.NaN; // (-1)^non-integer
      if (yIsInt === 1) z = -z; // (negative)^odd = -(|x|^odd)
    }
    return z;
  }

  if (hx < 0 && yIsInt === 0) return Number.NaN; // (negative)^non-integer
  const s = hx < 0 && yIsInt === 1 ? -1 : 1; // the sign of the result

  // log2|x| = t1 + t2, t1 with its low word cleared
  let t1: number;
  let t2: number;
  if (iy > 0x41e00000) {
    // |y| > 2^31
    if (iy > 0x43f00000) {
      // |y| > 2^64: must overflow or underflow
      if (ix <= 0x3fefffff) return hy < 0 ? HUGE * HUGE : TINY * TINY;
      if (ix >= 0x3ff00000) return hy > 0 ? HUGE * HUGE : TINY * TINY;
    }
    // overflow or underflow unless x is close to 1
    if (ix < 0x3fefffff) return hy < 0 ? s * HUGE * HUGE : s * TINY * TINY;
    if (ix > 0x3ff00000) return hy > 0 ? s * HUGE * HUGE : s * TINY * TINY;
    // |1 - x| <= 2^-20: log(x) by x - x²/2 + x³/3 - x⁴/4
    const t = ax - 1;
    const w = t * t * (0.5 - t * (THIRD - t * 0.25));
    // fdlibm takes IVLN2_H·t as exact, but IVLN2_H has 24 significant bits and t up to 33, and
    // the rounding, multiplied by a y this large, cost up to ~600 ulp. Split t so it is exact.
    const tH = clearLowWord(t); // at most 21 significant bits
    const u = IVLN2_H * tH; // exact: 24 + 21 bits
    const v = (t - tH) * IVLN2_H + t * IVLN2_L - w * IVLN2;
    t1 = clearLowWord(u + v);
    t2 = v - (t1 - u);
  } else {
    let n = 0;
    if (ix < 0x00100000) {
      // subnormal x
      ax *= TWO53;
      n -= 53;
      ix = highWord(ax);
    }
    const j = ix & 0x000fffff;
    let shift = (ix >> 20) - 0x3ff; // normalise to [1, 2) …
    let k = 0; // … and compare with 1 (k = 0) or 1.5 (k = 1)
    let tH: number; // ax + bp to 21 bits: fdlibm's high word ((ix >> 1) | 0x20000000) + 0x80000 + (k << 18)
    if (j <= 0x3988e) {
      tH = 2 + (j >> 1) * TWO_M19; // |x| < √(3/2)
    } else if (j < 0xbb67a) {
      k = 1; // |x| < √3
      tH = 2.5 + (j >> 1) * TWO_M19;
    } else {
      shift += 1; // normalise to [√3/2, 1) instead
      tH = 1.5 + (j >> 1) * TWO_M20;
    }
    n += shift;
    ax *= twoToThe(-shift); // exact
    const bp = k === 0 ? 1 : 1.5;
    const dpH = k === 0 ? 0 : DP_H1;
    const dpL = k === 0 ? 0 : DP_L1;

    // ss = sH + sL = (x - 1)/(x + 1) or (x - 1.5)/(x + 1.5)
    let u = ax - bp;
    let v = 1 / (ax + bp);
    const ss = u * v;
    const sH = clearLowWord(ss);
    let tL = ax - (tH - bp);
    const sL = v * (u - sH * tH - sH * tL);
    // log(ax)
    let s2 = ss * ss;
    let r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
    r += sL * (sH + ss);
    s2 = sH * sH;
    tH = clearLowWord(3 + s2 + r);
    tL = r - (tH - 3 - s2);
    // u + v = ss·(1 + …)
    u = sH * tH;
    v = sL * tH + tL * ss;
    // 2/(3·ln2)·(ss + …)
    const pH = clearLowWord(u + v);
    const pL = v - (pH - u);
    const zH = CP_H * pH; // CP_H + CP_L = 2/(3·ln2)
    const zL = CP_L * pH + pL * CP + dpL;
    // log2(ax) = (ss + …)·2/(3·ln2) = n + dpH + zH + zL
    const t = n;
    t1 = clearLowWord(zH + zL + dpH + t);
    t2 = zL - (t1 - t - dpH - zH);
  }

  // y·log2|x| = pH + pL, y split into y1 + (y - y1)
  const y1 = clearLowWord(y);
  const pL = (y - y1) * t1 + y * t2;
  let pH = y1 * t1;
  let z = pL + pH;
  let j = highWord(z);
  const i = lowWord(z);
  if (j >= 0x40900000) {
    // z >= 1024
    if (((j - 0x40900000) | i) !== 0) return s * HUGE * HUGE; // z > 1024
    if (pL + OVT > z - pH) return s * HUGE * HUGE;
  } else if ((j & 0x7fffffff) >= 0x4090cc00) {
    // z <= -1075
    if (((j - MINUS_1075_HIGH) | i) !== 0) return s * TINY * TINY; // z < -1075
    if (pL <= z - pH) return s * TINY * TINY;
  }

  // 2^(pH + pL) = 2^n · 2^(pH + pL - n), n the nearest integer
  const iz = j & 0x7fffffff;
  let k = (iz >> 20) - 0x3ff;
  let n = 0;
  if (iz > 0x3fe00000) {
    // |z| > 1/2
    const m = j + (0x00100000 >> (k + 1)); // the high word of |z| + 1/2, truncated below
    k = ((m & 0x7fffffff) >> 20) - 0x3ff; // the exponent of n
    n = ((m & 0x000fffff) | 0x00100000) >> (20 - k);
    if (j < 0) n = -n;
    pH -= n; // fdlibm's t: the high word of m with the fraction cleared, which is n
  }
  const t = clearLowWord(pL + pH);
  const u = t * LG2_H;
  const v = (pL - (t - pH)) * LG2 + t * LG2_L;
  z = u + v;
  const w = v - (z - u);
  const tt = z * z;
  const c = z - tt * (P1 + tt * (P2 + tt * (P3 + tt * (P4 + tt * P5))));
  const r = (z * c) / (c - 2) - (w + z * w);
  z = 1 - (r - z);
  j = highWord(z) + (n << 20);
  if (j >> 20 <= 0) return s * scalbn(z, n); // subnormal result
  if (n > 1023) return s * (z * twoToThe(n - 1) * 2);
  return s * (z * twoToThe(n)); // exact: fdlibm adds n to the exponent bits
}
