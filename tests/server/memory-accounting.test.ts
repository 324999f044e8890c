/**
 * Memory is accounted for: runs a stream session plays are held in the store and counted in
 * its bytes; the store drops unheld runs first, and when it must drop a held one, the session
 * playing it is told why and closed. A socket's error frames get the same budget as its
 * events: a page that sends bad frames and reads nothing is closed, not buffered for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server/index.ts';
import { RunStore, type StoredRun } from '../../server/run-store.ts';
import { CLOSE_RUN_EVICTED } from '../../server/ws-endpoint.ts';
import type { RunOutput } from '../../wire/index.ts';
import { FrameClient, postRun } from './server-fixtures.ts';

function output(chars: number): RunOutput {
  return { summary: {} as RunOutput['summary'], json: 'x'.repeat(chars), offsets: new Float64Array(2), times: new Float64Array(1) };
}

describe('RunStore', () => {
  it('counts held runs, drops unheld ones first, and tells who holds a run it must drop', () => {
    const store = new RunStore({ runsMax: 2 });
    const evicted: string[] = [];
    store.onEvict((run) => evicted.push(run.id));
    const a = store.add('a', output(10));
    store.hold(a);
    store.add('b', output(10));

    store.add('c', output(10));
    expect(store.get('a')).toBeDefined();
    expect(store.get('b')).toBeUndefined();
    expect(evicted).toEqual([]);

    const c = store.get('c') as StoredRun;
    store.hold(c);
    store.add('d', output(10));

    expect(evicted).toEqual(['a']);
    expect(store.size).toBe(2);
    expect(store.totalBytes).toBe(2 * (20 + 16 + 8));
  });

  it('lets a released run be dropped like any other', () => {
    const store = new RunStore({ runsMax: 1 });
    const evicted: string[] = [];
    store.onEvict((run) => evicted.push(run.id));
    const release = store.hold(store.add('a', output(10)));
    release();

    store.add('b', output(10));

    expect(store.get('a')).toBeUndefined();
    expect(evicted).toEqual([]);
  });
});

describe('stream sessions and memory', () => {
  let server: RunningServer;
  let tiny: RunningServer;

  beforeAll(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, store: { runsMax: 1 } });
    tiny = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, stream: { highWaterBytes: 2048, batchBytes: 1024 } });
  });

  afterAll(async () => {
    await server.close();
    await tiny.close();
  });

  it('closes a session whose run had to be dropped, saying why', async () => {
    const first = await postRun(server.url, { scenario: 'two-phase-commit', seed: 1 });
    const client = await FrameClient.open(server.url);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    client.send({ type: 'open', runs: [(first.body.run as { id: string }).id] });
    await client.until((frames) => frames.some((f) => f.type === 'ready'));

    await postRun(server.url, { scenario: 'two-phase-commit', seed: 2 });
    await postRun(server.url, { scenario: 'two-phase-commit', seed: 3 });

    const { code, reason } = await closed;
    expect(code).toBe(CLOSE_RUN_EVICTED);
    expect(reason).toContain('start it again');
    expect(client.errors().at(-1)).toMatch(/dropped from the server's memory/);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { runs: number; runsHeld: number };
    expect(health.runs).toBe(1);
    expect(health.runsHeld).toBe(0);
  });

  it('closes a socket that lets error frames pile up past its session bound (1008)', async () => {
    const client = await FrameClient.open(tiny.url);
    let code: number | null = null;
    const closed = new Promise<number>((resolve) => client.socket.once('close', (c) => resolve((code = c))));
    client.socket.pause();

    // Enough error frames to fill the kernel's socket buffers, then the server's small budget.
    for (let batch = 0; batch < 100 && code === null; batch++) {
      for (let i = 0; i < 2_000; i++) client.send(`{"type":"bogus-${'x'.repeat(60)}-${i}"}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    client.socket.resume();

    expect(await closed).toBe(1008);
  });
});
