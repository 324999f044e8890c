import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliJson, ROOT } from './cli.ts';

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
});

describe('faultline serve', () => {
  it.runIf(existsSync(path.join(ROOT, 'server/index.ts')))('listens on 127.0.0.1, prints its url as JSON, and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        try {
          resolve((JSON.parse(out) as { url: string }).url);
        } catch {
          // not the whole object yet
        }
      });
      exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${out}`)));
    });

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/api/scenarios`);
    expect(response.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
