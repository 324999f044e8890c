/**
 * Streaming a run while it computes: `POST /api/runs` with `Prefer: respond-async` answers
 * 202 with the run's preview before the run is done; a session opened on it gets a preview
 * frame, the events computed so far before the summary exists (with progress frames, the
 * playhead never past the last event computed), then `ready` with the summary — whose trace
 * hash is the one the CLI's run task computes, and which every streamed event re-hashes to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEvents, type TraceEvent } from '../../engine/index.ts';
import { type RunningServer, startServer } from '../../server/index.ts';
import {
  type CursorFrame,
  type EventsFrame,
  executeRun,
  type PreviewFrame,
  type ProgressFrame,
  type ReadyFrame,
  type RunPreview,
  type ServerFrame,
  validateRun,
} from '../../wire/index.ts';
import { FrameClient } from './server-fixtures.ts';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false });
});

afterAll(async () => {
  await server.close();
});

async function postAsync(body: unknown): Promise<{ status: number; body: Record<string, unknown>; applied: string | null }> {
  const res = await fetch(`${server.url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', prefer: 'respond-async' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, applied: res.headers.get('preference-applied') };
}

const events = (frames: ServerFrame[]): TraceEvent[] => frames.filter((f): f is EventsFrame => f.type === 'events').flatMap((f) => f.events);
const indexOf = (frames: ServerFrame[], type: ServerFrame['type']): number => frames.findIndex((f) => f.type === type);

describe('a run streamed while it computes', () => {
  // About 90,000 trace events: past the light lane's budget, so the run is also moved to the heavy lane and computed again.
  const request = { scenario: 'cache-strategies', strategy: 'lease', seed: 5, params: { requestsPerSec: 6_000, workloadMs: 1_500 } };

  it('answers 202 with the preview at once, streams events before the summary exists, and ends with the summary the CLI computes', async () => {
    const t0 = performance.now();
    const posted = await postAsync(request);
    const answeredMs = performance.now() - t0;

    expect(posted.status).toBe(202);
    expect(posted.applied).toBe('respond-async');
    const preview = posted.body.run as RunPreview;
    expect(preview).toMatchObject({ id: expect.any(String), scenario: 'cache-strategies', strategy: 'lease', seed: 5, endMs: expect.any(Number) });
    expect(preview.topology.length).toBeGreaterThan(0);

    const client = await FrameClient.open(server.url);
    client.send({ type: 'open', runs: [preview.id] });
    client.send({ type: 'speed', simMsPerSec: 10_000_000 });
    client.send({ type: 'play' });
    await client.until(
      (f) => f.some((x) => x.type === 'ready') && (f.filter((x) => x.type === 'cursor').at(-1) as CursorFrame | undefined)?.done === true,
      60_000,
    );

    const frames = client.frames;
    expect(frames[0]!.type).toBe('preview');
    expect((frames[0] as PreviewFrame).runs[0]).toEqual(preview);
    const ready = frames[indexOf(frames, 'ready')] as ReadyFrame;
    // Events and progress arrived before the summary did.
    expect(indexOf(frames, 'events')).toBeLessThan(indexOf(frames, 'ready'));
    const progress = frames.filter((f): f is ProgressFrame => f.type === 'progress');
    expect(progress.some((p) => p.events > 0 && !p.done)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: true, events: ready.runs[0]!.traceEvents });
    // The playhead never ran ahead of what was computed.
    let computedMs = 0;
    for (const f of frames) {
      if (f.type === 'progress') computedMs = f.done ? Number.POSITIVE_INFINITY : f.tMs;
      if (f.type === 'cursor' && f.t > computedMs) throw new Error(`cursor at ${f.t} ms while only ${computedMs} ms were computed`);
      if (f.type === 'ready') computedMs = Number.POSITIVE_INFINITY;
    }

    const cli = executeRun({ ...validateRun(request), traceEventsMax: 2_000_000 }).summary;
    expect(ready.runs[0]!.traceHash).toBe(cli.traceHash);
    const got = events(frames);
    expect(got.length).toBe(cli.traceEvents);
    expect(hashEvents(got)).toBe(cli.traceHash);
    expect(answeredMs).toBeLessThan(5_000);
    client.close();
  }, 90_000);

  it('plays a run that finished before its session opened as a stored run (ready, no preview)', async () => {
    const posted = await postAsync({ scenario: 'two-phase-commit', seed: 2 });
    const id = (posted.body.run as RunPreview).id!;
    await expect.poll(async () => (await fetch(`${server.url}/api/runs/${id}`)).status, { timeout: 30_000 }).toBe(200);

    const client = await FrameClient.open(server.url);
    client.send({ type: 'open', runs: [id] });
    await client.until((f) => f.length > 0);

    expect(client.frames[0]!.type).toBe('ready');
    client.close();
  }, 60_000);

  it('refuses a bad request with 400 as before, whatever it prefers', async () => {
    const posted = await postAsync({ scenario: 'two-phase-commit', params: { participants: 99 } });

    expect(posted.status).toBe(400);
    expect(posted.body.field).toBe('params');
  });

  it('ends a session with an error frame when the run overruns the server bound, keeping what it streamed', async () => {
    const small = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, limits: { traceEventsMax: 20_000 } });
    try {
      const res = await fetch(`${small.url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify(request),
      });
      const preview = (await res.json()).run as RunPreview;
      const client = await FrameClient.open(small.url);
      client.send({ type: 'open', runs: [preview.id] });
      client.send({ type: 'seek', t: preview.endMs });
      await client.until((f) => f.some((x) => x.type === 'error'), 30_000);

      expect(client.errors()[0]).toContain('more than 20,000 trace events');
      client.close();
    } finally {
      await small.close();
    }
  }, 60_000);
});
