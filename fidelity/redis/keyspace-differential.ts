/**
 * The keyspace differential: N generated sequences (fast-check, one seed), each run against
 * a fresh model and one database of a live redis-server, every reply judged. Sequences run
 * side by side, one worker per database, so the clock waits of one overlap the others' work.
 * Expiry is lazy on both sides (`DEBUG SET-ACTIVE-EXPIRE 0`): the server's background cycle
 * would change nothing a reply shows, but it is turned off so memory and key counts mean
 * the same thing as the model's.
 *
 * A sequence whose server lagged half a slot or more behind the model's clock is run again
 * with slots twice as long (up to `retries` times); one that never ran in time is counted as
 * inconclusive, never as a pass or a mismatch. The first mismatch is shrunk (steps dropped while it still
 * disagrees) before it is reported.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { type AreaTally, addToTally, emptyTally, type Mismatch } from '../mismatch.ts';
import type { RedisServer } from '../servers/redis-server.ts';
import { mismatchesOf, runKeyspaceSequence, type SequenceRun } from './keyspace-sequence.ts';
import type { RedisStep } from './redis-step.ts';
import { redisSequence } from './redis-step-arbitrary.ts';

export interface KeyspaceOptions {
  sequences: number;
  seed: number;
  /** Sequences run side by side (one Redis database each, at most 16). */
  workers: number;
  slotMs: number;
  retries: number;
}

export const keyspaceDefaults: KeyspaceOptions = { sequences: 1000, seed: 20, workers: 8, slotMs: 16, retries: 4 };

export async function runKeyspaceDifferential(server: RedisServer, options: KeyspaceOptions): Promise<AreaTally> {
  // A few spares stand in for sequences that prove inconclusive, so that `sequences` are judged.
  const sequences = fc.sample(redisSequence, { seed: options.seed, numRuns: options.sequences + Math.ceil(options.sequences / 10) });
  const tally = emptyTally();
  const admin = await server.connect();
  await admin.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  let next = 0;
  let running = 0;
  const worker = async (db: number): Promise<void> => {
    const client = await server.connect();
    await client.select(db);
    for (let index = next++; index < sequences.length && tally.sequences + running < options.sequences; index = next++) {
      const steps = sequences[index]!;
      running++;
      const run = await runConclusive(client, steps, options, `w${db}-${index}`);
      running--;
      if (run === null) {
        tally.inconclusive++;
        continue;
      }
      let mismatches = mismatchesOf(run, 'keyspace', steps, options.seed, index);
      if (mismatches.length > 0 && tally.firstMismatch === undefined)
        mismatches = [await shrink(client, steps, options, mismatches[0]!), ...mismatches.slice(1)];
      addToTally(tally, run.pairs.length, mismatches);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.workers, 16) }, (_, db) => worker(db)));
  return tally;
}

async function runConclusive(client: Redis, steps: readonly RedisStep[], options: KeyspaceOptions, tokenPrefix: string): Promise<SequenceRun | null> {
  // Every time in a sequence is counted in half slots, so a longer slot widens every margin at once.
  for (let attempt = 0, slotMs = options.slotMs; attempt <= options.retries; attempt++, slotMs *= 2) {
    const run = await runKeyspaceSequence(client, steps, slotMs, `${tokenPrefix}-${attempt}`);
    if (run.lagMsMax < slotMs / 2) return run;
  }
  return null;
}

/** Drops steps one at a time while the sequence still disagrees somewhere: the smallest witness found. */
async function shrink(client: Redis, steps: readonly RedisStep[], options: KeyspaceOptions, first: Mismatch): Promise<Mismatch> {
  let current = [...steps];
  let witness = first;
  for (let i = current.length - 1; i >= 0; i--) {
    const candidate = current.filter((_, j) => j !== i);
    if (candidate.length === 0) continue;
    const run = await runConclusive(client, candidate, options, `shrink-${i}`);
    const found = run === null ? [] : mismatchesOf(run, 'keyspace', candidate, first.seed, first.index);
    if (found.length === 0) continue;
    current = candidate;
    witness = found[0]!;
  }
  return witness;
}
