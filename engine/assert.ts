/**
 * Assertions as documentation (TigerBeetle style): a broken internal invariant is a bug in
 * faultline, never a simulated failure, so it throws and is never swallowed.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(`assertion failed: ${message}`);
}
