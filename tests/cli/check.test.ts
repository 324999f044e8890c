/**
 * `faultline check` and `faultline merge`: flawed strategies are caught within 1,000 runs
 * with their declared flaw, sound ones pass 1,000 runs; the result is the same on 1 and 2
 * workers, and shards merged equal the unsharded check. The expensive checks run once, side
 * by side, and the tests read their results.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardChecksum } from '../../cli/check/shard-file.ts';
import { describeScenario, findScenario } from '../../scenarios/index.ts';
import { type CliResult, cli, cliJson, shellWords } from './cli.ts';
import { runInProcess } from './in-process.ts';

interface CheckJson {
  scenario: string;
  strategy: string;
  seed: number;
  ok: boolean;
  runs: number;
  runsPerSec: number;
  asExpected: boolean;
  goalsNeverReached: string[];
  counterexample: null | {
    index: number;
    seed: number;
    faults: unknown[];
    invariant: string;
    message: string;
    shrinkSteps: number;
    traceHash: string;
    replay: string;
    url: string;
  };
}

interface AllJson {
  scenario: string;
  ok: boolean;
  results: CheckJson[];
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'faultline-check-'));
const base = ['check', 'two-phase-commit', '--all', '--runs', '1000', '--seed', '1', '--json'];
const info = describeScenario(findScenario('two-phase-commit'));
let two: CliResult & { json: AllJson };
let one: CliResult & { json: AllJson };
let merged: CliResult & { json: AllJson };

/** The result without its timings, which are the only part allowed to differ. */
function verdicts(all: AllJson): unknown {
  return JSON.parse(JSON.stringify(all, (key, value) => (['runsPerSec', 'executedRuns', 'elapsedMs'].includes(key) ? undefined : value)));
}

beforeAll(async () => {
  const s1 = path.join(dir, 'shard-1.json');
  const s2 = path.join(dir, 'shard-2.json');
  [two, one] = await Promise.all([
    cliJson<AllJson>([...base, '--workers', '2']),
    cliJson<AllJson>([...base, '--workers', '1']),
    cliJson([...base, '--workers', '1', '--shard', '1/2', '--out', s1]),
    cliJson([...base, '--workers', '1', '--shard', '2/2', '--out', s2]),
  ]);
  merged = await cliJson<AllJson>(['merge', s1, s2, '--json']);
});

describe('faultline check --all', () => {
  it('prints one result per strategy with the documented fields', () => {
    expect(two.json.results.map((r) => r.strategy)).toEqual(info.strategies.map((s) => s.id));
    for (const r of two.json.results) {
      expect(r).toMatchObject({ scenario: 'two-phase-commit', strategy: expect.any(String), ok: expect.any(Boolean), runs: expect.any(Number) });
      expect(r.runsPerSec).toBeGreaterThan(0);
      expect(Array.isArray(r.goalsNeverReached)).toBe(true);
    }
  });

  it.each(info.strategies.filter((s) => s.expectedViolations.length > 0).map((s) => [s.id, s.expectedViolations] as const))(
    'finds the declared flaw of %s within 1,000 runs, shrunk, with a replay and a link',
    (id, declared) => {
      const r = two.json.results.find((x) => x.strategy === id)!;
      const ce = r.counterexample!;

      expect(r.ok).toBe(false);
      expect(r.asExpected).toBe(true);
      expect(declared).toContain(ce.invariant);
      expect(r.runs).toBe(ce.index + 1);
      expect(ce.faults.length).toBeLessThanOrEqual(2);
      expect(ce).toMatchObject({ seed: expect.any(Number), message: expect.any(String), shrinkSteps: expect.any(Number) });
      expect(ce.replay).toMatch(/^faultline run two-phase-commit --strategy \S+ --seed \d+ --faults '/);
      expect(ce.url.startsWith('http://127.0.0.1:8080/#/run?scenario=two-phase-commit')).toBe(true);
    },
  );

  it.each(info.strategies.filter((s) => s.expectedViolations.length === 0).map((s) => s.id))('passes the sound strategy %s over 1,000 runs', (id) => {
    const r = two.json.results.find((x) => x.strategy === id)!;

    expect(r.ok).toBe(true);
    expect(r.asExpected).toBe(true);
    expect(r.runs).toBe(1000);
    expect(r.counterexample).toBeNull();
  });

  it('exits 1 when a counterexample was found, even an expected one', () => {
    expect(two.code).toBe(1);
  });

  it('gives the same result on 1 worker as on 2', () => {
    expect(verdicts(one.json)).toEqual(verdicts(two.json));
  });

  it('merges shards 1/2 and 2/2 into exactly the unsharded result', () => {
    expect(merged.code).toBe(0);
    expect(verdicts(merged.json)).toEqual(verdicts(two.json));
  });

  it('replays a counterexample to the trace hash the check verified', async () => {
    const ce = two.json.results.find((r) => r.counterexample !== null)!.counterexample!;
    const words = await shellWords(ce.replay);

    const run = await cliJson<{ traceHash: string; ok: boolean }>([...words.slice(1), '--json']);

    expect(run.code).toBe(1);
    expect(run.json.ok).toBe(false);
    expect(run.json.traceHash).toBe(ce.traceHash);
  });
});

describe('faultline merge (in-process)', () => {
  const s1 = (): string => path.join(dir, 'shard-1.json');

  it('exits as the unsharded check with --exit-code', async () => {
    const { code } = await runInProcess(['merge', s1(), path.join(dir, 'shard-2.json'), '--exit-code', '--json']);

    expect(code).toBe(1);
  });

  it('refuses shards of a different check, naming what differs', async () => {
    const other = path.join(dir, 'other-seed.json');
    const { checksum: _, ...fields } = { ...JSON.parse(readFileSync(path.join(dir, 'shard-2.json'), 'utf8')), seed: 2 };
    writeFileSync(other, JSON.stringify({ ...fields, checksum: shardChecksum(fields) }));

    const { code, stderr } = await runInProcess(['merge', s1(), other, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain('seed 2 vs 1');
  });

  it('refuses a missing shard and a repeated one', async () => {
    const missing = await runInProcess(['merge', s1(), '--json']);
    const repeated = await runInProcess(['merge', s1(), s1(), '--json']);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('2/2 missing');
    expect(repeated.code).toBe(2);
    expect(repeated.stderr).toContain('both shard 1/2');
  });

  it('refuses a file that is not a shard file', async () => {
    const { code, stderr } = await runInProcess(['merge', 'package.json', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("'package.json' is not a shard file");
  });
});

describe.concurrent('faultline check, one strategy', () => {
  it('prints one result object and exits 0 when the strategy holds', async () => {
    const { code, json } = await cliJson<CheckJson>([
      'check',
      'two-phase-commit',
      '--strategy',
      'cooperative',
      '--runs',
      '100',
      '--seed',
      '4',
      '--workers',
      '1',
      '--json',
    ]);

    expect(code).toBe(0);
    expect(json).toMatchObject({ scenario: 'two-phase-commit', strategy: 'cooperative', ok: true, runs: 100, counterexample: null });
  });

  it('prints a table that says a found flaw is the expected one', async () => {
    const { code, stdout } = await cli(['check', 'two-phase-commit', '--strategy', 'unilateral-abort', '--runs', '300', '--seed', '1', '--workers', '1']);

    expect(code).toBe(1);
    expect(stdout).toContain('declared flaw');
    expect(stdout).toMatch(/replay: (npx )?faultline run two-phase-commit --strategy unilateral-abort/);
    expect(stdout).toContain('the scenario behaves as documented');
  });
});
