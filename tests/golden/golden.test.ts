import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../scenarios/index.ts';
import { type GoldenRow, goldenMismatches, goldenRuns } from './golden-runs.ts';

const table = JSON.parse(readFileSync(path.join(import.meta.dirname, 'trace-hashes.json'), 'utf8')) as GoldenRow[];

describe('the golden trace hashes', () => {
  it('pin every scenario and every strategy', () => {
    expect(table.map(({ hash: _, ...row }) => row)).toEqual(goldenRuns());
    expect(new Set(table.map((r) => r.scenario))).toEqual(new Set(scenarios.map((s) => s.id)));
  });

  it('are what the engine computes today (update the table, with the reason, in the commit that changes one)', () => {
    expect(goldenMismatches(table)).toEqual([]);
  });
});
