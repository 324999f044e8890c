import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../engine/index.ts';
import { MIXED_PLAN, pingPongHash } from './fixtures/ping-pong.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRINT_HASH = fileURLToPath(new URL('./fixtures/print-hash.ts', import.meta.url));
const HASH_WORKER = new URL('./fixtures/hash-worker.mjs', import.meta.url);
const SEED = 42;

/** The hash printed by a fresh Node process running the ping-pong system. */
async function hashInChildProcess(seed: number, plan: FaultPlan): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PRINT_HASH, String(seed), JSON.stringify(plan)], { cwd: ROOT });
  return stdout.trim();
}

/** The hash posted back by a worker thread running the ping-pong system. */
function hashInWorker(seed: number, plan: FaultPlan): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { workerData: { seed, plan } });
    worker.once('message', (hash: string) => {
      resolve(hash);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('Determinism', () => {
  it('gives the same trace hash for the same seed and plan twice in one process', () => {
    const first = pingPongHash(SEED, MIXED_PLAN);

    const second = pingPongHash(SEED, MIXED_PLAN);

    expect(second).toBe(first);
  });

  it('gives the same trace hash in two separate processes as in this one', async () => {
    const here = pingPongHash(SEED, MIXED_PLAN);

    const [first, second] = await Promise.all([hashInChildProcess(SEED, MIXED_PLAN), hashInChildProcess(SEED, MIXED_PLAN)]);

    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect([first, second]).toEqual([here, here]);
  });

  it('gives the same trace hash in a worker thread as in this thread', async () => {
    const here = pingPongHash(SEED, MIXED_PLAN);

    const inWorker = await hashInWorker(SEED, MIXED_PLAN);

    expect(inWorker).toBe(here);
  });

  it('gives the same trace hash for the same plan however its objects were built', () => {
    const canonical: FaultPlan = [
      { at: 100, kind: 'degrade', latency: { kind: 'exponential', meanMs: 3, minMs: 0 }, lossRate: 0.2 },
      { at: 200, kind: 'partition', groups: [['n0', 'n1']], oneWay: true },
    ];
    const reordered = [
      { lossRate: 0.2, latency: { meanMs: 3, kind: 'exponential' }, kind: 'degrade', at: 100 },
      { oneWay: true, groups: [['n0', 'n1']], kind: 'partition', at: 200 },
    ] as FaultPlan;

    const hash = pingPongHash(SEED, reordered);

    expect(hash).toBe(pingPongHash(SEED, canonical));
  });

  it('gives different trace hashes for different seeds', () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    const hashes = seeds.map((seed) => pingPongHash(seed, MIXED_PLAN));

    expect(new Set(hashes).size).toBe(seeds.length);
  });

  it('gives different trace hashes for different fault plans', () => {
    const quiet = pingPongHash(SEED, []);

    const faulty = pingPongHash(SEED, MIXED_PLAN);

    expect(faulty).not.toBe(quiet);
  });
});
