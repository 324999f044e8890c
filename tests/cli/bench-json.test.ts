/**
 * The shape of `faultline bench --json`'s newer parts — every scenario's check beside the
 * bare loop, the cost of hashing a traced run, and growth — measured at `--quick` sizes (the
 * figures live in the README; here only their shape and their consistency are checked).
 */
import { describe, expect, it } from 'vitest';
import { measureScenarioThroughput } from '../../cli/check/throughput.ts';
import { cliJson } from './cli.ts';
import { runInProcess } from './in-process.ts';

describe('faultline bench --json, scenario part', () => {
  it('gives one row per chosen scenario: its sound strategy, runs, runs/s, events/s and the ratio to the bare loop measured in the same run', async () => {
    const { code, json } = await cliJson<{
      scenarios: { scenario: string; strategy: string; runs: number; runsPerSec: number; eventsPerRun: number; eventsPerSec: number; ratioToBare: number }[];
      scenarioBareLoop: { workload: string; eventsPerSec: number };
      workloads?: unknown;
    }>(['bench', '--only', 'scenarios', '--scenarios', 'two-phase-commit,cache-strategies', '--quick', '--repetitions', '1', '--json']);

    expect(code).toBe(0);
    expect(json.workloads).toBeUndefined();
    expect(json.scenarios.map((r) => r.scenario)).toEqual(['two-phase-commit', 'cache-strategies']);
    expect(json.scenarios[0]!.strategy).toBe('durable-log');
    expect(json.scenarios[1]!.strategy).toBe('lease');
    expect(json.scenarioBareLoop).toMatchObject({ workload: 'pingpong', eventsPerSec: expect.any(Number) });
    for (const row of json.scenarios) {
      expect(row).toEqual({
        scenario: expect.any(String),
        strategy: expect.any(String),
        runs: expect.any(Number),
        runsPerSec: expect.any(Number),
        eventsPerRun: expect.any(Number),
        eventsPerSec: expect.any(Number),
        ratioToBare: expect.any(Number),
      });
      expect(row.runs).toBeGreaterThanOrEqual(32);
      // Rounded figures: runs/s to the unit, events per run to a tenth.
      expect(Math.abs(row.eventsPerSec / (row.runsPerSec * row.eventsPerRun) - 1)).toBeLessThan(0.01);
      // The ratio is rounded to three decimals: within half a thousandth, however small it is on a loaded machine.
      expect(Math.abs(row.ratioToBare - row.eventsPerSec / json.scenarioBareLoop.eventsPerSec)).toBeLessThanOrEqual(0.00051);
    }
  }, 120_000);

  it('reports a scenario it cannot measure as a row with an error, and measures the others', async () => {
    const report = await measureScenarioThroughput({ scenarios: ['no-such-scenario', 'two-phase-commit'], seconds: 0.05, repetitions: 1, bareEvents: 100_000 });

    expect(report.rows[0]).toEqual({ scenario: 'no-such-scenario', strategy: null, error: expect.stringContaining("unknown scenario 'no-such-scenario'") });
    expect(report.rows[1]).toMatchObject({ scenario: 'two-phase-commit', runsPerSec: expect.any(Number) });
  }, 120_000);

  it('refuses an unknown id in --scenarios, naming the scenarios there are', async () => {
    const { code, stderr } = await runInProcess(['bench', '--only', 'scenarios', '--scenarios', 'two-phase-commit,nope', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("unknown scenario 'nope'; scenarios are: two-phase-commit,");
  });
});

describe('faultline bench --json, trace hash and growth', () => {
  it('compares a hashed and an unhashed cache-strategies run: the events, both rates, their ratio and the hash', async () => {
    const { code, json } = await cliJson<{ traceHash: Record<string, unknown> & { hashedEventsPerSec: number; unhashedEventsPerSec: number; ratio: number } }>([
      'bench',
      '--only',
      'trace-hash',
      '--quick',
      '--repetitions',
      '1',
      '--json',
    ]);

    expect(code).toBe(0);
    expect(json.traceHash).toMatchObject({
      scenario: 'cache-strategies',
      events: expect.any(Number),
      traceHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      hashedEventsPerSec: expect.any(Number),
      unhashedEventsPerSec: expect.any(Number),
      cpu: { ratio: expect.any(Number) },
    });
    expect(json.traceHash.ratio).toBeCloseTo(json.traceHash.hashedEventsPerSec / json.traceHash.unhashedEventsPerSec, 2);
  }, 120_000);

  it('reports the cost per event of each size with the trace off and in memory, their spread, and bytes per stored trace event', async () => {
    const { code, json } = await cliJson<{
      growth: {
        rows: { events: number; nodes: number; trace: string; nsPerEvent: number; runNsPerEvent: number }[];
        spread: { off: number; memory: number };
        bytesPerTraceEvent: { pingpong: number; scenario: { bytes: number; rows: number } };
      };
    }>(['bench', '--only', 'growth', '--quick', '--json']);

    expect(code).toBe(0);
    expect(json.growth.rows.map((r) => `${r.trace}:${r.events}:${r.nodes}`)).toEqual([
      'off:10000:100',
      'off:100000:100',
      'off:100000:200',
      'memory:10000:100',
      'memory:100000:100',
      'memory:100000:200',
    ]);
    const off = json.growth.rows.filter((r) => r.trace === 'off').map((r) => r.nsPerEvent);
    expect(json.growth.spread.off).toBeCloseTo(Math.max(...off) / Math.min(...off), 1);
    // A stored row holds at least its time, kind, two nodes and a number (8 + 1 + 4 + 4 + 8 bytes).
    expect(json.growth.bytesPerTraceEvent.pingpong).toBeGreaterThan(25);
    expect(json.growth.bytesPerTraceEvent.scenario.bytes).toBeGreaterThan(json.growth.bytesPerTraceEvent.pingpong);
  }, 120_000);
});
