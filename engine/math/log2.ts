/**
 * Base-2 logarithm, exact at powers of two.
 *
 * FreeBSD msun's log2: reduce x = 2^k·(1+f) as `log` does, take log(1+f) - f + f²/2 from the
 * shared kernel, and add f - f²/2 (split into high and low parts) and k in extra precision, so
 * the large cancellation near x = √2 and √2/2 costs no accuracy. Error < 1 ulp.
 * log2(±0) = -Infinity, log2(x < 0) = NaN, log2(1) = +0, log2(+Infinity) = +Infinity.
 *
 * Ported from FreeBSD msun's e_log2.c. Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy,
 * modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { clearLowWord, highWord, lowWord } from './float-words.ts';
import { log1pKernel } from './log1p-kernel.ts';
import { twoToThe } from './powers-of-two.ts';

const TWO54 = 18014398509481984; // 0x43500000, 0x00000000
const IVLN2_HI = 1.4426950407214463; // 0x3FF71547, 0x65200000
const IVLN2_LO = 1.6751713164886512e-10; // 0x3DE705FC, 0x2EEFA200

/** log2(x), within 1 ulp. */
export function log2(x: number): number {
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
  let valHi = hi * IVLN2_HI;
  let valLo = (lo + hi) * IVLN2_LO + lo * IVLN2_HI;
  const w = y + valHi;
  valLo += y - w + valHi;
  valHi = w;
  return valLo + valHi;
}
