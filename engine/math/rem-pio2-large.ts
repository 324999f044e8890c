/**
 * Payne–Hanek reduction: x mod π/2 for huge x (|x| >= 2^20·π/2), exact to 53 bits.
 *
 * Subtracting k·π/2 in double precision is hopeless once k·π/2 has more bits than a double:
 * the remainder lives far below the last bit of x. Instead multiply x (as up to three 24-bit
 * pieces) by only the bits of 2/π that matter — those whose products are not multiples of 8 —
 * taken from a 24-bit-chunk table of 2/π, and keep the fraction; recompute with more chunks if
 * cancellation leaves too few. Internal to engine/math: sin and cos call it through `remPio2`.
 *
 * Ported from fdlibm's k_rem_pio2.c (double precision, as V8 uses it). Copyright (C) 1993 by
 * Sun Microsystems, Inc. All rights reserved. Developed at SunSoft, a Sun Microsystems, Inc.
 * business. Permission to use, copy, modify, and distribute this software is freely granted,
 * provided that this notice is preserved.
 */
import { scalbn } from './scalbn.ts';

/** 2/π in 24-bit chunks: chunk i is bits 24i..24i+23 after the binary point (396 hex digits). */
// biome-ignore format: a table of constants, six to a line
const TWO_OVER_PI = new Int32Array([
  0xa2f983, 0x6e4e44, 0x1529fc, 0x2757d1, 0xf534dd, 0xc0db62,
  0x95993c, 0x439041, 0xfe5163, 0xabdebb, 0xc561b7, 0x246e3a,
  0x424dd2, 0xe00649, 0x2eea09, 0xd1921c, 0xfe1deb, 0x1cb129,
  0xa73ee8, 0x8235f5, 0x2ebb44, 0x84e99c, 0x7026b4, 0x5f7e41,
  0x3991d6, 0x398353, 0x39f49c, 0x845f8b, 0xbdf928, 0x3b1ff8,
  0x97ffde, 0x05980f, 0xef2f11, 0x8b5a0a, 0x6d1f6d, 0x367ecf,
  0x27cb09, 0xb74f46, 0x3f669e, 0x5fea2d, 0x7527ba, 0xc7ebe5,
  0xf17b3d, 0x0739f7, 0x8a5292, 0xea6bfb, 0x5fb11f, 0x8d5d08,
  0x560330, 0x46fc7b, 0x6babf0, 0xcfbc20, 0x9af436, 0x1da9e3,
  0x91615e, 0xe61b08, 0x659985, 0x5f14a0, 0x68408d, 0xffd880,
  0x4d7327, 0x310606, 0x1556ca, 0x73a8c9, 0x60e27b, 0xc08c6b,
]);

/** π/2 in 24-bit chunks, as doubles. */
const PI_OVER_2 = new Float64Array([
  1.570796251296997, // 0x3FF921FB, 0x40000000
  7.549789415861596e-8, // 0x3E74442D, 0x00000000
  5.390302529957765e-15, // 0x3CF84698, 0x80000000
  3.282003415807913e-22, // 0x3B78CC51, 0x60000000
  1.270655753080676e-29, // 0x39F01B83, 0x80000000
  1.2293330898111133e-36, // 0x387A2520, 0x40000000
  2.7337005381646456e-44, // 0x36E38222, 0x80000000
  2.1674168387780482e-51, // 0x3569F31D, 0x00000000
]);

const TWO24 = 16777216; // 0x41700000, 0x00000000
const TWON24 = 1 / TWO24; // 0x3E700000, 0x00000000
/** Initial number of 2/π chunks, minus one (fdlibm's jk for its "extended" precision, as V8). */
const JK = 4;

// scratch, so that no reduction allocates
const iq = new Int32Array(20);
const f = new Float64Array(20);
const fq = new Float64Array(20);
const q = new Float64Array(20);

/**
 * Reduces x·2^e0 (x given as `nx` 24-bit pieces in `x`, positive) modulo π/2. Writes the
 * remainder as y[0] + y[1] with |y| < π/2 and returns the quotient modulo 8.
 */
