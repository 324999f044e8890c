/**
 * The keys that reach an object's prototype — `__proto__`, `constructor`, `prototype` — are
 * refused wherever they appear in what the server parses (a request body, a WebSocket
 * frame), at any depth, with the path of the first one. JSON.parse keeps `__proto__` as an
 * own key, but the schemas downstream copy objects by assignment, where it would silently
 * vanish (a `params.__proto__` used to be ignored and the run accepted): refusing it where it
 * enters is the only way it is never half-understood.
 */
import { FORBIDDEN_KEYS } from '../wire/run-input.ts';

/** Deeper than this, a value is not walked (bodies and frames are small and bounded in size). */
const DEPTH_MAX = 64;

/** The path of the first forbidden key in `value` (e.g. `params.__proto__`), or null. */
export function forbiddenKeyPath(value: unknown, path = '', depth = 0): string | null {
  if (value === null || typeof value !== 'object' || depth > DEPTH_MAX) return null;
  const entries = Array.isArray(value)
    ? value.map((v, i) => [`[${i}]`, v] as const)
    : Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]] as const);
  for (const [key, child] of entries) {
    const here = key.startsWith('[') ? `${path}${key}` : path === '' ? key : `${path}.${key}`;
    if (!key.startsWith('[') && FORBIDDEN_KEYS.includes(key)) return here;
    const found = forbiddenKeyPath(child, here, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** The message for a forbidden key at `path`. */
export function forbiddenKeyMessage(path: string): string {
  const key = path.split('.').pop()!;
  return `${path}: the key '${key}' is not allowed anywhere in a request (it would reach an object's prototype)`;
}
