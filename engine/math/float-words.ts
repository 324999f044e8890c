/**
 * The two 32-bit words of a double, read and written through one shared 8-byte buffer.
 *
 * fdlibm's algorithms work on the IEEE 754 layout: the high word holds the sign, the 11-bit
 * exponent and the top 20 bits of the significand; the low word the other 32 bits. JavaScript
 * has no bit cast, so a Float64Array and an Int32Array share one buffer, and which index holds
 * the high word is decided once from the platform's byte order. The scratch is module-level:
 * no call allocates, which matters on the kernel's hot path (every latency sample takes a log).
 *
 * Words are signed 32-bit integers, as fdlibm's `int32_t` words are; writes wrap modulo 2^32
 * like C's conversion to `int32_t`.
 *
 * Reading a word is cheap. Writing one and reading the double back is not: the read waits for
 * the narrower write to reach the cache (a store-forwarding stall, about the cost of a whole
 * `Math.log`). So doubles are built arithmetically instead, with exact operations that give
 * the bits fdlibm's word writes give: `clearLowWord` here, and powers of two from `twoToThe`.
 */
import { twoToThe } from './powers-of-two.ts';

const scratch = new Float64Array(1);
const words = new Int32Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = 1 - HIGH;

/** The high word of x: sign, exponent and the top 20 bits of the significand. */
export function highWord(x: number): number {
  scratch[0] = x;
  return words[HIGH]!;
}

/** The low word of x (signed; `>>> 0` gives it unsigned). */
export function lowWord(x: number): number {
  scratch[0] = x;
  return words[LOW]!;
}

/**
 * x with its low word cleared (fdlibm's `SET_LOW_WORD(x, 0)`): x truncated toward zero to its
 * top 21 significant bits. Computed exactly by scaling, truncating and scaling back, so it
 * costs no store-forwarding stall; zero, tiny (below 2^-1003), subnormal and non-finite x take
 * the slow way through the buffer.
 */
export function clearLowWord(x: number): number {
  const e = (highWord(x) >>> 20) & 0x7ff; // biased exponent
  if (e < 20 || e === 0x7ff) {
    scratch[0] = x;
    words[LOW] = 0;
    return scratch[0]!;
  }
  // the low word holds the bits worth 2^(e-1075) .. 2^(e-1044)
  return Math.trunc(x * twoToThe(1043 - e)) * twoToThe(e - 1043);
}
