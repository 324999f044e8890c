import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TraceHasher } from '../../engine/index.ts';
import type { RunSummary, ServerFrame } from '../../wire/index.ts';
import { type ChildServer, health, postRun, startChildServer } from './server-fixtures.ts';

const SLOW_CLIENTS = 50;
const MEMORY_GROWTH_MAX = 128 * 1024 * 1024;

let server: ChildServer;
let run: RunSummary;

beforeAll(async () => {
  server = await startChildServer(['--expose-gc']);
  // About 70,000 events, some 9 MB of trace: far more than a paused socket can absorb.
  const answer = await postRun(server.url, { scenario: 'two-phase-commit', seed: 11, strategy: 'in-memory', params: { transfers: 2000, workloadMs: 60_000 } });
  run = answer.body.run as RunSummary;
});

afterAll(async () => {
  await server?.close();
});

/** A light client: counts events, hashes them only when asked, and can stop reading. */
class StreamReader {
  events = 0;
  done = false;
  private readonly hasher: TraceHasher | null;
  private finished: () => void = () => {};
  readonly finishedReading = new Promise<void>((resolve) => {
    this.finished = resolve;
  });

  constructor(
    readonly socket: WebSocket,
    hash: boolean,
  ) {
    this.hasher = hash ? new TraceHasher() : null;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      if (frame.type === 'events') {
        this.events += frame.events.length;
        if (this.hasher !== null) for (const e of frame.events) this.hasher.add(e);
      }
      if (frame.type === 'cursor' && frame.done) {
        this.done = true;
        this.finished();
      }
    });
  }

  static open(url: string, hash = false): Promise<StreamReader> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
      socket.once('open', () => resolve(new StreamReader(socket, hash)));
      socket.once('error', reject);
    });
  }

  /** Asks for the whole run at once: the server must send every event. */
  requestAll(id: string, endMs: number): void {
    this.socket.send(JSON.stringify({ type: 'open', runs: [id] }));
    this.socket.send(JSON.stringify({ type: 'seek', t: endMs }));
  }

  get hash(): string | null {
    return this.hasher?.digest() ?? null;
  }
}

const used = async (): Promise<number> => {
  const h = await health(server.url);
  return h.heapUsedBytes + h.externalBytes;
};

describe('slow stream clients', () => {
  it(`keep the server's memory bounded with ${SLOW_CLIENTS} of them stalled, and do not slow a fast one`, async () => {
    const before = await used();
    const slow = await Promise.all(Array.from({ length: SLOW_CLIENTS }, (_, i) => StreamReader.open(server.url, i < 2)));
    for (const c of slow) {
      c.socket.pause();
      c.requestAll(run.id!, run.simTimeMs);
    }
    await new Promise((r) => setTimeout(r, 1500));

    const stalled = await health(server.url);
    const grown = (await used()) - before;
    const fastStart = performance.now();
    const fast = await StreamReader.open(server.url, true);
    fast.requestAll(run.id!, run.simTimeMs);
    await fast.finishedReading;
    const fastMs = performance.now() - fastStart;

    expect(stalled.sessions).toBeGreaterThanOrEqual(SLOW_CLIENTS);
    expect(slow.every((c) => !c.done)).toBe(true);
    // Each session stops writing at its high-water mark (512 KiB) plus at most one batch.
    expect(stalled.streamsWaiting).toBe(SLOW_CLIENTS);
    expect(stalled.streamBufferedBytes).toBeLessThan(SLOW_CLIENTS * (512 + 128 + 64) * 1024);
    expect(grown).toBeLessThan(MEMORY_GROWTH_MAX);
    expect(fast.events).toBe(run.traceEvents);
    expect(fast.hash).toBe(run.traceHash);
    expect(fastMs).toBeLessThan(15_000);

    // Once they read again, stalled clients get the whole run, unchanged (three of them, to keep the test short).
    const resumed = slow.slice(0, 3);
    for (const c of resumed) c.socket.resume();
    await Promise.all(resumed.map((c) => c.finishedReading));
    expect(resumed.every((c) => c.events === run.traceEvents)).toBe(true);
    expect(slow[0]!.hash).toBe(run.traceHash);
    expect(slow[1]!.hash).toBe(run.traceHash);
    for (const c of [...slow, fast]) c.socket.terminate();
    await new Promise((r) => setTimeout(r, 300));
    expect((await used()) - before).toBeLessThan(MEMORY_GROWTH_MAX / 4);
  }, 120_000);
});
