/**
 * log(1+f) - f + f²/2 for 1+f in [√2/2, √2]: the shared core of the base-2 and base-10
 * logarithms, which add the f and f²/2 terms themselves in extra precision.
 *
 * The same s = f/(2+f) polynomial as `log` (error < 2^-58.45); internal to engine/math.
 *
 * Ported from FreeBSD msun's k_log.h (k_log1p). Copyright (C) 1993 by Sun Microsystems, Inc.
 * All rights reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to
 * use, copy, modify, and distribute this software is freely granted, provided that this notice
 * is preserved.
 */

const LG1 = 0.6666666666666735; // 0x3FE55555, 0x55555593
const LG2 = 0.3999999999940942; // 0x3FD99999, 0x9997FA04
const LG3 = 0.2857142874366239; // 0x3FD24924, 0x94229359
const LG4 = 0.22222198432149784; // 0x3FCC71C5, 0x1D8E78AF
const LG5 = 0.1818357216161805; // 0x3FC74664, 0x96CB03DE
const LG6 = 0.15313837699209373; // 0x3FC39A09, 0xD078C69F
const LG7 = 0.14798198605116586; // 0x3FC2F112, 0xDF3E5244

/** log(1+f) - f + f²/2, for f in [√2/2 - 1, √2 - 1]. */
export function log1pKernel(f: number): number {
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  const hfsq = 0.5 * f * f;
  return s * (hfsq + r);
}
