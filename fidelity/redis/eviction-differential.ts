/**
 * The eviction differential: `maxmemory` with `allkeys-lru`, compared where it can be
 * compared honestly.
 *
 * The model evicts the exact least recently used key and counts declared bytes; Redis picks
 * the oldest of a sample of keys, counts the memory it really allocated, and stamps each
 * access with an LRU clock of one-second resolution. So the trial makes the two comparable:
 * values of one size, big enough (200 kB) that a key's overhead and the server's own memory
 * swings (connection buffers grown and shrunk) stay under half a key (the server's limit is
 * its measured baseline plus `capacity` measured keys, and half a key); `maxmemory-samples`
 * at 64, more than the keys held, so Redis's sample is the whole keyspace; and accesses in
 * epochs at least two seconds apart on the server's clock, so keys last touched in different
 * epochs have different LRU stamps. Within an epoch Redis cannot tell keys apart and neither
 * should the comparison: what is compared is how many keys each side evicted from each
 * epoch (keys grouped by the epoch of their last access). Redis must, like the model, empty
 * older epochs before touching a newer one; the numbers of keys evicted may differ by one,
 * the memory a real allocator rounds.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { CacheStore } from '../../scenarios/parts/cache/cache-store.ts';
import { type AreaTally, addToTally, emptyTally, type Mismatch } from '../mismatch.ts';
import { RedisServer } from '../servers/redis-server.ts';
import { serverNowMs, untilServerTime } from './server-clock.ts';

export interface EvictionOptions {
  trials: number;
  seed: number;
  /** Keys that fit under the limit. */
  capacity: number;
  valueBytes: number;
  epochGapMs: number;
}

export const evictionDefaults: EvictionOptions = { trials: 2, seed: 20, capacity: 24, valueBytes: 200_000, epochGapMs: 2100 };

/** One epoch: which earlier keys it reads again (indices into the live keys, oldest first), and how many new keys it writes. */
interface Epoch {
  touches: number[];
  writes: number;
}

const epochsArbitrary = (capacity: number): fc.Arbitrary<Epoch[]> =>
  fc.tuple(
    fc.record({ touches: fc.constant([] as number[]), writes: fc.constant(capacity) }),
    ...[1, 2].map(() =>
      fc.record({
        touches: fc.uniqueArray(fc.integer({ min: 0, max: capacity - 1 }), { maxLength: capacity / 3 }),
        writes: fc.integer({ min: 1, max: Math.floor(capacity / 2) }),
      }),
    ),
  );

export async function runEvictionDifferential(options: EvictionOptions): Promise<AreaTally> {
  const tally = emptyTally();
  const plans = fc.sample(epochsArbitrary(options.capacity), { seed: options.seed, numRuns: options.trials });
  const server = await RedisServer.start({ maxmemorySamples: 64 });
  try {
    const client = await server.connect();
    for (const [index, epochs] of plans.entries()) {
      const found = await runTrial(client, epochs, options, `t${index}`);
      const mismatches: Mismatch[] =
        found.why === null
          ? []
          : [
              {
                area: 'eviction',
                seed: options.seed,
                index,
                sequence: epochs,
                step: epochs.length,
                command: 'allkeys-lru',
                model: found.model,
                server: found.server,
                why: found.why,
              },
            ];
      addToTally(tally, found.commands, mismatches);
    }
  } finally {
    await server.stop();
  }
  return tally;
}

interface TrialResult {
  commands: number;
  model: number[];
  server: number[];
  why: string | null;
}

/**
 * Key names are unique to the trial: Redis's eviction pool remembers candidate keys by name
 * across evictions (even across FLUSHALL), so a name reused from an earlier trial could be
 * evicted on the strength of the old key's idle time.
 */
