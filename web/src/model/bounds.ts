/** Binary searches over ascending numbers (times), the question every view asks. */

/** The first index in values[0..n) greater than x. */
export function upperBound(values: ArrayLike<number>, x: number, n = values.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in values[0..n) at or above x. */
export function lowerBound(values: ArrayLike<number>, x: number, n = values.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
