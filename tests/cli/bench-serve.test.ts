import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliJson, ROOT } from './cli.ts';
import { runInProcess } from './in-process.ts';

describe('faultline bench', () => {
  it('reports check throughput on one and two workers (a short measurement; the figures live in the docs)', async () => {
    const { code, json } = await cliJson<{ check: { scenario: string; strategy: string; runsPerSec: Record<string, number> } }>([
      'bench',
      '--only',
      'check',
      '--check-runs',
      '200',
      '--repetitions',
      '1',
      '--json',
    ]);

    expect(code).toBe(0);
    expect(json.check).toMatchObject({ scenario: 'two-phase-commit', strategy: expect.any(String) });
    expect(json.check.runsPerSec['1']).toBeGreaterThan(0);
    expect(json.check.runsPerSec['2']).toBeGreaterThan(0);
  });

  it('refuses an --out it cannot write before measuring anything', async () => {
    const t0 = performance.now();

    const { code, stderr } = await runInProcess(['bench', '--only', 'check', '--out', '/no/such/folder/bench.json', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("cannot write the bench result (--out) to '/no/such/folder/bench.json'");
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe('faultline serve', () => {
  it.runIf(existsSync(path.join(ROOT, 'server/index.ts')))('listens on 127.0.0.1, prints its url as JSON, and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    const printed = await new Promise<{ url: string; port: number }>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        try {
          resolve(JSON.parse(out) as { url: string; port: number });
        } catch {
          // not the whole object yet
        }
      });
      exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${out}`)));
    });
    const { url } = printed;

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.port).toBeGreaterThan(0);
    expect(url).toBe(`http://127.0.0.1:${printed.port}`);
    const response = await fetch(`${url}/api/scenarios`);
    expect(response.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('faultline serve beyond this machine', () => {
  it('refuses a non-loopback address without --allow-remote, saying why', async () => {
    const { code, stderr } = await runInProcess(['serve', '--host', '0.0.0.0', '--port', '0', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain('--host 0.0.0.0: 0.0.0.0 is not a loopback address');
    expect(stderr).toContain('--allow-remote');
  });

  it('refuses a token too short to guard anything', async () => {
    const { code, stderr } = await runInProcess(['serve', '--allow-remote', '--token', 'short', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain('the access token must be 16 to 256 characters');
  });
});