async function runTrial(client: Redis, epochs: readonly Epoch[], options: EvictionOptions, trial: string): Promise<TrialResult> {
  await client.config('SET', 'maxmemory', '0');
  await client.flushall();
  const value = 'v'.repeat(options.valueBytes);
  const limit = await measuredLimit(client, value, options.capacity, trial);
  await client.config('SET', 'maxmemory', String(limit));
  const model = new CacheStore(options.capacity * options.valueBytes);
  // The epoch of each key's last access, on each side: Redis evicts other keys of an epoch than
  // the model does, so a later read may find a key on one side only.
  const modelEpochOf = new Map<string, number>();
  const serverEpochOf = new Map<string, number>();
  let commands = 0;
  let written = 0;
  for (const [e, epoch] of epochs.entries()) {
    if (e > 0) await untilServerTime(client, (await serverNowMs(client)) + options.epochGapMs);
    const live = model.keys(0);
    for (const t of epoch.touches) {
      const key = live[t];
      if (key === undefined) continue;
      model.execute({ op: 'get', key }, 0);
      modelEpochOf.set(key, e);
      if ((await client.get(key)) !== null) serverEpochOf.set(key, e);
      commands++;
    }
    for (let w = 0; w < epoch.writes; w++) {
      const key = `${trial}:e${e}:${written++}`;
      model.execute({ op: 'set', key, value, bytes: options.valueBytes }, 0);
      await client.set(key, value);
      modelEpochOf.set(key, e);
      serverEpochOf.set(key, e);
      commands++;
    }
  }
  const modelSide = evictionsByEpoch(modelEpochOf, new Set(model.keys(0)), epochs.length);
  const serverSide = evictionsByEpoch(serverEpochOf, new Set(await client.keys('*')), epochs.length);
  return { commands, model: modelSide.evicted, server: serverSide.evicted, why: judgeEvictions(modelSide, serverSide) };
}

interface EpochEvictions {
  /** Keys evicted, by the epoch of their last access. */
  evicted: number[];
  /** Keys still held, by the same epochs. */
  held: number[];
}

function evictionsByEpoch(epochOf: ReadonlyMap<string, number>, held: ReadonlySet<string>, epochs: number): EpochEvictions {
  const out: EpochEvictions = { evicted: Array(epochs).fill(0), held: Array(epochs).fill(0) };
  for (const [key, e] of epochOf) (held.has(key) ? out.held : out.evicted)[e]!++;
  return out;
}

/** maxmemory for `capacity` keys: the empty server's memory plus `capacity` keys as measured, plus half a key. */
async function measuredLimit(client: Redis, value: string, capacity: number, trial: string): Promise<number> {
  // The first writes also grow the connection's query buffer: a key's cost is measured after them.
  const probeKeys = 8;
  for (let i = 0; i < 2; i++) await client.set(`${trial}:probe:${i}`, value);
  const before = await usedMemory(client);
  for (let i = 2; i < 2 + probeKeys; i++) await client.set(`${trial}:probe:${i}`, value);
  const perKey = ((await usedMemory(client)) - before) / probeKeys;
  await client.flushall();
  return Math.round((await usedMemory(client)) + capacity * perKey + perKey / 2);
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/**
 * Each side must have evicted least recently used epochs first: no key of an epoch is gone
 * while a key last used in an earlier epoch is still held. The totals may differ by one key
 * (real memory against declared bytes).
 */
function judgeEvictions(model: EpochEvictions, server: EpochEvictions): string | null {
  const total = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  if (Math.abs(total(model.evicted) - total(server.evicted)) > 1)
    return `evicted ${total(model.evicted)} keys in the model, ${total(server.evicted)} on the server`;
  for (const [side, e] of [['model', model] as const, ['server', server] as const]) {
    const newestEvicted = lastNonZero(e.evicted);
    const oldestHeld = e.held.findIndex((n) => n > 0);
    if (oldestHeld !== -1 && oldestHeld < newestEvicted) {
      return `the ${side} evicted a key last used in epoch ${newestEvicted} while it still held one last used in epoch ${oldestHeld}`;
    }
  }
  return null;
}

function lastNonZero(xs: readonly number[]): number {
  for (let i = xs.length - 1; i >= 0; i--) if (xs[i]! > 0) return i;
  return -1;
}
