/**
 * `faultline run --history FILE [--history-format json|edn]`: the run's client history, written
 * atomically, reads back through `faultline history check` to the verdict the run's own
 * invariant reached; a run that recorded nothing writes nothing (exit 2); bad flags exit 2.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHistory } from '../../history/index.ts';
import { runInProcess } from './in-process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-run-history-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface RunJson {
  invariants: { name: string; ok: boolean }[];
  history: { file: string; format: string; operations: number; entries: number; models: string[]; claims: { model: string; consistency?: string }[] } | null;
}

/** Runs with --json; exit 0 when every invariant held, 1 when one was violated. */
async function runJson(args: string[], code = 0): Promise<RunJson> {
  const result = await runInProcess(['run', ...args, '--json']);
  expect(result.code, result.stderr).toBe(code);
  return JSON.parse(result.stdout) as RunJson;
}

describe('faultline run --history', () => {
  it("names the claim's consistency level in the recheck it suggests (2PC: list-append, strict-serializable), and that recheck passes", async () => {
    const file = path.join(dir, 'transfers.json');
    const run = await runJson(['two-phase-commit', '--strategy', 'durable-log', '--seed', '2', '--history', file]);
    expect(run.history?.claims).toEqual([{ model: 'list-append', consistency: 'strict-serializable' }]);
    const text = await runInProcess(['run', 'two-phase-commit', '--strategy', 'durable-log', '--seed', '2', '--history', file]);
    expect(text.stdout).toContain(`--model list-append --consistency strict-serializable`);
    const check = await runInProcess(['history', 'check', file, '--model', 'list-append', '--consistency', 'strict-serializable', '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, model: 'list-append', consistency: 'strict-serializable' });
  });

  it('writes faultline JSON that history check judges as the run did (a flawed strategy: violated)', async () => {
    const file = path.join(dir, 'replica-reads.json');
    const run = await runJson(['read-replicas', '--strategy', 'replica-reads', '--seed', '3', '--history', file], 1);
    expect(run.history).toMatchObject({ file, format: 'json', models: ['session'], claims: [{ model: 'session' }] });
    expect(run.history!.operations).toBeGreaterThan(20);
    expect(run.history!.entries).toBe(2 * run.history!.operations);
    const claim = run.invariants.find((i) => i.name === 'session-guarantees');
    expect(claim?.ok).toBe(false);

    const parsed = parseHistory(fs.readFileSync(file, 'utf8'), { file });
    expect(parsed.operations).toHaveLength(run.history!.entries);
    const check = await runInProcess(['history', 'check', file, '--model', 'session', '--json']);
    expect(check.code).toBe(1);
    const verdict = JSON.parse(check.stdout) as { ok: boolean; model: string; anomalies: { type: string }[] };
    expect(verdict).toMatchObject({ ok: false, model: 'session' });
    expect(verdict.anomalies.length).toBeGreaterThan(0);
    for (const anomaly of verdict.anomalies) expect(['read-your-writes', 'monotonic-reads']).toContain(anomaly.type);
  });

  it('writes EDN (by flag or by extension) that reads back to the same history, and a sound strategy passes', async () => {
    const json = path.join(dir, 'lsn.json');
    const edn = path.join(dir, 'lsn.edn');
    const flagged = path.join(dir, 'lsn.txt');
    await runJson(['read-replicas', '--strategy', 'lsn-wait', '--seed', '5', '--history', json]);
    const byExtension = await runJson(['read-replicas', '--strategy', 'lsn-wait', '--seed', '5', '--history', edn]);
    const byFlag = await runJson(['read-replicas', '--strategy', 'lsn-wait', '--seed', '5', '--history', flagged, '--history-format', 'edn']);
    expect(byExtension.history?.format).toBe('edn');
    expect(byFlag.history?.format).toBe('edn');
    expect(fs.readFileSync(edn, 'utf8')).toMatch(/^\{:index 0, :type :invoke/);
    const strip = (text: string, file: string) => parseHistory(text, { file }).operations.map(({ process, type, f, value }) => ({ process, type, f, value }));
    expect(strip(fs.readFileSync(edn, 'utf8'), edn)).toEqual(strip(fs.readFileSync(json, 'utf8'), json));
    for (const file of [json, edn]) {
      const check = await runInProcess(['history', 'check', file, '--model', 'session']);
      expect(check.code, check.stdout).toBe(0);
      expect(check.stdout).toContain('satisfies session guarantees');
    }
  });

  it('prints the command that checks the claim again', async () => {
    const file = path.join(dir, 'multi-region.edn');
    const result = await runInProcess(['run', 'multi-region', '--seed', '2', '--history', file]);
    expect(result.code, result.stderr).toBeLessThanOrEqual(1);
    expect(result.stdout).toMatch(/history: \d+ client operations \(\d+ entries\) as edn in /);
    expect(result.stdout).toContain(`faultline history check ${file} --model kv`);
  });

  it('writes nothing and exits 2 when the run recorded no history, naming the scenarios that record one', async () => {
    const file = path.join(dir, 'none.json');
    const result = await runInProcess(['run', 'saga', '--seed', '1', '--history', file, '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('recorded no client history');
    expect(result.stderr).toContain(
      'Built-in scenarios that record one and judge a claim on it: two-phase-commit, cache-invalidation, read-replicas, multi-region',
    );
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('none.json'))).toEqual([]);
  });

  it('refuses bad flags with exit 2 and a message naming what is allowed', async () => {
    const bad = await runInProcess(['run', 'read-replicas', '--history', path.join(dir, 'x.json'), '--history-format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'xml' is invalid.*json, edn/);
    const alone = await runInProcess(['run', 'read-replicas', '--history-format', 'edn']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--history-format edn needs --history FILE');
    const folder = await runInProcess(['run', 'read-replicas', '--seed', '1', '--history', path.join(dir, 'missing', 'h.json')]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('does not exist');
  });
});
