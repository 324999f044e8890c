/**
 * sin and cos on [-π/4, π/4], for a reduced argument x + y (y the tail below x's last bit).
 *
 * fdlibm's __kernel_sin and __kernel_cos, as V8 used them: odd and even Remez polynomials of
 * degree 13 and 14 (errors < 2^-58), with y folded in to first order. For |x| > 0.3 the cosine
 * subtracts an exact quarter of x²/2 first, so that 1 - x²/2 loses nothing to rounding.
 * Internal to engine/math.
 *
 * Ported from fdlibm's k_sin.c and k_cos.c. Copyright (C) 1993 by Sun Microsystems, Inc. All
 * rights reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use,
 * copy, modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { clearLowWord, highWord } from './float-words.ts';

const S1 = -0.16666666666666632; // 0xBFC55555, 0x55555549
const S2 = 0.00833333333332249; // 0x3F811111, 0x1110F8A6
const S3 = -0.0001984126982985795; // 0xBF2A01A0, 0x19C161D5
const S4 = 0.0000027557313707070068; // 0x3EC71DE3, 0x57B1FE7D
const S5 = -2.5050760253406863e-8; // 0xBE5AE5E6, 0x8A2B9CEB
const S6 = 1.58969099521155e-10; // 0x3DE5D93A, 0x5ACFD57C

const C1 = 0.0416666666666666; // 0x3FA55555, 0x5555554C
const C2 = -0.001388888888887411; // 0xBF56C16C, 0x16C15177
const C3 = 0.00002480158728947673; // 0x3EFA01A0, 0x19CB1590
const C4 = -2.7557314351390663e-7; // 0xBE927E4F, 0x809C52AD
const C5 = 2.087572321298175e-9; // 0x3E21EE9E, 0xBDB4B1C4
const C6 = -1.1359647557788195e-11; // 0xBDA8FAE9, 0xBE8838D4

/** sin(x + y) for |x + y| <= π/4; `hasTail` false means y is 0. */
export function kernelSin(x: number, y: number, hasTail: boolean): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix < 0x3e400000) return x; // |x| < 2^-27: sin(x) = x, signed zero kept
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (!hasTail) return x + v * (S1 + z * r);
  return x - (z * (0.5 * y - v * r) - y - v * S1);
}

/** cos(x + y) for |x + y| <= π/4. */
export function kernelCos(x: number, y: number): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix < 0x3e400000) return 1; // |x| < 2^-27
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1 - (0.5 * z - (z * r - x * y)); // |x| < 0.3
  const qx = ix > 0x3fe90000 ? 0.28125 : 0.25 * clearLowWord(Math.abs(x)); // |x|/4 to 21 bits, or 0.28125 above 0.78125
  const hz = 0.5 * z - qx;
  const a = 1 - qx;
  return a - (hz - (z * r - x * y));
}
