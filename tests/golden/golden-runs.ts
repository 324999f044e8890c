/**
 * The golden trace hashes: for every scenario and strategy, the trace hash of its default
 * preset at seed 1 (and at seed 2 for the default strategy), computed by the engine exactly as
 * `faultline run --json` computes it. The table is committed; a change that alters a hash must
 * update it in the same commit, with the reason in the message (`npm run golden -- --update`).
 * Pure: the same code computes the table in Node and inside Chromium.
 */
import { runScenario, scenarios } from '../../scenarios/index.ts';

export interface GoldenRow {
  scenario: string;
  strategy: string;
  preset: string | null;
  seed: number;
  hash: string;
}

/** The runs the table pins, in a fixed order. */
export function goldenRuns(): Omit<GoldenRow, 'hash'>[] {
  const rows: Omit<GoldenRow, 'hash'>[] = [];
  for (const s of scenarios) {
    for (const strategy of s.strategies) rows.push({ scenario: s.id, strategy: strategy.id, preset: s.defaultPreset ?? null, seed: 1 });
    rows.push({ scenario: s.id, strategy: s.defaultStrategy, preset: s.defaultPreset ?? null, seed: 2 });
  }
  return rows;
}

/** The trace hash of one golden run. */
export function goldenHash(row: Omit<GoldenRow, 'hash'>): string {
  const scenario = scenarios.find((s) => s.id === row.scenario);
  if (scenario === undefined) throw new Error(`no scenario ${row.scenario}`);
  return runScenario(scenario, { strategy: row.strategy, seed: row.seed, trace: 'hash' }).traceHash!;
}

/** Rows whose hash differs from the table's, as `scenario/strategy seed N: expected X, got Y`. */
export function goldenMismatches(table: readonly GoldenRow[]): string[] {
  const out: string[] = [];
  for (const row of table) {
    const got = goldenHash(row);
    if (got !== row.hash) out.push(`${row.scenario}/${row.strategy} seed ${row.seed}: expected ${row.hash}, got ${got}`);
  }
  return out;
}