export function remPio2Large(x: Float64Array, y: Float64Array, e0: number, nx: number): number {
  const jx = nx - 1;
  let jv = ((e0 - 3) / 24) | 0;
  if (jv < 0) jv = 0;
  let q0 = e0 - 24 * (jv + 1);

  // f[0..jx+JK] = TWO_OVER_PI[jv-jx .. jv+JK]
  for (let i = 0, j = jv - jx; i <= jx + JK; i++, j++) f[i] = j < 0 ? 0 : TWO_OVER_PI[j]!;
  // q[0..JK]: the products that matter
  for (let i = 0; i <= JK; i++) {
    let fw = 0;
    for (let j = 0; j <= jx; j++) fw += x[j]! * f[jx + i - j]!;
    q[i] = fw;
  }

  let jz = JK;
  let n = 0;
  let ih = 0;
  let z = 0;
  // bounded: each recomputation adds at least one chunk, and the table has 66
  for (let recomputations = 0; recomputations < 66; recomputations++) {
    // distil q[] into 24-bit integers iq[], lowest first
    z = q[jz]!;
    for (let i = 0, j = jz; j > 0; i++, j--) {
      const fw = (TWON24 * z) | 0;
      iq[i] = (z - TWO24 * fw) | 0;
      z = q[j - 1]! + fw;
    }

    // the integer part n, modulo 8, and the fraction z
    z = scalbn(z, q0);
    z -= 8 * Math.floor(z * 0.125);
    n = z | 0;
    z -= n;
    ih = 0;
    if (q0 > 0) {
      // iq[jz-1] holds part of the integer
      const i = iq[jz - 1]! >> (24 - q0);
      n += i;
      iq[jz - 1]! -= i << (24 - q0);
      ih = iq[jz - 1]! >> (23 - q0);
    } else if (q0 === 0) {
      ih = iq[jz - 1]! >> 23;
    } else if (z >= 0.5) {
      ih = 2;
    }

    if (ih > 0) {
      // the fraction is >= 1/2: take 1 - fraction, and one more quotient
      n += 1;
      let carry = 0;
      for (let i = 0; i < jz; i++) {
        const j = iq[i]!;
        if (carry === 0) {
          if (j !== 0) {
            carry = 1;
            iq[i] = 0x1000000 - j;
          }
        } else {
          iq[i] = 0xffffff - j;
        }
      }
      if (q0 === 1) iq[jz - 1]! &= 0x7fffff;
      else if (q0 === 2) iq[jz - 1]! &= 0x3fffff;
      if (ih === 2) {
        z = 1 - z;
        if (carry !== 0) z -= scalbn(1, q0);
      }
    }

    // recompute with more chunks if everything cancelled
    if (z !== 0) break;
    let j = 0;
    for (let i = jz - 1; i >= JK; i--) j |= iq[i]!;
    if (j !== 0) break;
    let k = 1;
    while (JK >= k && iq[JK - k] === 0) k++; // the number of chunks needed
    for (let i = jz + 1; i <= jz + k; i++) {
      f[jx + i] = TWO_OVER_PI[jv + i]!;
      let fw = 0;
      for (let j = 0; j <= jx; j++) fw += x[j]! * f[jx + i - j]!;
      q[i] = fw;
    }
    jz += k;
  }

  // chop off zero chunks, or split z into 24-bit chunks
  if (z === 0) {
    jz -= 1;
    q0 -= 24;
    while (iq[jz] === 0) {
      jz--;
      q0 -= 24;
    }
  } else {
    z = scalbn(z, -q0);
    if (z >= TWO24) {
      const fw = (TWON24 * z) | 0;
      iq[jz] = (z - TWO24 * fw) | 0;
      jz += 1;
      q0 += 24;
      iq[jz] = fw;
    } else {
      iq[jz] = z | 0;
    }
  }

  // the chunks as doubles
  let fw = scalbn(1, q0);
  for (let i = jz; i >= 0; i--) {
    q[i] = fw * iq[i]!;
    fw *= TWON24;
  }
  // fq = π/2 · q
  for (let i = jz; i >= 0; i--) {
    fw = 0;
    for (let k = 0; k <= JK && k <= jz - i; k++) fw += PI_OVER_2[k]! * q[i + k]!;
    fq[jz - i] = fw;
  }
  // compress fq[] into y[0] + y[1]
  fw = 0;
  for (let i = jz; i >= 0; i--) fw += fq[i]!;
  y[0] = ih === 0 ? fw : -fw;
  fw = fq[0]! - fw;
  for (let i = 1; i <= jz; i++) fw += fq[i]!;
  y[1] = ih === 0 ? fw : -fw;
  return n & 7;
}
