/**
 * Values of a history, compared and shown alike by every checker: a canonical string so
 * values compare by content (a list read `[1 2]` equals another `[1 2]`), and Jepsen's
 * notation for messages (nil, vectors in brackets).
 */

/** A canonical string for a JSON value, so values compare by content. */
export function valueKey(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** A value in Jepsen's notation: nil for null, vectors in brackets, strings bare. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `[${value.map(showValue).join(' ')}]`;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
