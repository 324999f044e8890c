/**
 * Base-10 logarithm.
 *
 * FreeBSD msun's log10 (the newer one, more accurate than fdlibm's original
 * `n·log10(2) + log(x)/ln10`): reduce x = 2^k·(1+f) as `log` does, take log(1+f) - f + f²/2
 * from the shared kernel, and divide by ln10 and add k·log10(2) in extra precision.
 * Error < 1 ulp. log10(±0) = -Infinity, log10(x < 0) = NaN, log10(1) = +0,
 * log10(+Infinity) = +Infinity.
 *
 * Ported from FreeBSD msun's e_log10.c. Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy,
 * modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { clearLowWord, highWord, lowWord } from './float-words.ts';
import { log1pKernel } from './log1p-kernel.ts';
import { twoToThe } from './powers-of-two.ts';

const TWO54 = 18014398509481984; // 0x43500000, 0x00000000
const IVLN10_HI = 0.4342944818781689; // 0x3FDBCB7B, 0x15200000
const IVLN10_LO = 2.5082946711645275e-11; // 0x3DBB9438, 0xCA9AADD5
const LOG10_2_HI = 0.30102999566361177; // 0x3FD34413, 0x509F6000
const LOG10_2_LO = 3.694239077158931e-13; // 0x3D59FEF3, 0x11F12B36

/** log10(x), within 1 ulp. */
export function log10(x: number): number {
  let hx = highWord(x);
  const lx = lowWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) === 0) return Number.NEGATIVE_INFINITY;
    if (hx < 0) return Number.NaN;
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x; // +Infinity or NaN
  if (hx === 0x3ff00000 && lx === 0) return 0;
  const e = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  const shift = e + (i >> 20);
  x *= twoToThe(-shift); // x or x/2 normalised into [√2/2, √2), exactly
  k += shift;
  const y = k;
  const f = x - 1;
  const hfsq = 0.5 * f * f;
  const r = log1pKernel(f);
  const hi = clearLowWord(f - hfsq);
  const lo = f - hi - hfsq + r;
  let valHi = hi * IVLN10_HI;
  const y2 = y * LOG10_2_HI;
  let valLo = y * LOG10_2_LO + (lo + hi) * IVLN10_LO + lo * IVLN10_HI;
  const w = y2 + valHi;
  valLo += y2 - w + valHi;
  valHi = w;
  return valLo + valHi;
}
