/**
 * Argument reduction for sin and cos: x = n·π/2 + r with |r| <= π/4, r as a head and tail.
 *
 * The remainder must be right to the last bit of r even when x is huge, or sin(1e22) is
 * noise. Three regimes, as in fdlibm's __ieee754_rem_pio2: |x| < 3π/4 subtracts π/2 held in
 * 33 + 53 bits; |x| <= 2^19·π/2 is Cody–Waite, subtracting n·π/2 in up to three 33-bit pieces
 * (each product exact) until no cancellation is left; beyond that, Payne–Hanek
 * (`remPio2Large`). Internal to engine/math.
 *
 * Ported from fdlibm's e_rem_pio2.c (the version V8 used). Copyright (C) 1993 by Sun
 * Microsystems, Inc. All rights reserved. Developed at SunSoft, a Sun Microsystems, Inc.
 * business. Permission to use, copy, modify, and distribute this software is freely granted,
 * provided that this notice is preserved.
 */
import { highWord } from './float-words.ts';
import { twoToThe } from './powers-of-two.ts';
import { remPio2Large } from './rem-pio2-large.ts';

const TWO24 = 16777216; // 0x41700000, 0x00000000
const INVPIO2 = 0.6366197723675814; // 0x3FE45F30, 0x6DC9C883: 53 bits of 2/π
const PIO2_1 = 1.5707963267341256; // 0x3FF921FB, 0x54400000: first 33 bits of π/2
const PIO2_1T = 6.077100506506192e-11; // 0x3DD0B461, 0x1A626331: π/2 - PIO2_1
const PIO2_2 = 6.077100506303966e-11; // 0x3DD0B461, 0x1A600000: second 33 bits of π/2
const PIO2_2T = 2.0222662487959506e-21; // 0x3BA3198A, 0x2E037073: π/2 - (PIO2_1 + PIO2_2)
const PIO2_3 = 2.0222662487111665e-21; // 0x3BA3198A, 0x2E000000: third 33 bits of π/2
const PIO2_3T = 8.4784276603689e-32; // 0x397B839A, 0x252049C1: π/2 - (PIO2_1 + PIO2_2 + PIO2_3)

/** High words of n·π/2 for n = 1..32: an x this close to a multiple may cancel. */
// biome-ignore format: a table of constants, eight to a line
const NPIO2_HIGH = new Int32Array([
  0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb, 0x401f6a7a, 0x4022d97c, 0x4025fdbb, 0x402921fb,
  0x402c463a, 0x402f6a7a, 0x4031475c, 0x4032d97c, 0x40346b9c, 0x4035fdbb, 0x40378fdb, 0x403921fb,
  0x403ab41b, 0x403c463a, 0x403dd85a, 0x403f6a7a, 0x40407e4c, 0x4041475c, 0x4042106c, 0x4042d97c,
  0x4043a28c, 0x40446b9c, 0x404534ac, 0x4045fdbb, 0x4046c6cb, 0x40478fdb, 0x404858eb, 0x404921fb,
]);

/** The remainder r = reduced[0] + reduced[1] of the last `remPio2` call. */
export const reduced = new Float64Array(2);
const pieces = new Float64Array(3);

/** Reduces x modulo π/2 into `reduced` and returns the quotient n (only n mod 4 matters). */
export function remPio2(x: number): number {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix <= 0x3fe921fb) {
    // |x| <= π/4: no reduction
    reduced[0] = x;
    reduced[1] = 0;
    return 0;
  }
  if (ix < 0x4002d97c) return reduceNearPio2(x, hx > 0, ix === 0x3ff921fb);
  if (ix <= 0x413921fb) return reduceMedium(x, hx, ix);
  if (ix >= 0x7ff00000) {
    // Infinity or NaN
    reduced[0] = x - x;
    reduced[1] = reduced[0]!;
    return 0;
  }
  return reduceLarge(x, hx, ix);
}

/** |x| < 3π/4: n = ±1, with π/2 in 33 + 53 bits (33 + 33 + 53 very close to π/2). */
function reduceNearPio2(x: number, positive: boolean, closeToPio2: boolean): number {
  if (positive) {
    let z = x - PIO2_1;
    if (!closeToPio2) {
      reduced[0] = z - PIO2_1T;
      reduced[1] = z - reduced[0]! - PIO2_1T;
    } else {
      z -= PIO2_2;
      reduced[0] = z - PIO2_2T;
      reduced[1] = z - reduced[0]! - PIO2_2T;
    }
    return 1;
  }
  let z = x + PIO2_1;
  if (!closeToPio2) {
    reduced[0] = z + PIO2_1T;
    reduced[1] = z - reduced[0]! + PIO2_1T;
  } else {
    z += PIO2_2;
    reduced[0] = z + PIO2_2T;
    reduced[1] = z - reduced[0]! + PIO2_2T;
  }
  return -1;
}

/** |x| <= 2^19·π/2: Cody–Waite with one, two or three pieces of π/2 (good to 85, 118, 151 bits). */
function reduceMedium(x: number, hx: number, ix: number): number {
  const t0 = Math.abs(x);
  const n = (t0 * INVPIO2 + 0.5) | 0;
  const fn = n;
  let r = t0 - fn * PIO2_1;
  let w = fn * PIO2_1T;
  let y0: number;
  if (n < 32 && ix !== NPIO2_HIGH[n - 1]) {
    y0 = r - w; // no cancellation possible
  } else {
    const j = ix >> 20;
    y0 = r - w;
    let i = j - ((highWord(y0) >> 20) & 0x7ff);
    if (i > 16) {
      // second piece needed
      let t = r;
      w = fn * PIO2_2;
      r = t - w;
      w = fn * PIO2_2T - (t - r - w);
      y0 = r - w;
      i = j - ((highWord(y0) >> 20) & 0x7ff);
      if (i > 49) {
        // third piece needed: covers every double
        t = r;
        w = fn * PIO2_3;
        r = t - w;
        w = fn * PIO2_3T - (t - r - w);
        y0 = r - w;
      }
    }
  }
  const y1 = r - y0 - w;
  if (hx < 0) {
    reduced[0] = -y0;
    reduced[1] = -y1;
    return -n;
  }
  reduced[0] = y0;
  reduced[1] = y1;
  return n;
}

/** |x| > 2^19·π/2: split |x| into three 24-bit pieces and reduce with Payne–Hanek. */
function reduceLarge(x: number, hx: number, ix: number): number {
  const e0 = (ix >> 20) - 1046; // ilogb(x) - 23
  let z = Math.abs(x) * twoToThe(-e0); // in [2^23, 2^24), exactly
  for (let i = 0; i < 2; i++) {
    pieces[i] = z | 0;
    z = (z - pieces[i]!) * TWO24;
  }
  pieces[2] = z;
  let nx = 3;
  while (pieces[nx - 1] === 0) nx--; // skip zero pieces
  const n = remPio2Large(pieces, reduced, e0, nx);
  if (hx < 0) {
    reduced[0] = -reduced[0]!;
    reduced[1] = -reduced[1]!;
    return -n;
  }
  return n;
}
