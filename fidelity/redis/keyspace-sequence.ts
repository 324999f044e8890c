/**
 * Runs one generated sequence against the model (a fresh CacheStore) and against one
 * database of a live redis-server, collecting each step's pair of replies.
 *
 * The server's clock is read once (the base); the model runs slot j's commands at base +
 * j·slotMs, and the runner sends them to the server only once the server's clock has
 * reached that time (commands of one slot go in one pipeline, cut where a lease-set needs a
 * token handed out in the same slot). The pipeline ends with TIME, so the runner knows how
 * far behind the slot's start the server ran its commands at worst: the lag. A sequence is
 * conclusive when every lag stayed under half a slot (see redis-step.ts); otherwise the
 * caller runs it again.
 */
import type { Redis } from 'ioredis';
import { type CacheCommand, type CacheResult, CacheStore } from '../../scenarios/parts/cache/cache-store.ts';
import type { Mismatch } from '../mismatch.ts';
import { type LeaseBook, modelCommand, type SequenceClock, type ServerCommand, serverCommand } from './redis-command.ts';
import { judgeReply, type ReplyPair, type ServerReply } from './redis-reply.ts';
import type { RedisCommandStep, RedisStep } from './redis-step.ts';
import { serverNowMs, untilServerTime } from './server-clock.ts';

export interface SequenceRun {
  pairs: ReplyPair[];
  /** The worst lag of the server behind a slot's start, in ms. */
  lagMsMax: number;
  slotMs: number;
}

interface Slot {
  index: number;
  steps: RedisCommandStep[];
}

/** How a sequence runs: on a fresh keyspace (the default) or on the one a previous run left (`continueOn`). */
export interface SequenceSetup {
  /** Run on this model store, and on the server's database as it is (no FLUSHDB first). */
  continueOn?: CacheStore;
  /** Called after each command the model runs (where a cache node would reply). */
  afterCommand?: () => void;
}

export async function runKeyspaceSequence(
  client: Redis,
  steps: readonly RedisStep[],
  slotMs: number,
  tokenPrefix: string,
  setup: SequenceSetup = {},
): Promise<SequenceRun> {
  if (setup.continueOn === undefined) await client.flushdb();
  const clock: SequenceClock = { baseMs: await serverNowMs(client), slotMs };
  const model = setup.continueOn ?? new CacheStore();
  const leases: LeaseBook = { model: [], server: [] };
  const revokesLeases = steps.some((s) => s.op === 'lease-get' || s.op === 'lease-set');
  const pairs: ReplyPair[] = [];
  let lagMsMax = 0;
  let tokens = 0;
  for (const slot of slotsOf(steps)) {
    const startMs = clock.baseMs + slot.index * slotMs;
    if (slot.index > 0) await untilServerTime(client, startMs);
    for (const batch of batchesOf(slot.steps)) {
      const commands = batch.map((step) => serverCommand(step, clock, leases, revokesLeases, `${tokenPrefix}-${tokens++}`));
      const { replies, endMs } = await sendPipeline(client, commands);
      lagMsMax = Math.max(lagMsMax, endMs - startMs);
      batch.forEach((step, i) => {
        const before = step.op === 'ttl' || comparesExpiries(step) ? model.execute({ op: 'pttl', key: step.key }, startMs).n! : undefined;
        const command = modelCommand(step, clock, leases);
        const result = model.execute(command, startMs);
        setup.afterCommand?.();
        const server = replies[i]!;
        if (step.op === 'lease-get') recordLease(leases, result, server);
        const pair: ReplyPair = { step, model: result, server, script: 'script' in commands[i]! };
        if (step.op === 'ttl') pair.modelPttlMs = before;
        else if (before !== undefined) pair.expiryTie = { beforeMs: before, requestedMs: requestedRemainingMs(command, startMs) };
        pairs.push(pair);
      });
    }
  }
  return { pairs, lagMsMax, slotMs };
}

/** EXPIRE GT/LT compare two expiry times: the only commands whose answer can hinge on the lag. */
function comparesExpiries(step: RedisCommandStep): step is Extract<RedisCommandStep, { op: 'expire' | 'pexpire' | 'pexpireat' }> {
  return (step.op === 'expire' || step.op === 'pexpire' || step.op === 'pexpireat') && (step.condition === 'gt' || step.condition === 'lt');
}

/** The remaining time an EXPIRE-family command asked for, at model time `nowMs`. */
function requestedRemainingMs(command: CacheCommand, nowMs: number): number {
  if (command.op === 'expire') return command.seconds * 1000;
  if (command.op === 'pexpire') return command.ms;
  if (command.op === 'pexpireat') return command.atMs - nowMs;
  throw new Error(`${command.op} asks for no expiry`);
}

/** Splits a sequence at its clock advances: each slot's commands run at one model time. */
function slotsOf(steps: readonly RedisStep[]): Slot[] {
  const slots: Slot[] = [{ index: 0, steps: [] }];
  for (const step of steps) {
    if (step.op === 'advance') slots.push({ index: slots.at(-1)!.index + step.slots, steps: [] });
    else slots.at(-1)!.steps.push(step);
  }
  return slots.filter((s) => s.steps.length > 0);
}

/** Cuts a slot where a lease-set follows a lease-get of the same batch: its token must be known first. */
function batchesOf(steps: readonly RedisCommandStep[]): RedisCommandStep[][] {
  const batches: RedisCommandStep[][] = [[]];
  for (const step of steps) {
    const current = batches.at(-1)!;
    if (step.op === 'lease-set' && current.some((s) => s.op === 'lease-get')) batches.push([step]);
    else current.push(step);
  }
  return batches;
}

async function sendPipeline(client: Redis, commands: readonly ServerCommand[]): Promise<{ replies: ServerReply[]; endMs: number }> {
  const pipeline = client.pipeline();
  for (const c of commands) {
    if ('script' in c) pipeline.eval(c.script, c.keys.length, ...c.keys, ...c.args);
    else pipeline.call(c.args[0]!, ...c.args.slice(1));
  }
  pipeline.time();
  const results = (await pipeline.exec()) ?? [];
  const replies = results.slice(0, commands.length).map(([error, value]): ServerReply => (error ? { error: error.message } : { value }));
  const [seconds, micros] = results.at(-1)![1] as [string, string];
  return { replies, endMs: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + 1 };
}

function recordLease(leases: LeaseBook, model: CacheResult, server: ServerReply): void {
  leases.model.push(model.token ?? null);
  const reply = 'value' in server && Array.isArray(server.value) ? server.value : [];
  leases.server.push(String(reply[0]) === '2' ? String(reply[1]) : null);
}

/** The replies of a run that disagree, as mismatches (judged within the run's measured lag). */
export function mismatchesOf(run: SequenceRun, area: string, steps: readonly RedisStep[], seed: number, index: number): Mismatch[] {
  const out: Mismatch[] = [];
  run.pairs.forEach((pair, step) => {
    const why = judgeReply(pair, run.lagMsMax);
    if (why === null) return;
    out.push({ area, seed, index, sequence: steps, step, command: pair.step, model: pair.model, server: pair.server, why });
  });
  return out;
}
