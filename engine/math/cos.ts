/**
 * Cosine, in pure JavaScript arithmetic, bit-identical in every JavaScript engine.
 *
 * fdlibm's cos: reduce x modulo π/2 (`remPio2`: Cody–Waite for moderate x, Payne–Hanek for
 * huge x) and pick ±cos or ±sin of the remainder on [-π/4, π/4] by the quadrant.
 * Error < 1 ulp. cos(±0) = 1, cos(±Infinity) = NaN.
 *
 * Ported from fdlibm's s_cos.c. Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy,
 * modify, and distribute this software is freely granted, provided that this notice is
 * preserved.
 */
import { highWord } from './float-words.ts';
import { reduced, remPio2 } from './rem-pio2.ts';
import { kernelCos, kernelSin } from './sin-cos-kernels.ts';

/** cos(x), within 1 ulp. */
export function cos(x: number): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) return kernelCos(x, 0); // |x| <= π/4
  if (ix >= 0x7ff00000) return x - x; // Infinity or NaN
  const n = remPio2(x);
  switch (n & 3) {
    case 0:
      return kernelCos(reduced[0]!, reduced[1]!);
    case 1:
      return -kernelSin(reduced[0]!, reduced[1]!, true);
    case 2:
      return -kernelCos(reduced[0]!, reduced[1]!);
    default:
      return kernelSin(reduced[0]!, reduced[1]!, true);
  }
}
