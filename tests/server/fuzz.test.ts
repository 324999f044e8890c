import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, hashEvents, type TraceEvent } from '../../engine/index.ts';
import type { EventsFrame, RunSummary } from '../../wire/index.ts';
import { type ChildServer, FrameClient, health, postRun, startChildServer } from './server-fixtures.ts';

const API_INPUTS = 2_000;
const WS_INPUTS = 8_000;
const HEAP_GROWTH_MAX = 96 * 1024 * 1024;

let server: ChildServer;
let run: RunSummary;
let baseline = 0;

const memory = async (): Promise<number> => {
  const h = await health(server.url);
  return h.heapUsedBytes + h.externalBytes;
};

beforeAll(async () => {
  server = await startChildServer(['--expose-gc']);
  run = (await postRun(server.url, { scenario: 'two-phase-commit', seed: 5, strategy: 'in-memory' })).body.run as RunSummary;
  baseline = await memory();
});

afterAll(async () => {
  await server?.close();
});

// ------------------------------------------------------------------ hostile HTTP requests

const nodes = ['client', 'coordinator', 'p1', 'p2', 'p3'];
const nearFault = fc.record(
  {
    at: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.double(), fc.string()),
    kind: fc.constantFrom(...FAULT_KINDS, 'explode', ''),
    node: fc.oneof(fc.constantFrom(...nodes), fc.string()),
    when: fc.constantFrom('prepare-sent', 'commit-sent', 'NOT A POINT'),
  },
  { requiredKeys: ['at', 'kind'] },
);
const runBody = fc.record(
  {
    scenario: fc.oneof(fc.constant('two-phase-commit'), fc.string(), fc.anything()),
    strategy: fc.oneof(fc.constantFrom('in-memory', 'durable-log', 'paxos'), fc.anything()),
    seed: fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.double(), fc.string(), fc.anything()),
    params: fc.oneof(fc.dictionary(fc.string(), fc.anything()), fc.record({ participants: fc.integer({ min: -1, max: 20 }) }), fc.anything()),
    faults: fc.oneof(fc.array(nearFault, { maxLength: 4 }), fc.anything()),
    preset: fc.oneof(fc.constantFrom('partition', 'coordinator-crash-after-prepare', 'nope'), fc.anything()),
    __proto__: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  { weight: 4, arbitrary: runBody.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.json() },
  { weight: 2, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":1},"scenario":"two-phase-commit","strategy":{}}',
      '{"constructor":{"prototype":{"x":1}}}',
      'null',
      '',
      '{"scenario":"two-phase-commit","params":{"__proto__":{"participants":99}}}',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 20 }).map((n) => (n === 0 ? `{"scenario":"${'x'.repeat(300_000)}"}` : `{"scenario":"${'y'.repeat(n * 100)}"}`)),
  },
);
const request = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      method: fc.constant('POST'),
      path: fc.constant('/api/runs'),
      type: fc.constantFrom(
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/json; charset=klingon',
      ),
      body,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH'),
      path: fc.oneof(
        fc.string({ maxLength: 40 }).map((s) => `/api/runs/${encodeURIComponent(s)}`),
        fc.string({ maxLength: 40 }).map((s) => `/api/scenarios/${encodeURIComponent(s)}`),
        fc.string({ maxLength: 40 }).map((s) => `/api/${encodeURIComponent(s)}`),
      ),
      type: fc.constant('application/json'),
      body: fc.constant(''),
    }),
  },
);

// ------------------------------------------------------------------ hostile ws frames

const frame = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 2, arbitrary: fc.json() },
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          type: fc.constantFrom('open', 'play', 'pause', 'step', 'speed', 'seek', 'rewind', '', 'constructor', '__proto__'),
          runs: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.anything()),
          t: fc.oneof(fc.double(), fc.integer(), fc.string(), fc.anything()),
          simMsPerSec: fc.oneof(fc.double(), fc.integer(), fc.anything()),
        },
        { requiredKeys: ['type'] },
      )
      .map((f) => JSON.stringify(f)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
);

describe('fuzzing the server with hostile input', () => {
  it(`answers ${API_INPUTS.toLocaleString('en-US')} malformed or hostile API requests with a 4xx JSON error, never a 5xx`, async () => {
    let valid = 0;
    let sent = 0;
    const one = async (r: typeof request extends fc.Arbitrary<infer T> ? T : never): Promise<void> => {
      const res = await fetch(`${server.url}${r.path}`, {
        method: r.method,
        headers: { 'content-type': r.type },
        body: r.method === 'GET' ? undefined : r.body,
      });
      const text = await res.text();
      sent++;
      if (res.status === 201 || (r.method === 'GET' && res.status === 200)) {
        valid++;
        return;
      }
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const json = JSON.parse(text) as { message?: unknown };
      expect(typeof json.message).toBe('string');
    };
    // Ten requests at a time, as a browser or a script might send them.
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 10, maxLength: 10 }), async (batch) => {
        await Promise.all(batch.map(one));
      }),
      { numRuns: API_INPUTS / 10, seed: 20_260_101 },
    );
    expect(sent).toBe(API_INPUTS);
    expect(valid).toBeLessThan(API_INPUTS / 10);
  }, 180_000);

  it(`answers ${WS_INPUTS.toLocaleString('en-US')} malformed or hostile ws frames with error frames and keeps streaming`, async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => FrameClient.open(server.url)));
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 50, maxLength: 50 }), async (frames) => {
        const client = clients[sent % clients.length]!;
        for (const f of frames) client.socket.send(f, { binary: typeof f !== 'string' });
        sent += frames.length;
        // A round trip per batch: the socket still answers in order.
        const marker = `sync-${sent}`;
        client.send({ type: marker });
        await client.until((fs) => fs.some((x) => x.type === 'error' && x.message.includes(marker)));
      }),
      { numRuns: WS_INPUTS / 50, seed: 20_260_102 },
    );
    expect(sent).toBe(WS_INPUTS);
    for (const c of clients) {
      expect(c.socket.readyState).toBe(c.socket.OPEN);
      c.close();
    }
  }, 180_000);

  it('closes a socket that sends a frame over the size limit, and keeps serving others', async () => {
    const big = await FrameClient.open(server.url);
    const closed = new Promise<number>((resolve) => big.socket.once('close', (code) => resolve(code)));

    big.send(JSON.stringify({ type: 'seek', t: 1, pad: 'x'.repeat(64 * 1024) }));

    expect(await closed).toBe(1009);
  });

  it('still streams a whole run correctly afterwards, with memory back near where it started', async () => {
    const client = await FrameClient.open(server.url);
    client.send({ type: 'open', runs: [run.id] });
    client.send({ type: 'seek', t: run.simTimeMs });
    await client.until((f) => f.some((x) => x.type === 'cursor' && x.done));
    const events = client.frames.filter((f): f is EventsFrame => f.type === 'events').flatMap((f) => f.events as TraceEvent[]);
    client.close();

    const h = await health(server.url);
    const grown = (await memory()) - baseline;
    expect(hashEvents(events)).toBe(run.traceHash);
    expect(h.ok).toBe(true);
    expect(h.runs).toBeLessThanOrEqual(64);
    expect(grown).toBeLessThan(HEAP_GROWTH_MAX);
  });
});
