/**
 * Strict boundaries of the server: prototype keys refused in bodies and frames wherever they
 * are; a fault past the run's horizon (or a duration longer than it) refused at once, naming
 * the fault and the horizon, before anything is queued; and error messages that list the
 * first few issues and count the rest, however many the input has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server/index.ts';
import { FrameClient } from './server-fixtures.ts';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false });
});

afterAll(async () => {
  await server.close();
});

async function post(text: string): Promise<{ status: number; body: { error?: string; field?: string; message: string }; bytes: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const raw = await res.text();
  return { status: res.status, body: JSON.parse(raw), bytes: raw.length, ms: performance.now() - t0 };
}

describe('prototype keys', () => {
  it.each([
    ['params.__proto__', '{"scenario":"two-phase-commit","seed":1,"params":{"__proto__":{"x":1}}}'],
    ['a fault with a constructor key', '{"scenario":"two-phase-commit","seed":1,"faults":[{"at":1,"kind":"heal","constructor":{}}]}'],
    ['prototype at the top', '{"scenario":"two-phase-commit","seed":1,"prototype":1}'],
  ])('are refused with 400 naming where: %s', async (_what, text) => {
    const { status, body } = await post(text);

    expect(status).toBe(400);
    expect(body.message).toMatch(/the key '(__proto__|constructor|prototype)' is not allowed/);
  });

  it('are refused in a stream frame, and the socket stays open', async () => {
    const client = await FrameClient.open(server.url);
    client.send('{"type":"play","__proto__":{"polluted":true}}');
    client.send('{"type":"pause"}');

    await client.until((frames) => frames.filter((f) => f.type === 'error').length >= 2);

    expect(client.errors()[0]).toContain("the key '__proto__' is not allowed");
    expect(client.errors()[1]).toContain('open a run first');
    client.close();
  });
});

describe("the run's horizon", () => {
  it('refuses a fault far past it at once, naming the fault and the horizon', async () => {
    const { status, body, ms } = await post('{"scenario":"two-phase-commit","seed":1,"faults":[{"at":1e300,"kind":"heal"}]}');

    expect(status).toBe(400);
    expect(body.field).toBe('faults[0]');
    expect(body.message).toContain('faults[0] (heal at 1.000e+300 ms)');
    expect(body.message).toMatch(/lasts [\d,]+ ms/);
    expect(ms).toBeLessThan(2_000);
  });

  it('refuses a latency longer than the run', async () => {
    const { status, body } = await post(
      '{"scenario":"two-phase-commit","seed":1,"faults":[{"at":10,"kind":"degrade","latency":{"kind":"constant","ms":1e12}}]}',
    );

    expect(status).toBe(400);
    expect(body.field).toBe('faults[0].latency.ms');
  });
});

describe('error listings', () => {
  it('show the first five issues and count the rest for 10,000 bad faults', async () => {
    const faults = Array.from({ length: 10_000 }, () => ({ at: -1, kind: 'nope' }));

    const { status, body, bytes } = await post(JSON.stringify({ scenario: 'two-phase-commit', seed: 1, faults }));

    expect(status).toBe(400);
    expect(bytes).toBeLessThan(4_000);
    expect(body.message).toMatch(/… and [\d,]+ more issues not shown/);
  });
});
