/**
 * `faultline serve --scenarios PATH --watch`: the user's modules are served beside the
 * built-ins, run on the pool's threads with the trace hash `faultline run` gives, and an edit
 * is loaded again and announced on /api/events (a module that breaks keeps its last version).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliJson, ROOT } from '../cli/cli.ts';

const dir = path.join(ROOT, 'scratch', `serve-own-${process.pid}`);
const file = path.join(dir, 'lease-lock.ts');
let url = '';
let stop: () => void = () => {};
/** What serve told the person at its terminal (stderr). */
let said = '';

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(ROOT, 'examples/lease-lock/lease-lock.ts'), file);
  const child = spawn(process.execPath, ['bin/faultline.mjs', 'serve', '--port', '0', '--json', '--scenarios', path.relative(ROOT, dir), '--watch'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stop = () => child.kill('SIGTERM');
  child.stderr.on('data', (d: Buffer) => {
    said += d.toString();
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const j = JSON.parse(out) as { url: string };
        clearTimeout(timer);
        resolve(j.url);
      } catch {}
    });
  });
}, 90_000);
afterAll(() => {
  stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The next `scenarios` event on /api/events after `act` runs. */
async function nextEvent(act: () => void): Promise<{ ids: string[]; error: string | null }> {
  const res = await fetch(`${url}/api/events`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let acted = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    text += decoder.decode(value);
    if (!acted) {
      acted = true;
      act();
    }
    const m = /event: scenarios\ndata: (.*)\n\n/.exec(text);
    if (m !== null) {
      await reader.cancel();
      return JSON.parse(m[1]!);
    }
  }
}

describe('serve --scenarios', () => {
  it('lists the user scenario next to the built-ins and runs it with the hash faultline run gives', async () => {
    const listed = (await (await fetch(`${url}/api/scenarios`)).json()) as { scenarios: { id: string }[] };
    expect(listed.scenarios.map((s) => s.id)).toContain('lease-lock');
    expect(listed.scenarios.map((s) => s.id)).toContain('two-phase-commit');

    const res = await fetch(`${url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: 'lease-lock', strategy: 'no-fencing', seed: 4 }),
    });
    expect(res.status).toBe(201);
    const { run } = (await res.json()) as { run: { traceHash: string } };
    const cli = await cliJson<{ traceHash: string }>(['run', path.relative(ROOT, file), '--strategy', 'no-fencing', '--seed', '4', '--json']);
    expect(run.traceHash).toBe(cli.json.traceHash);
  }, 60_000);

  it('loads an edited module again and says so on /api/events', async () => {
    const source = readFileSync(file, 'utf8');
    const change = await nextEvent(() => writeFileSync(file, source.replace("title: 'A lease lock with fencing tokens'", "title: 'An edited lease lock'")));
    expect(change).toEqual({ ids: ['lease-lock'], error: null, version: expect.any(Number) });
    const info = (await (await fetch(`${url}/api/scenarios/lease-lock`)).json()) as { title: string };
    expect(info.title).toBe('An edited lease lock');
    expect(said).toContain('your scenarios: lease-lock — watching');
    await expect.poll(() => said).toContain('reloaded: lease-lock');
  }, 60_000);

  it('keeps the last good version when an edit breaks the module, and reports the error', async () => {
    const source = readFileSync(file, 'utf8');
    const change = await nextEvent(() => writeFileSync(file, `${source}\nthis is not TypeScript (\n`));
    expect(change.error).toMatch(/cannot load scenario module .*lease-lock\.ts/);
    await expect.poll(() => said).toContain('not reloaded (the page keeps the last version that loaded): cannot load scenario module');
    const info = (await (await fetch(`${url}/api/scenarios/lease-lock`)).json()) as { title: string };
    expect(info.title).toBe('An edited lease lock');
  }, 60_000);
});
