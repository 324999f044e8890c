/**
 * The persistence differential: what survives `kill -9` and a restart, under each of the
 * configurations the cache model has (no persistence, AOF `everysec`, AOF `always`).
 *
 * Each trial runs a generated sequence (replies judged as in the keyspace differential) on a
 * redis-server started with that configuration and on the model — a CacheStore journaling
 * into an AppendOnlyFile on a free-standing engine disk, forced as the cache node forces it.
 * Then the server is killed with SIGKILL and restarted, the model's disk crashes (losing what
 * was not forced) and the model replays its file; the two keyspaces are compared key by key.
 *
 *  - none: both come back empty.
 *  - always: both come back with every acknowledged write.
 *  - everysec: the model keeps what was forced by its last once-a-second fsync, and claims
 *    no more; Redis's documentation allows losing about a second of writes. The server's
 *    keyspace must be the model's file replayed up to some point at or after what the model
 *    kept (a prefix: nothing reordered, nothing half-applied). One trial per run waits two
 *    seconds of the server's clock between two phases, so the first phase lies behind a
 *    fsync on both sides and must survive. A killed process loses nothing it wrote to the
 *    page cache, so Redis is expected to keep everything; the model's crash is a machine's.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { DurableStore } from '../../engine/index.ts';
import { AppendOnlyFile, type CachePersistence } from '../../scenarios/parts/cache/append-only-file.ts';
import { CacheStore } from '../../scenarios/parts/cache/cache-store.ts';
import type { KeyspaceEffect } from '../../scenarios/parts/cache/keyspace-effect.ts';
import { type AreaTally, addToTally, emptyTally, type Mismatch } from '../mismatch.ts';
import { RedisServer } from '../servers/redis-server.ts';
import { mismatchesOf, runKeyspaceSequence, type SequenceRun } from './keyspace-sequence.ts';
import { compareViews, modelView, readServerView } from './keyspace-view.ts';
import type { RedisStep } from './redis-step.ts';
import { durableSequence, KEYS } from './redis-step-arbitrary.ts';
import { serverNowMs, untilServerTime } from './server-clock.ts';

export interface PersistenceOptions {
  trialsPerPolicy: number;
  seed: number;
  slotMs: number;
  retries: number;
  /** How long the window trial waits between its phases, in the server's ms. */
  windowMs: number;
}

export const persistenceDefaults: PersistenceOptions = { trialsPerPolicy: 20, seed: 20, slotMs: 16, retries: 4, windowMs: 2000 };

export interface PolicyReport {
  trials: number;
  /** Trials never run within half a slot of the model's clock (not judged). */
  inconclusive: number;
  keysCompared: number;
  undecidable: number;
  /** Trials after which the server had kept every acknowledged write. */
  keptEverything: number;
}

export interface PersistenceReport {
  tally: AreaTally;
  policies: Record<CachePersistence, PolicyReport>;
}

const POLICIES: readonly CachePersistence[] = ['none', 'aof-everysec', 'aof-always'];

export async function runPersistenceDifferential(options: PersistenceOptions): Promise<PersistenceReport> {
  const tally = emptyTally();
  const policies = {} as Record<CachePersistence, PolicyReport>;
  for (const [p, policy] of POLICIES.entries()) {
    const report: PolicyReport = { trials: 0, inconclusive: 0, keysCompared: 0, undecidable: 0, keptEverything: 0 };
    policies[policy] = report;
    const seed = options.seed + p;
    const phases = fc.sample(fc.tuple(durableSequence, durableSequence), { seed, numRuns: options.trialsPerPolicy });
    const server = await RedisServer.start({ persistence: policy });
    try {
      for (const [index, [first, second]] of phases.entries()) {
        // The window trial: the everysec policy's one-second guarantee needs a second to pass.
        const windowed = policy === 'aof-everysec' && index === 0;
        const found = await runTrial(server, policy, windowed ? [first, second] : [first], options, { seed, index }, report);
        if (found.conclusive) addToTally(tally, found.commands, found.mismatches);
        else tally.inconclusive++;
      }
    } finally {
      await server.stop();
    }
  }
  return { tally, policies };
}

interface TrialResult {
  commands: number;
  mismatches: Mismatch[];
  conclusive: boolean;
}

