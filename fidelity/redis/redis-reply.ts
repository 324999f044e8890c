/**
 * Judges one reply: does what the live server answered mean what the model answered? The
 * model's `CacheResult` is mapped to the reply Redis sends for that command (OK / nil /
 * integer / bulk / array / error), values compared as Redis's text. Remaining times are the
 * one place where the two clocks show: a PTTL may differ by the measured lag of the server
 * behind the model's slot (`toleranceMs`), a TTL by what that lag can do to its rounding.
 */
import type { CacheResult } from '../../scenarios/parts/cache/cache-store.ts';
import type { RedisCommandStep } from './redis-step.ts';

/** What the server answered: a reply, or an error reply with its message. */
export type ServerReply = { value: unknown } | { error: string };

export interface ReplyPair {
  step: RedisCommandStep;
  model: CacheResult;
  server: ServerReply;
  /** For TTL: the model's remaining time in ms at that moment (TTL's rounding is judged on it). */
  modelPttlMs?: number;
  /**
   * For EXPIRE GT/LT: the key's remaining time before the command and the one it asked for,
   * in the model's ms. When they are within the lag of each other, which is later depends on
   * when exactly each side set them, so either answer is Redis's.
   */
  expiryTie?: { beforeMs: number; requestedMs: number };
  /** True when the server ran a Lua script: Redis appends the script's name to an error message. */
  script: boolean;
}

/** Null when the replies agree; otherwise what differs, in words. */
export function judgeReply(pair: ReplyPair, toleranceMs: number): string | null {
  const { model, server } = pair;
  if (model.error !== undefined || 'error' in server) return judgeError(pair);
  const got = server.value;
  const expected = expectedReply(pair);
  // Integers past 2^53 are compared as the nearest doubles on both sides (the model's `n` is a number).
  if (pair.step.op === 'incr' || pair.step.op === 'incrby') return Number(got) === model.n ? null : `expected ${model.n}, got ${show(got)}`;
  if (pair.expiryTie !== undefined && isTie(pair.expiryTie, toleranceMs) && (String(got) === '0' || String(got) === '1')) return null;
  if (pair.step.op === 'lease-get' && model.token !== undefined && model.token !== null) return sameLease(got);
  if (pair.step.op === 'pttl' && model.n! >= 0) return withinMs(Number(got), model.n!, toleranceMs);
  if (pair.step.op === 'ttl' && model.n! >= 0) return withinTtl(Number(got), pair.modelPttlMs!, toleranceMs);
  return sameReply(expected, got) ? null : `expected ${show(expected)}, got ${show(got)}`;
}

/** The reply Redis would send for the model's result. */
export function expectedReply({ step, model }: ReplyPair): unknown {
  switch (step.op) {
    case 'get':
      return textOf(model.value);
    case 'set':
      if (step.get === true) return textOf(model.value);
      return model.ok ? 'OK' : null;
    case 'mset':
    case 'flushall':
      return 'OK';
    case 'mget':
      return (model.values ?? []).map(textOf);
    case 'lpop':
      return model.values === undefined || model.values.length === 0 ? null : model.values.map(textOf);
    case 'lease-get':
      if (model.token === undefined) return ['1', textOf(model.value)];
      return ['0'];
    case 'lease-set':
      return model.ok ? '1' : '0';
    default:
      return String(model.n);
  }
}

function judgeError({ model, server, script }: ReplyPair): string | null {
  if (model.error === undefined) return `expected a reply, got the error "${(server as { error: string }).error}"`;
  if (!('error' in server)) return `expected the error "${model.error}", got ${show(server.value)}`;
  const agrees = script ? server.error.startsWith(model.error) : server.error === model.error;
  return agrees ? null : `expected the error "${model.error}", got "${server.error}"`;
}

function isTie({ beforeMs, requestedMs }: { beforeMs: number; requestedMs: number }, toleranceMs: number): boolean {
  return beforeMs >= 0 && Math.abs(requestedMs - beforeMs) <= toleranceMs;
}

function withinMs(got: number, expected: number, toleranceMs: number): string | null {
  return Math.abs(got - expected) <= toleranceMs ? null : `expected ${expected} ms (± ${toleranceMs.toFixed(1)}), got ${got}`;
}

/** Redis's TTL is (ms + 500) / 1000 in integer arithmetic; the lag may move ms either way. */
function withinTtl(got: number, modelMs: number, toleranceMs: number): string | null {
  const round = (ms: number): number => Math.floor((Math.max(0, ms) + 500) / 1000);
  const low = round(modelMs - toleranceMs);
  const high = round(modelMs + toleranceMs);
  return got >= low && got <= high ? null : `expected a TTL in [${low}, ${high}] s (model: ${modelMs} ms), got ${got}`;
}

/** Lease tokens are each side's own: only that one was handed out is compared. */
function sameLease(got: unknown): string | null {
  return Array.isArray(got) && String(got[0]) === '2' && got.length === 2 ? null : `expected a lease token, got ${show(got)}`;
}

function sameReply(expected: unknown, got: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(got) && expected.length === got.length && expected.every((e, i) => sameReply(e, got[i]));
  if (expected === null || got === null) return expected === got;
  return String(expected) === String(got);
}

/** A model value as Redis's text (numbers in decimal; null stays nil). */
export function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function show(value: unknown): string {
  return value === null ? 'nil' : JSON.stringify(value);
}
