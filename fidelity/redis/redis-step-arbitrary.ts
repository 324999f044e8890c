/**
 * The fast-check arbitrary of differential sequences: short runs of commands over a handful
 * of keys (so they collide), values chosen to hit Redis's edges (integers and near-integers,
 * the 64-bit limits, the empty string), expiries in odd half slots (see redis-step.ts),
 * some already past, and clock advances between them. Leases and locks appear as the
 * scripts users write.
 */
import fc from 'fast-check';
import type { ExpireCondition, Expiry, RedisStep } from './redis-step.ts';

/** The keys every sequence uses (few, so commands collide on them). */
export const KEYS = ['k1', 'k2', 'k3'] as const;
const VALUES = ['a', 'b', '', '0', '1', '41', '-7', '007', '-0', '1.5', '9223372036854775806', '-9223372036854775807'] as const;

const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom(...VALUES);
const odd = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max }).map((k) => 2 * k + 1);
/** A span that ends within the sequence (a few slots) or far beyond it. */
const span = fc.oneof({ arbitrary: odd(0, 3), weight: 4 }, { arbitrary: fc.constant(2_000_001), weight: 1 });
/** A deadline relative to the start: past, within the sequence, or far ahead. */
const deadline = fc.oneof({ arbitrary: odd(-2, 5), weight: 4 }, { arbitrary: fc.constant(2_000_001), weight: 1 });
const expiry: fc.Arbitrary<Expiry> = fc.oneof(
  span.map((halfSlots) => ({ kind: 'px' as const, halfSlots })),
  deadline.map((halfSlots) => ({ kind: 'pxat' as const, halfSlots })),
);
const condition: fc.Arbitrary<ExpireCondition | undefined> = fc.constantFrom(undefined, undefined, 'nx', 'xx', 'gt', 'lt');
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });

const set: fc.Arbitrary<RedisStep> = fc
  .record({ key, value, expiry: optional(expiry), keepTtl: fc.boolean(), only: fc.constantFrom('always', 'nx', 'xx'), get: fc.boolean() })
  .map(({ key, value, expiry, keepTtl, only, get }) => ({
    op: 'set' as const,
    key,
    value,
    ...(expiry !== undefined ? { expiry } : keepTtl ? { keepTtl: true } : {}),
    ...(only === 'nx' ? { nx: true } : only === 'xx' ? { xx: true } : {}),
    ...(get ? { get: true } : {}),
  }));

const increment = fc.oneof(
  { arbitrary: fc.integer({ min: -20, max: 20 }), weight: 4 },
  { arbitrary: fc.constantFrom(1_000_000_000_000_000, -1_000_000_000_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER), weight: 1 },
);

const withCondition = <T extends object>(step: T, c: ExpireCondition | undefined): T => (c === undefined ? step : { ...step, condition: c });

export const redisStep: fc.Arbitrary<RedisStep> = fc.oneof(
  { arbitrary: fc.constantFrom(1, 1, 1, 2).map((slots) => ({ op: 'advance' as const, slots })), weight: 4 },
  { arbitrary: key.map((key) => ({ op: 'get' as const, key })), weight: 4 },
  { arbitrary: set, weight: 6 },
  { arbitrary: key.map((key) => ({ op: 'del' as const, key })), weight: 2 },
  { arbitrary: fc.record({ key, value }).map(({ key, value }) => ({ op: 'unlock' as const, key, value })), weight: 2 },
  { arbitrary: key.map((key) => ({ op: 'incr' as const, key })), weight: 2 },
  { arbitrary: fc.record({ key, by: increment }).map(({ key, by }) => ({ op: 'incrby' as const, key, by })), weight: 2 },
  { arbitrary: key.map((key) => ({ op: 'pttl' as const, key })), weight: 3 },
  { arbitrary: key.map((key) => ({ op: 'ttl' as const, key })), weight: 1 },
  {
    arbitrary: fc
      .record({ key, seconds: fc.constantFrom(-1, 0, 1, 3, 3601), condition })
      .map(({ key, seconds, condition: c }) => withCondition({ op: 'expire' as const, key, seconds }, c)),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ key, halfSlots: fc.oneof(odd(-2, 3), odd(-2, 3), fc.constant(2_000_001)), condition })
      .map(({ key, halfSlots, condition: c }) => withCondition({ op: 'pexpire' as const, key, halfSlots }, c)),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({ key, halfSlots: deadline, condition })
      .map(({ key, halfSlots, condition: c }) => withCondition({ op: 'pexpireat' as const, key, halfSlots }, c)),
    weight: 1,
  },
  { arbitrary: key.map((key) => ({ op: 'persist' as const, key })), weight: 1 },
  { arbitrary: fc.array(key, { minLength: 1, maxLength: 4 }).map((keys) => ({ op: 'mget' as const, keys })), weight: 1 },
  { arbitrary: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((entries) => ({ op: 'mset' as const, entries })), weight: 1 },
  { arbitrary: fc.record({ key, halfSlots: odd(0, 4) }).map(({ key, halfSlots }) => ({ op: 'lease-get' as const, key, halfSlots })), weight: 2 },
  {
    arbitrary: fc
      .record({ key, lease: fc.integer({ min: 0, max: 3 }), value, expiry: optional(expiry) })
      .map(({ key, lease, value, expiry }) => ({ op: 'lease-set' as const, key, lease, value, ...(expiry === undefined ? {} : { expiry }) })),
    weight: 2,
  },
  { arbitrary: fc.record({ key, value }).map(({ key, value }) => ({ op: 'rpush' as const, key, value })), weight: 2 },
  { arbitrary: fc.record({ key, count: fc.integer({ min: 1, max: 3 }) }).map(({ key, count }) => ({ op: 'lpop' as const, key, count })), weight: 2 },
  { arbitrary: fc.constant({ op: 'flushall' as const }), weight: 1 },
);

/** A sequence: 1 to 30 steps. */
export const redisSequence: fc.Arbitrary<RedisStep[]> = fc.array(redisStep, { minLength: 1, maxLength: 30, size: 'max' });

/**
 * A sequence for the persistence comparison: no leases (they are keys in Redis, and so in its
 * file, but live in the cache process's memory in the model: a restart loses them there).
 */
export const durableSequence: fc.Arbitrary<RedisStep[]> = fc.array(
  redisStep.filter((s) => s.op !== 'lease-get' && s.op !== 'lease-set'),
  { minLength: 1, maxLength: 30, size: 'max' },
);
