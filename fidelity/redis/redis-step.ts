/**
 * RedisStep: one step of a generated differential sequence, as plain JSON — a command for
 * both the model and the live server, or an `advance` of the clock.
 *
 * Time is counted in slots of `slotMs` (the run's choice, e.g. 8 ms): the model runs slot j's
 * commands at time base + j·slotMs, the server runs them once its own clock has reached that
 * time. Every duration and deadline a step names is an odd number of half slots, so no expiry
 * falls within half a slot of a moment a command runs: the model and the server agree on
 * what has expired as long as the server runs each slot's commands within half a slot of
 * its start — which the runner measures, and retries the sequence when it did not.
 *
 * Lease steps name the lease they present by the index of the lease-get that handed it out
 * (an index with no token behind it presents a token nobody holds).
 */

/** A time span (relative) or deadline (relative to the sequence's base time), in half slots; odd. */
export type HalfSlots = number;

export type ExpireCondition = 'nx' | 'xx' | 'gt' | 'lt';

export type Expiry = { kind: 'px'; halfSlots: HalfSlots } | { kind: 'pxat'; halfSlots: HalfSlots };

export type RedisStep =
  | { op: 'advance'; slots: number }
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: string; expiry?: Expiry; keepTtl?: boolean; nx?: boolean; xx?: boolean; get?: boolean }
  | { op: 'del'; key: string }
  | { op: 'unlock'; key: string; value: string }
  | { op: 'incr'; key: string }
  | { op: 'incrby'; key: string; by: number }
  | { op: 'pttl'; key: string }
  | { op: 'ttl'; key: string }
  | { op: 'expire'; key: string; seconds: number; condition?: ExpireCondition }
  | { op: 'pexpire'; key: string; halfSlots: HalfSlots; condition?: ExpireCondition }
  | { op: 'pexpireat'; key: string; halfSlots: HalfSlots; condition?: ExpireCondition }
  | { op: 'persist'; key: string }
  | { op: 'mget'; keys: string[] }
  | { op: 'mset'; entries: [string, string][] }
  | { op: 'lease-get'; key: string; halfSlots: HalfSlots }
  | { op: 'lease-set'; key: string; lease: number; value: string; expiry?: Expiry }
  | { op: 'rpush'; key: string; value: string }
  | { op: 'lpop'; key: string; count: number }
  | { op: 'flushall' };

/** A step that is a command (everything but `advance`). */
export type RedisCommandStep = Exclude<RedisStep, { op: 'advance' }>;
