/**
 * `faultline history check`: exit codes 0 (satisfied), 1 (violated), 2 (bad input, naming the
 * file, line and what was expected), 4 (undecided within the time limit), and the JSON shape
 * for one file and for several. One case spawns the real command; the others run `runCli`
 * in-process (a spawn costs a second or more).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliJson, ROOT } from './cli.ts';
import { runInProcess } from './in-process.ts';

const JEPSEN = path.join(ROOT, 'tests/history/fixtures/jepsen');
const HARD = path.join(ROOT, 'tests/history/fixtures/hard-register.json');

async function inProcessJson(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const result = await runInProcess(args);
  return { code: result.code, json: JSON.parse(result.stdout) as Record<string, unknown>, stderr: result.stderr };
}

describe('faultline history check', () => {
  it('exits 0 for a linearizable Jepsen history and prints one JSON object', async () => {
    const { code, json } = await cliJson(['history', 'check', path.join(JEPSEN, 'etcd_002.log'), '--model', 'cas-register', '--json']);
    expect(code).toBe(0);
    expect(json).toMatchObject({ ok: true, verdict: 'ok', model: 'cas-register', operations: 77, anomalies: [] });
    expect(json.file).toContain('etcd_002.log');
    expect(typeof json.elapsedMs).toBe('number');
  });

  it('exits 1 for a history that is not linearizable, with its witness', async () => {
    const { code, json } = await inProcessJson(['history', 'check', path.join(JEPSEN, 'etcd_000.log'), '--model', 'cas-register', '--json']);
    expect(code).toBe(1);
    expect(json.ok).toBe(false);
    const [witness] = json.anomalies as Record<string, unknown>[];
    expect(witness).toMatchObject({ type: 'not-linearizable', operation: { process: 11, f: 'read', result: 2, line: 85 } });
  });

  it('reports the consistency level of a transactional check, and what it allows', async () => {
    const file = path.join(ROOT, 'tests/history/fixtures/write-skew.edn');
    const strict = await inProcessJson(['history', 'check', file, '--model', 'list-append', '--consistency', 'serializable', '--json']);
    expect(strict.code).toBe(1);
    expect(strict.json).toMatchObject({ ok: false, consistency: 'serializable', anomalies: [{ type: 'G2-item' }] });
    const si = await inProcessJson(['history', 'check', file, '--model', 'list-append', '--consistency', 'snapshot-isolation', '--json']);
    expect(si.code).toBe(0);
    expect(si.json).toMatchObject({ ok: true, anomalies: [], allowed: [{ type: 'G2-item' }] });
  });

  it('prints {ok, results} for several files, and exits with the worst verdict', async () => {
    const { code, json } = await inProcessJson([
      'history',
      'check',
      path.join(JEPSEN, 'etcd_002.log'),
      path.join(JEPSEN, 'etcd_001.log'),
      '--model',
      'cas-register',
      '--json',
    ]);
    expect(code).toBe(1);
    expect(json.ok).toBe(false);
    expect((json.results as { ok: boolean }[]).map((r) => r.ok)).toEqual([true, false]);
  });

  it('exits 4 when the search hits its time limit, and says so', async () => {
    const { code, json } = await inProcessJson(['history', 'check', HARD, '--model', 'register', '--time-limit', '1', '--json']);
    expect(code).toBe(4);
    expect(json).toMatchObject({ ok: null, verdict: 'unknown', unknown: { bound: 'time' } });
  });

  it('exits 2 for a file that is no history, naming the file and line', async () => {
    const readme = path.join(JEPSEN, 'README.md');
    const { code, json } = await inProcessJson(['history', 'check', readme, '--model', 'cas-register', '--json']);
    expect(code).toBe(2);
    expect(json).toMatchObject({ ok: null, error: { kind: 'bad-input', line: 1, column: 1 } });
    expect((json.error as { message: string }).message).toContain(`${readme}:1:1: expected a history`);
  });

  it('exits 2 for an unknown model, naming the models there are', async () => {
    const { code, stderr } = await runInProcess(['history', 'check', path.join(JEPSEN, 'etcd_000.log'), '--model', 'queue']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown model 'queue'");
    expect(stderr).toContain('cas-register');
    expect(stderr).toContain('list-append');
  });

  it('exits 2 for a consistency level given to a linearizability model', async () => {
    const { code, stderr } = await runInProcess([
      'history',
      'check',
      path.join(JEPSEN, 'etcd_000.log'),
      '--model',
      'register',
      '--consistency',
      'serializable',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('transactional models');
  });

  it('tells the verdict in words without --json', async () => {
    const { code, stdout } = await runInProcess(['history', 'check', path.join(JEPSEN, 'etcd_000.log'), '--model', 'cas-register']);
    expect(code).toBe(1);
    expect(stdout).toContain('NOT linearizable');
    expect(stdout).toContain("process 11's read() → 2");
  });
});
