/**
 * Nothing half-written: a `check --out` killed with SIGKILL leaves the old result (or none)
 * under the file's name, never a part of one. The kill lands exactly where it hurts most —
 * with the new file half written, and fully written but not yet renamed — through the
 * writer's test hook (FAULTLINE_TEST_PAUSE_AT, atomic-file.ts), and then at random moments of
 * a run, asserting the same invariant every time. The whole process group is killed, as an
 * OOM killer or `kubectl delete` would (check runs in a child of the `faultline` process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, ROOT } from './cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'faultline-kill-'));
const CHECK = ['check', 'two-phase-commit', '--strategy', 'durable-log', '--runs', '200', '--workers', '1'];
let good = '';

beforeAll(async () => {
  const file = path.join(dir, 'good.json');
  await cli([...CHECK, '--seed', '1', '--out', file, '--json']);
  good = readFileSync(file, 'utf8');
}, 60_000);

function start(out: string, env: Record<string, string> = {}): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, ...CHECK, '--seed', '2', '--out', out, '--json'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      resolve();
    }
  });
}

async function until(predicate: () => boolean, ms: number): Promise<void> {
  const t0 = performance.now();
  while (!predicate()) {
    if (performance.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The invariant: the file under the name is the old result, or (when there was none) absent. */
function expectOldOrNone(out: string, old: string | null): void {
  if (old === null) expect(existsSync(out)).toBe(false);
  else expect(readFileSync(out, 'utf8')).toBe(old);
}

describe('check --out killed with SIGKILL', () => {
  it.each(['mid-write', 'before-rename'])(
    'at %s leaves the old result whole',
    async (point) => {
      const out = path.join(dir, `kept-${point}.json`);
      writeFileSync(out, good);
      const { child, stderr } = start(out, { FAULTLINE_TEST_PAUSE_AT: point });

      await until(() => stderr().includes(`faultline-test: paused ${point}`), 60_000);
      await killGroup(child);

      expectOldOrNone(out, good);
      expect((await cli(['merge', out, '--json'])).code).toBe(0);
    },
    90_000,
  );

  it('at the write, with no old file, leaves none', async () => {
    const out = path.join(dir, 'fresh.json');
    const { child, stderr } = start(out, { FAULTLINE_TEST_PAUSE_AT: 'before-rename' });

    await until(() => stderr().includes('faultline-test: paused before-rename'), 60_000);
    await killGroup(child);

    expectOldOrNone(out, null);
  }, 90_000);

  it('at random moments, leaves the old result or the new one, never a part', async () => {
    const out = path.join(dir, 'random.json');
    writeFileSync(out, good);
    // Fixed moments spread over start-up, the check and the write (not Math.random: repeatable).
    for (const delayMs of [300, 900, 1_500, 2_100, 2_700, 3_400]) {
      const { child } = start(out);
      await new Promise((r) => setTimeout(r, delayMs));
      await killGroup(child);
      const text = readFileSync(out, 'utf8');
      const merged = await cli(['merge', out, '--json']);
      expect(merged.code, `killed after ${delayMs} ms`).toBe(0);
      expect(text.endsWith('\n')).toBe(true);
    }
  }, 180_000);
});
