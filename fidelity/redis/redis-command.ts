/**
 * How one generated step becomes a command twice: a `CacheCommand` for the model, run at the
 * slot's model time, and a command (or a Lua script) for the live server, with the same
 * deadlines in the server's own clock. Relative spans go to both as they are (PX, PEXPIRE:
 * each side adds its own now); deadlines are the sequence's base time plus the span, the
 * base being the server's clock read at the start.
 */
import type { CacheCommand } from '../../scenarios/parts/cache/cache-store.ts';
import { DEL_REVOKING_LEASE, LEASE_GET, LEASE_SET, leaseKeyOf, UNLOCK, UNLOCK_REVOKING_LEASE } from './lua-scripts.ts';
import type { Expiry, HalfSlots, RedisCommandStep } from './redis-step.ts';

/** A command for the server: plain arguments, or a script with its keys and arguments. */
export type ServerCommand = { args: string[] } | { script: string; keys: string[]; args: string[] };

/** The clock a sequence runs on: the server's time at its start and the slot length. */
export interface SequenceClock {
  baseMs: number;
  slotMs: number;
}

/** The tokens each side handed out, by lease-get (null: no lease was handed out). */
export interface LeaseBook {
  model: (number | null)[];
  server: (string | null)[];
}

/** A token nobody holds, for a lease-set that presents a lease it never got. */
const NO_TOKEN_MODEL = -1;
const NO_TOKEN_SERVER = 'no-token';

export const spanMs = (halfSlots: HalfSlots, clock: SequenceClock): number => (halfSlots * clock.slotMs) / 2;
const deadlineMs = (halfSlots: HalfSlots, clock: SequenceClock): number => clock.baseMs + spanMs(halfSlots, clock);

export function modelCommand(step: RedisCommandStep, clock: SequenceClock, leases: LeaseBook): CacheCommand {
  switch (step.op) {
    case 'set': {
      const { op, key, value, nx, xx, get, keepTtl } = step;
      return { op, key, value, ...flags({ nx, xx, get, keepTtl }), ...modelExpiry(step.expiry, clock) };
    }
    case 'unlock':
      return { op: 'del', key: step.key, ifValue: step.value };
    case 'pexpire':
      return withCondition({ op: 'pexpire', key: step.key, ms: spanMs(step.halfSlots, clock) }, step.condition);
    case 'pexpireat':
      return withCondition({ op: 'pexpireat', key: step.key, atMs: deadlineMs(step.halfSlots, clock) }, step.condition);
    case 'expire':
      return withCondition({ op: 'expire', key: step.key, seconds: step.seconds }, step.condition);
    case 'mset':
      return { op: 'mset', entries: step.entries.map(([key, value]) => ({ key, value })) };
    case 'lease-get':
      return { op: 'lease-get', key: step.key, leaseMs: spanMs(step.halfSlots, clock) };
    case 'lease-set':
      return { op: 'lease-set', key: step.key, token: leases.model[step.lease] ?? NO_TOKEN_MODEL, value: step.value, ...modelExpiry(step.expiry, clock) };
    default:
      return step;
  }
}

/**
 * The server's command. `revokesLeases`: the sequence uses leases, so its DELs also end the
 * key's lease (the model's DEL does); without leases a DEL is Redis's own DEL.
 */
export function serverCommand(step: RedisCommandStep, clock: SequenceClock, leases: LeaseBook, revokesLeases: boolean, freshToken: string): ServerCommand {
  const { op } = step;
  switch (step.op) {
    case 'get':
    case 'incr':
    case 'pttl':
    case 'ttl':
    case 'persist':
      return { args: [op, step.key] };
    case 'set':
      return { args: ['set', step.key, step.value, ...serverExpiry(step.expiry, clock), ...setFlags(step)] };
    case 'del':
      return revokesLeases ? { script: DEL_REVOKING_LEASE, keys: [step.key, leaseKeyOf(step.key)], args: [] } : { args: ['del', step.key] };
    case 'unlock':
      return revokesLeases
        ? { script: UNLOCK_REVOKING_LEASE, keys: [step.key, leaseKeyOf(step.key)], args: [step.value] }
        : { script: UNLOCK, keys: [step.key], args: [step.value] };
    case 'incrby':
      return { args: ['incrby', step.key, String(step.by)] };
    case 'expire':
      return { args: ['expire', step.key, String(step.seconds), ...conditionArgs(step.condition)] };
    case 'pexpire':
      return { args: ['pexpire', step.key, String(spanMs(step.halfSlots, clock)), ...conditionArgs(step.condition)] };
    case 'pexpireat':
      return { args: ['pexpireat', step.key, String(deadlineMs(step.halfSlots, clock)), ...conditionArgs(step.condition)] };
    case 'mget':
      return { args: ['mget', ...step.keys] };
    case 'mset':
      return { args: ['mset', ...step.entries.flat()] };
    case 'lease-get':
      return { script: LEASE_GET, keys: [step.key, leaseKeyOf(step.key)], args: [String(spanMs(step.halfSlots, clock)), freshToken] };
    case 'lease-set': {
      const [kind = '', at = ''] = serverExpiry(step.expiry, clock);
      const token = leases.server[step.lease] ?? NO_TOKEN_SERVER;
      return { script: LEASE_SET, keys: [step.key, leaseKeyOf(step.key)], args: [token, step.value, kind, at] };
    }
    case 'rpush':
      return { args: ['rpush', step.key, step.value] };
    case 'lpop':
      return { args: ['lpop', step.key, String(step.count)] };
    case 'flushall':
      // The model is one keyspace, a Redis database; sequences run side by side in separate databases.
      return { args: ['flushdb'] };
  }
}

function flags<T extends Record<string, boolean | undefined>>(all: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [name, on] of Object.entries(all)) if (on === true) (out as Record<string, boolean>)[name] = true;
  return out;
}

function withCondition<T extends CacheCommand>(cmd: T, condition: string | undefined): T {
  return condition === undefined ? cmd : ({ ...cmd, condition } as T);
}

function modelExpiry(expiry: Expiry | undefined, clock: SequenceClock): { px?: number; pxat?: number } {
  if (expiry === undefined) return {};
  return expiry.kind === 'px' ? { px: spanMs(expiry.halfSlots, clock) } : { pxat: deadlineMs(expiry.halfSlots, clock) };
}

function serverExpiry(expiry: Expiry | undefined, clock: SequenceClock): string[] {
  if (expiry === undefined) return [];
  return expiry.kind === 'px' ? ['PX', String(spanMs(expiry.halfSlots, clock))] : ['PXAT', String(deadlineMs(expiry.halfSlots, clock))];
}

function setFlags(step: Extract<RedisCommandStep, { op: 'set' }>): string[] {
  const out: string[] = [];
  if (step.keepTtl === true) out.push('KEEPTTL');
  if (step.nx === true) out.push('NX');
  if (step.xx === true) out.push('XX');
  if (step.get === true) out.push('GET');
  return out;
}

function conditionArgs(condition: string | undefined): string[] {
  return condition === undefined ? [] : [condition.toUpperCase()];
}
