/**
 * Who may talk to the server: only loopback names (and the --host given) in Host, on every
 * route and on the stream's upgrade (DNS rebinding); a browser's Origin checked against that
 * list and the server's port, not against the request's own Host; beyond loopback, only with
 * allowRemote and a token on every request, which a browser keeps in a cookie.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy, isLoopbackHost } from '../../server/access-policy.ts';
import { type RunningServer, startServer } from '../../server/index.ts';
import { FrameClient } from './server-fixtures.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request to 127.0.0.1:port with whatever headers (fetch does not let a test set Host). */
function request(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const RUN = JSON.stringify({ scenario: 'two-phase-commit', seed: 1 });
const JSON_TYPE = { 'content-type': 'application/json' };

let local: RunningServer;
let remote: RunningServer;
const TOKEN = 'test-token-0123456789abcdef';

beforeAll(async () => {
  local = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false });
  remote = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, access: { allowRemote: true, token: TOKEN } });
});

afterAll(async () => {
  await local.close();
  await remote.close();
});

describe('the Host allow-list', () => {
  it('refuses a foreign Host on every route with 403, even with a matching Origin', async () => {
    const evil = `evil.example:${local.port}`;
    const answers = await Promise.all([
      request(local.port, '/api/scenarios', { headers: { host: evil } }),
      request(local.port, '/', { headers: { host: evil } }),
      request(local.port, '/api/runs', { method: 'POST', headers: { host: evil, origin: `http://${evil}`, ...JSON_TYPE }, body: RUN }),
    ]);

    expect(answers.map((a) => a.status)).toEqual([403, 403, 403]);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ error: 'host-not-allowed' });
  });

  it('accepts localhost, 127.0.0.1 and [::1]', async () => {
    for (const host of [`localhost:${local.port}`, `127.0.0.1:${local.port}`, `[::1]:${local.port}`, 'localhost']) {
      expect((await request(local.port, '/api/scenarios', { headers: { host } })).status, host).toBe(200);
    }
  });

  it('refuses the stream upgrade with a foreign Host, and with a foreign Origin', async () => {
    await expect(FrameClient.open(local.url, { host: `evil.example:${local.port}`, origin: `http://evil.example:${local.port}` })).rejects.toThrow(/403/);
    await expect(FrameClient.open(local.url, { origin: `http://evil.example:${local.port}` })).rejects.toThrow(/403/);
    const own = await FrameClient.open(local.url, { origin: `http://localhost:${local.port}` });
    own.close();
  });

  it("refuses a browser's POST from a foreign Origin, or from another port of this machine", async () => {
    const foreign = await request(local.port, '/api/runs', { method: 'POST', headers: { origin: 'http://evil.example', ...JSON_TYPE }, body: RUN });
    const otherPort = await request(local.port, '/api/runs', {
      method: 'POST',
      headers: { origin: `http://127.0.0.1:${local.port + 1}`, ...JSON_TYPE },
      body: RUN,
    });

    expect(foreign.status).toBe(403);
    expect(otherPort.status).toBe(403);
  });
});

describe('a server reachable beyond loopback', () => {
  it('refuses to listen on a non-loopback address without allowRemote and a token', async () => {
    await expect(startServer({ host: '0.0.0.0', port: 0, buildIfMissing: false })).rejects.toThrow(/not a loopback address/);
    await expect(startServer({ host: '0.0.0.0', port: 0, buildIfMissing: false, access: { allowRemote: true } })).rejects.toThrow(/token/);
  });

  it('answers 401 without the token, and serves with it as a bearer header', async () => {
    const without = await request(remote.port, '/api/scenarios');
    const wrong = await request(remote.port, '/api/scenarios', { headers: { authorization: 'Bearer wrong-token-0123456789' } });
    const right = await request(remote.port, '/api/scenarios', { headers: { authorization: `Bearer ${TOKEN}` } });

    expect(without.status).toBe(401);
    expect(JSON.parse(without.body)).toMatchObject({ error: 'token-required' });
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
  });

  it('turns /?token= into a cookie the page and its stream then carry', async () => {
    const visit = await request(remote.port, `/?token=${TOKEN}`);
    const cookie = String(visit.headers['set-cookie']).split(';')[0]!;

    expect(visit.status).toBe(303);
    expect(visit.headers.location).toBe('/');
    expect(String(visit.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await request(remote.port, '/api/scenarios', { headers: { cookie } })).status).toBe(200);
    await expect(FrameClient.open(remote.url)).rejects.toThrow(/401/);
    const stream = await FrameClient.open(remote.url, { cookie });
    stream.close();
  });

  it('accepts IP literals in Host, but still no foreign name', async () => {
    const ip = await request(remote.port, '/api/scenarios', { headers: { host: `192.0.2.7:${remote.port}`, authorization: `Bearer ${TOKEN}` } });
    const name = await request(remote.port, '/api/scenarios', { headers: { host: `evil.example:${remote.port}`, authorization: `Bearer ${TOKEN}` } });

    expect(ip.status).toBe(200);
    expect(name.status).toBe(403);
  });
});

describe('AccessPolicy', () => {
  it('knows loopback addresses and names', () => {
    expect(['localhost', '127.0.0.1', '127.0.0.9', '::1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.2', 'example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('adds the --host it was given to the names it answers to', () => {
    const policy = new AccessPolicy({ bindHost: 'devbox.local' });

    expect(policy.hostAllowed('devbox.local:8080')).toBe(true);
    expect(policy.hostAllowed('other.local:8080')).toBe(false);
    expect(policy.hostAllowed('localhost:8080@evil.example')).toBe(false);
  });
});
