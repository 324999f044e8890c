import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashEvents, type TraceEvent } from '../../engine/index.ts';
import { type RunningServer, startServer } from '../../server/index.ts';
import type { CursorFrame, EventsFrame, ReadyFrame, RunSummary, ServerFrame } from '../../wire/index.ts';
import { FrameClient, postRun } from './server-fixtures.ts';

let server: RunningServer;
let inMemory: RunSummary;
let durable: RunSummary;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false });
  const base = { scenario: 'two-phase-commit', seed: 3, preset: 'coordinator-crash-after-prepare' };
  inMemory = (await postRun(server.url, { ...base, strategy: 'in-memory' })).body.run as RunSummary;
  durable = (await postRun(server.url, { ...base, strategy: 'durable-log' })).body.run as RunSummary;
});

afterAll(async () => {
  await server.close();
});

const events = (frames: ServerFrame[], run = 0): TraceEvent[] =>
  frames.filter((f): f is EventsFrame => f.type === 'events' && f.run === run).flatMap((f) => f.events);
const cursors = (frames: ServerFrame[]): CursorFrame[] => frames.filter((f): f is CursorFrame => f.type === 'cursor');
const lastCursor = (frames: ServerFrame[]): CursorFrame | undefined => cursors(frames).at(-1);

describe('the /ws stream', () => {
  it('answers open with the run summary, then streams every event up to a seek, in order', async () => {
    const client = await FrameClient.open(server.url);

    client.send({ type: 'open', runs: [inMemory.id] });
    client.send({ type: 'seek', t: inMemory.simTimeMs });
    await client.until((f) => lastCursor(f)?.done === true);

    const ready = client.frames[0] as ReadyFrame;
    expect(ready.type).toBe('ready');
    expect(ready.runs[0]!.traceHash).toBe(inMemory.traceHash);
    const got = events(client.frames);
    expect(got.length).toBe(inMemory.traceEvents);
    expect(hashEvents(got)).toBe(inMemory.traceHash);
    client.close();
  });

  it('sends nothing later than the playhead', async () => {
    const client = await FrameClient.open(server.url);

    client.send({ type: 'open', runs: [inMemory.id] });
    client.send({ type: 'seek', t: 250 });
    await client.until((f) => lastCursor(f)?.t === 250);

    const got = events(client.frames);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((e) => e.t <= 250)).toBe(true);
    client.close();
  });

  it('steps to the time of the next event, paused', async () => {
    const client = await FrameClient.open(server.url);
    client.send({ type: 'open', runs: [inMemory.id] });
    client.send({ type: 'seek', t: 100 });
    await client.until((f) => lastCursor(f)?.t === 100);
    const before = events(client.frames).length;

    client.send({ type: 'step' });
    await client.until((f) => (lastCursor(f)?.t ?? 0) > 100);

    const after = events(client.frames);
    const cursor = lastCursor(client.frames)!;
    expect(cursor.playing).toBe(false);
    expect(after.length).toBeGreaterThan(before);
    expect(after.at(-1)!.t).toBe(cursor.t);
    expect(after.slice(before).every((e) => e.t === cursor.t)).toBe(true);
    client.close();
  });

  it('plays at the chosen speed and pauses', async () => {
    const client = await FrameClient.open(server.url);
    client.send({ type: 'open', runs: [inMemory.id] });

    client.send({ type: 'speed', simMsPerSec: 1000 });
    client.send({ type: 'play' });
    await client.until((f) => (lastCursor(f)?.t ?? 0) > 200);
    client.send({ type: 'pause' });
    await client.until((f) => lastCursor(f)?.playing === false);
    const paused = lastCursor(client.frames)!;
    await new Promise((r) => setTimeout(r, 200));

    expect(paused.simMsPerSec).toBe(1000);
    expect(lastCursor(client.frames)!.t).toBe(paused.t);
    expect(paused.t).toBeLessThan(1500);
    client.close();
  });

  it('plays two runs on one playhead and reports where they first diverge', async () => {
    const client = await FrameClient.open(server.url);

    client.send({ type: 'open', runs: [inMemory.id, durable.id] });
    client.send({ type: 'seek', t: Math.max(inMemory.simTimeMs, durable.simTimeMs) });
    await client.until((f) => lastCursor(f)?.done === true);

    const ready = client.frames[0] as ReadyFrame;
    const a = events(client.frames, 0);
    const b = events(client.frames, 1);
    expect(hashEvents(a)).toBe(inMemory.traceHash);
    expect(hashEvents(b)).toBe(durable.traceHash);
    const d = ready.divergence!;
    expect(JSON.stringify(a[d.index])).not.toBe(JSON.stringify(b[d.index]));
    expect(a.slice(0, d.index).map((e) => JSON.stringify(e))).toEqual(b.slice(0, d.index).map((e) => JSON.stringify(e)));
    client.close();
  });

  it.each([
    ['not JSON', '{"type":', 'not valid JSON'],
    ['an unknown frame type', { type: 'rewind' }, 'unknown frame type "rewind"; frame types are: open, play, pause, step, speed, seek'],
    ['a frame without a type', { t: 5 }, 'needs a "type"'],
    ['a negative seek', { type: 'seek', t: -1 }, "bad 'seek' frame: t"],
    ['a speed of zero', { type: 'speed', simMsPerSec: 0 }, "bad 'speed' frame: simMsPerSec"],
    ['an extra field', { type: 'play', loud: true }, "unknown field 'loud'"],
    ['a control before open', { type: 'play' }, 'open a run first'],
    ['an unknown run', { type: 'open', runs: ['no-such-run'] }, "unknown run 'no-such-run'"],
    ['three runs at once', { type: 'open', runs: ['a', 'b', 'c'] }, 'runs'],
  ])('answers %s with an error frame and stays open', async (_name, frame, message) => {
    const client = await FrameClient.open(server.url);

    client.send(frame);
    await client.until((f) => f.some((x) => x.type === 'error'));
    client.send({ type: 'open', runs: [inMemory.id] });
    await client.until((f) => f.some((x) => x.type === 'ready'));

    expect(client.errors()[0]).toContain(message);
    client.close();
  });

  it('answers a binary frame with an error frame', async () => {
    const client = await FrameClient.open(server.url);

    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.until((f) => f.length > 0);

    expect(client.errors()[0]).toContain('JSON text');
    client.close();
  });

  it('refuses a browser page from another origin', async () => {
    await expect(FrameClient.open(server.url, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('refuses upgrades on any other path', async () => {
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/elsewhere`);
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => resolve(101));
      socket.once('error', () => resolve(-1));
    });

    expect(status).toBe(404);
  });
});
