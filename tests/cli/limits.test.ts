/**
 * Bounds and strict boundaries of the command line: a fault past the run's horizon refused
 * before anything runs; `--time-limit` and `--memory-limit` stop run, compare and check with
 * exit 2 naming the bound, writing nothing, and never change a run that finishes; prototype
 * keys refused in every JSON input; error listings clipped.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../cli/duration.ts';
import { cli } from './cli.ts';
import { runInProcess } from './in-process.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'faultline-limits-'));
const LONG_RUN = ['--param', 'transfers=2000', '--param', 'workloadMs=600000'];

describe("the run's horizon", () => {
  it('refuses a fault at 1e300 ms at once, naming the fault and the horizon', async () => {
    const t0 = performance.now();

    const { code, stderr } = await runInProcess(['run', 'two-phase-commit', '--seed', '1', '--faults', '[{"at":1e300,"kind":"heal"}]', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("faults[0] (heal at 1.000e+300 ms) is past the run's horizon");
    expect(stderr).toMatch(/lasts [\d,]+ ms \(workload [\d,]+ ms \+ settling [\d,]+ ms\)/);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('refuses it in compare too, and a latency longer than the run', async () => {
    const far = await runInProcess([
      'compare',
      'two-phase-commit',
      '--strategies',
      'durable-log,saga',
      '--seeds',
      '2',
      '--faults',
      '[{"at":1e12,"kind":"heal"}]',
    ]);
    const slow = await runInProcess([
      'run',
      'two-phase-commit',
      '--seed',
      '1',
      '--faults',
      '[{"at":10,"kind":"degrade","latency":{"kind":"constant","ms":900000000}}]',
    ]);

    expect(far.code).toBe(2);
    expect(slow.code).toBe(2);
    expect(slow.stderr).toContain('latency.ms 900,000,000 ms is longer than the run');
  });
});

describe('--time-limit and --memory-limit', () => {
  it('stop a run with exit 2, naming the bound, and leave no trace file', async () => {
    const trace = path.join(dir, 'stopped.ndjson');

    const { code, stdout, stderr } = await runInProcess([
      'run',
      'two-phase-commit',
      '--seed',
      '1',
      ...LONG_RUN,
      '--trace',
      trace,
      '--time-limit',
      '200ms',
      '--json',
    ]);

    expect(code).toBe(2);
    expect(stderr).toContain('--time-limit 200 ms reached');
    expect(JSON.parse(stdout)).toMatchObject({ error: { kind: 'bound', bound: 'time-limit' } });
    expect(existsSync(trace)).toBe(false);
  });

  it('stop a run over its memory bound', async () => {
    const { code, stdout } = await runInProcess(['run', 'two-phase-commit', '--seed', '1', '--memory-limit', '16', '--json']);

    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ error: { kind: 'bound', bound: 'memory-limit' } });
  });

  it('stop a comparison', async () => {
    const { code, stderr } = await runInProcess([
      'compare',
      'two-phase-commit',
      '--strategies',
      'durable-log,saga',
      '--seeds',
      '50',
      ...LONG_RUN,
      '--time-limit',
      '0.3s',
    ]);

    expect(code).toBe(2);
    expect(stderr).toContain('the compare was stopped');
  });

  it('stop a check on its workers, and write no --out file', async () => {
    const out = path.join(dir, 'stopped-check.json');

    const { code, stderr } = await cli([
      'check',
      'two-phase-commit',
      '--runs',
      '1000000',
      '--seed',
      '1',
      '--workers',
      '1',
      '--out',
      out,
      '--time-limit',
      '3s',
      '--json',
    ]);

    expect(code).toBe(2);
    expect(stderr).toContain('--time-limit 3 s reached: the check was stopped');
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('never change a run that finishes: the same trace hash with and without them', async () => {
    const plain = await runInProcess(['run', 'two-phase-commit', '--seed', '7', '--json']);
    const bounded = await runInProcess(['run', 'two-phase-commit', '--seed', '7', '--time-limit', '10m', '--memory-limit', '100000', '--json']);

    expect(bounded.code).toBe(plain.code);
    expect(JSON.parse(bounded.stdout).traceHash).toBe(JSON.parse(plain.stdout).traceHash);
  });

  it('parse durations with a unit, a bare number being milliseconds (as history check reads it)', () => {
    expect([
      parseDurationMs('500ms', 'x'),
      parseDurationMs('30s', 'x'),
      parseDurationMs('1.5m', 'x'),
      parseDurationMs('2h', 'x'),
      parseDurationMs('2500', 'x'),
    ]).toEqual([500, 30_000, 90_000, 7_200_000, 2_500]);
    for (const bad of ['0', '-1s', 'soon', '5d', '1e3']) expect(() => parseDurationMs(bad, '--time-limit'), bad).toThrow(/--time-limit must be a duration/);
  });
});

describe('JSON input', () => {
  it.each([
    ['a fault with __proto__', ['--faults', '[{"at":1,"kind":"heal","__proto__":{"x":1}}]']],
    ['a run JSON with constructor', ['--faults', '{"faults":[],"constructor":{}}']],
    ['a parameter named __proto__', ['--param', '__proto__=1']],
  ])('refuses prototype keys: %s', async (_what, args) => {
    const { code, stderr } = await runInProcess(['run', 'two-phase-commit', '--seed', '1', ...args, '--json']);

    expect(code).toBe(2);
    expect(stderr).toMatch(/'(__proto__|constructor)' is not/);
  });

  it('lists the first five of 10,000 bad faults and counts the rest', async () => {
    const file = path.join(dir, 'bad-plan.json');
    writeFileSync(file, JSON.stringify(Array.from({ length: 10_000 }, () => ({ at: -1, kind: 'nope' }))));

    const { code, stdout, stderr } = await runInProcess(['run', 'two-phase-commit', '--seed', '1', '--faults', file, '--json']);

    expect(code).toBe(2);
    expect(stderr.length).toBeLessThan(4_000);
    expect(stderr).toMatch(/… and 9,99\d more issues not shown/);
    expect(stdout.length).toBeLessThan(4_000);
  });
});