interface Attempt {
  disk: DurableStore;
  runs: SequenceRun[];
}

/**
 * Runs the trial's phases on an emptied server and a fresh model. When the server lagged half
 * a slot or more behind the model's clock, the replies cannot be judged: the attempt is run
 * again from scratch with slots twice as long, before anything has crashed.
 */
async function runPhases(client: Redis, policy: CachePersistence, phases: RedisStep[][], options: PersistenceOptions, index: number): Promise<Attempt | null> {
  for (let attempt = 0, slotMs = options.slotMs; attempt <= options.retries; attempt++, slotMs *= 2) {
    await client.flushall();
    const disk = new DurableStore();
    const aof = policy === 'none' ? null : new AppendOnlyFile(policy, disk);
    const model = new CacheStore(Number.POSITIVE_INFINITY, aof?.record);
    const runs: SequenceRun[] = [];
    for (const [p, steps] of phases.entries()) {
      if (p > 0) {
        await untilServerTime(client, (await serverNowMs(client)) + options.windowMs);
        aof?.fsync();
      }
      runs.push(await runKeyspaceSequence(client, steps, slotMs, `p${index}-${attempt}-${p}`, { continueOn: model, afterCommand: () => aof?.beforeReply() }));
    }
    if (runs.every((r) => r.lagMsMax < slotMs / 2)) return { disk, runs };
  }
  return null;
}

async function runTrial(
  server: RedisServer,
  policy: CachePersistence,
  phases: RedisStep[][],
  options: PersistenceOptions,
  id: { seed: number; index: number },
  report: PolicyReport,
): Promise<TrialResult> {
  const client = await server.connect();
  const attempt = await runPhases(client, policy, phases, options, id.index);
  if (attempt === null) {
    report.inconclusive++;
    return { commands: 0, mismatches: [], conclusive: false };
  }
  const { disk, runs } = attempt;
  const steps = phases.flat();
  const mismatches = runs.flatMap((run) => mismatchesOf(run, `persistence ${policy}`, steps, id.seed, id.index));
  const written = [...disk.log<KeyspaceEffect>('aof')];

  await server.crash();
  disk.crash();
  await server.restart();
  const restarted = await server.connect();
  const kept = disk.log<KeyspaceEffect>('aof').length;
  const toleranceMs = Math.max(...runs.map((r) => r.lagMsMax)) + 2;
  const verdict = await judgeSurvivors(restarted, written, kept, toleranceMs);
  report.trials++;
  report.keysCompared += KEYS.length - verdict.undecidable;
  report.undecidable += verdict.undecidable;
  if (policy !== 'none' && verdict.prefix === written.length) report.keptEverything++;
  if (verdict.prefix === null) {
    const why = `after kill -9 and restart, the server's keyspace is not the model's file replayed to any point from ${kept} (what the model keeps) to ${written.length} effects: ${verdict.why}`;
    mismatches.push({
      area: `persistence ${policy}`,
      ...id,
      sequence: phases,
      step: steps.length,
      command: 'kill -9; restart',
      model: { kept, written: written.length },
      server: verdict.why,
      why,
    });
  }
  return { commands: runs.reduce((n, r) => n + r.pairs.length, 0), mismatches, conclusive: true };
}

/** The longest prefix of the file, from `kept` effects on, whose replay is what the server holds (null: none is). */
async function judgeSurvivors(
  client: Redis,
  written: readonly KeyspaceEffect[],
  kept: number,
  toleranceMs: number,
): Promise<{ prefix: number | null; undecidable: number; why: string }> {
  const server = await readServerView(client, KEYS);
  let why = '';
  let undecidable = 0;
  for (let prefix = written.length; prefix >= kept; prefix--) {
    const store = new CacheStore();
    for (const effect of written.slice(0, prefix)) store.restore(effect);
    const comparison = compareViews(server, modelView(store, KEYS, server.fromMs), KEYS, toleranceMs);
    if (prefix === written.length) {
      why = comparison.differences.join('; ');
      undecidable = comparison.undecidable;
    }
    if (comparison.differences.length === 0) return { prefix, undecidable: comparison.undecidable, why };
  }
  return { prefix: null, undecidable, why };
}
