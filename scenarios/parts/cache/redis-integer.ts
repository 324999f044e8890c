/**
 * Redis's integers: what INCR and INCRBY accept as a number, and what they store back.
 *
 * Redis keeps every value as a string and reads it as a signed 64-bit integer only when it is
 * written exactly as one: an optional minus sign, no leading zero, no spaces, no plus sign,
 * no decimal point, within [-2^63, 2^63 - 1] (`string2ll`). So "7" and "-3" count, while
 * "007", "-0", "1.5", " 1" and "9223372036854775808" are refused with Redis's own error. The
 * cache model stores JavaScript values, so a number counts when its decimal form does.
 *
 * Arithmetic is exact (BigInt) over the whole 64-bit range, so an increment that would pass
 * either end is refused as Redis refuses it, not silently rounded.
 */

const INT64_MAX = BigInt('9223372036854775807');
const INT64_MIN = BigInt('-9223372036854775808');
const CANONICAL = /^(0|-?[1-9][0-9]{0,18})$/;

/** Redis's error for a value, or an increment, that is not a 64-bit integer. */
export const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';
/** Redis's error for an increment past either end of the 64-bit range. */
export const WOULD_OVERFLOW = 'ERR increment or decrement would overflow';

/** The integer a stored value stands for, or null when Redis would refuse to count it. */
export function redisIntegerOf(value: unknown): bigint | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : null;
  if (text === null || !CANONICAL.test(text)) return null;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? null : n;
}

/** `current + by`, or null when the sum leaves the 64-bit range. */
export function addWithinInt64(current: bigint, by: bigint): bigint | null {
  const sum = current + by;
  return sum < INT64_MIN || sum > INT64_MAX ? null : sum;
}

/**
 * How the model stores a counter after an increment: as a string when it held a string (what
 * the caller wrote stays the caller's type), otherwise as a number while the number is exact,
 * and as a string past 2^53 where a JavaScript number would round.
 */
export function storedCounter(previous: unknown, n: bigint): number | string {
  if (typeof previous === 'string') return n.toString();
  const asNumber = Number(n);
  return Number.isSafeInteger(asNumber) ? asNumber : n.toString();
}
