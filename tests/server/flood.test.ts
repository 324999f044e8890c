/**
 * Fairness under a flood: eight loopback addresses (127.0.0.2-9, one local process can hold
 * them all) post heavy runs while a well-behaved client on 127.0.0.1 posts a small one. The
 * small run is served promptly — on the light lane, ahead of the flood — and the flood gets
 * quick 503s with Retry-After once the queue is full, never a silent wait.
 *
 * The server's limits are scaled down (100,000 trace events a run, a 5,000-event light lane)
 * so a heavy run takes about a second, not twelve; the shape of the flood is the probe's.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server/index.ts';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  ms: number;
  doneAtMs: number;
}

let server: RunningServer;
let epochMs = 0;

beforeAll(async () => {
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    buildIfMissing: false,
    threads: 2,
    limits: { traceEventsMax: 100_000 },
    admission: { lightEventsMax: 5_000, costMax: 600_000 },
  });
});

afterAll(async () => {
  await server.close();
});

function post(body: unknown, localAddress?: string): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path: '/api/runs', method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], ms: performance.now() - t0, doneAtMs: performance.now() - epochMs }),
        );
      },
    );
    req.on('error', () => resolve({ status: 0, retryAfter: undefined, ms: performance.now() - t0, doneAtMs: performance.now() - epochMs }));
    req.end(JSON.stringify(body));
  });
}

const HEAVY = { scenario: 'two-phase-commit', strategy: 'durable-log', params: { transfers: 2000, workloadMs: 60_000 } };
const SMALL = { scenario: 'two-phase-commit', strategy: 'durable-log', seed: 1 };

describe('a flood from eight loopback addresses', () => {
  it('serves a small run from another client promptly, and answers the flood at once when full', async () => {
    epochMs = performance.now();
    const flood: Promise<Answer>[] = [];
    for (let a = 2; a <= 9; a++) for (let k = 0; k < 4; k++) flood.push(post({ ...HEAVY, seed: a * 10 + k }, `127.0.0.${a}`));
    await new Promise((r) => setTimeout(r, 500));

    const small = await post(SMALL, '127.0.0.1');
    const answers = await Promise.all(flood);

    const last = Math.max(...answers.map((a) => a.doneAtMs));
    const refused = answers.filter((a) => a.status === 503);
    console.log(
      `flood: small run ${small.status} in ${Math.round(small.ms)} ms; flood drained at ${Math.round(last)} ms; ` +
        `${answers.filter((a) => a.status !== 503).length} runs, ${refused.length} refused with 503 after at most ${Math.round(Math.max(0, ...refused.map((a) => a.ms)))} ms`,
    );
    expect(small.status).toBe(201);
    // Prompt: well before the flood is through (absolute times vary with the machine's load).
    expect(small.ms).toBeLessThan(Math.min(20_000, last / 2));
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => [201, 422, 503].includes(a.status))).toBe(true);
  }, 180_000);
});
