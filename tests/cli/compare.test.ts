import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliJson } from './cli.ts';
import { runInProcess } from './in-process.ts';

interface CompareJson {
  scenario: string;
  seed: number;
  seeds: number;
  runSeeds: number[];
  faultsMode: string;
  strategies: { id: string; violationRate: number; metrics: Record<string, { mean: number; ci95: [number, number] }> }[];
  differences: { a: string; b: string; metric: string; mean: number; ci95: [number, number]; real: boolean; better: string | null }[];
}

let result: CliResult & { json: CompareJson };

beforeAll(async () => {
  result = await cliJson<CompareJson>([
    'compare',
    'two-phase-commit',
    '--strategies',
    'durable-log,cooperative,saga',
    '--seeds',
    '12',
    '--seed',
    '3',
    '--json',
  ]);
});

describe.concurrent('faultline compare', () => {
  it('reports every strategy with its violation rate and metric means with 95% intervals', () => {
    const { json } = result;

    expect(json).toMatchObject({ scenario: 'two-phase-commit', seed: 3, seeds: 12, faultsMode: 'fixed' });
    expect(json.runSeeds).toHaveLength(12);
    expect(json.strategies.map((s) => s.id)).toEqual(['durable-log', 'cooperative', 'saga']);
    for (const s of json.strategies) {
      expect(s.violationRate).toBeGreaterThanOrEqual(0);
      const m = s.metrics.commitLatencyP50Ms!;
      expect(m.ci95[0]).toBeLessThanOrEqual(m.mean);
      expect(m.ci95[1]).toBeGreaterThanOrEqual(m.mean);
    }
  });

  it('reports the paired difference B − A of every pair and metric, real when its interval excludes 0', () => {
    const { json } = result;
    const pairs = new Set(json.differences.map((d) => `${d.a}>${d.b}`));

    expect(pairs).toEqual(new Set(['durable-log>cooperative', 'durable-log>saga', 'cooperative>saga']));
    for (const d of json.differences) {
      expect(d.ci95[0]).toBeLessThanOrEqual(d.mean);
      expect(d.real).toBe(d.ci95[0] > 0 || d.ci95[1] < 0);
    }
    // A saga holds no lock across steps: its lock hold time is really shorter than 2PC's.
    const lock = json.differences.find((d) => d.a === 'durable-log' && d.b === 'saga' && d.metric === 'lockHoldP99Ms')!;
    expect(lock.real).toBe(true);
    expect(lock.better).toBe('saga');
  });

  it('exits 0 when every run of every strategy held', () => {
    expect(result.code).toBe(0);
    expect(result.json.strategies.every((s) => s.violationRate === 0)).toBe(true);
  });

  it('runs every strategy on the same generated fault plans with --generated, and exits 1 on a violation', async () => {
    const { code, json } = await cliJson<CompareJson>([
      'compare',
      'two-phase-commit',
      '--strategies',
      'unilateral-abort,durable-log',
      '--generated',
      '--seeds',
      '40',
      '--seed',
      '1',
      '--json',
    ]);

    expect(json.faultsMode).toBe('generated');
    expect(json.strategies[0]!.violationRate).toBeGreaterThan(0);
    expect(code).toBe(1);
  });

  it('prints a table marking the real differences', async () => {
    const { stdout } = await runInProcess(['compare', 'two-phase-commit', '--strategies', 'durable-log,saga', '--seeds', '8', '--seed', '3']);

    expect(stdout).toContain('saga − durable-log');
    expect(stdout).toMatch(/\* saga better/);
  });
});
