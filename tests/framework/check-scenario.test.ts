import { describe, expect, it } from 'vitest';
import { CheckPlan, checkScenario, parseShard, runScenario, scanRuns, shardIndices, shrinkFailure, summarizeCheck } from '../../scenarios/index.ts';
import { toy } from './toy-scenario.ts';

describe('checkScenario', () => {
  it('passes a sound strategy over every generated run and reports goals never reached', () => {
    const r = checkScenario(toy, { strategy: 'durable', runs: 200, seed: 11 });

    expect(r.ok).toBe(true);
    expect(r.asExpected).toBe(true);
    expect(r.runs).toBe(200);
    expect(r.counterexample).toBeNull();
    expect(r.goalsNeverReached).toEqual(['never']);
    expect(r.goals.find((g) => g.name === 'acked')?.runsReached).toBeGreaterThan(150);
  });

  it('finds the flaw of a flawed strategy from scratch and shrinks it to one fault', () => {
    const r = checkScenario(toy, { strategy: 'volatile', runs: 1000, seed: 1 });

    expect(r.ok).toBe(false);
    expect(r.asExpected).toBe(true);
    expect(r.counterexample?.invariant).toBe('acked-kept');
    expect(r.counterexample?.faults).toHaveLength(1);
    expect(r.counterexample?.faults[0]).toMatchObject({ kind: 'crash', node: 'counter' });
    expect(r.runs).toBe(r.counterexample!.index + 1);
  });

  it('reports a counterexample that replays to the same violation and trace hash', () => {
    const ce = checkScenario(toy, { strategy: 'volatile', runs: 1000, seed: 1 }).counterexample!;

    const replay = runScenario(toy, { strategy: 'volatile', seed: ce.seed, faults: ce.faults });

    expect(replay.firstViolation?.invariant).toBe(ce.invariant);
    expect(replay.traceHash).toBe(ce.traceHash);
  });

  it('derives run i from the check seed alone, so any process generates the same input', () => {
    const a = new CheckPlan(toy, 'volatile', {}, 42).input(17);
    const b = new CheckPlan(toy, 'volatile', {}, 42).input(17);
    const c = new CheckPlan(toy, 'volatile', {}, 43).input(17);

    expect(a.seed).toBe(b.seed);
    expect(a.plan.value).toEqual(b.plan.value);
    expect(c.seed).not.toBe(a.seed);
  });

  it('shrinks to a plan no larger than the original, breaking the same invariant', () => {
    const plan = new CheckPlan(toy, 'volatile', {}, 1);
    const scan = scanRuns(plan, shardIndices(1000, null));

    const ce = shrinkFailure(plan, scan.failure!.index);

    expect(ce.faults.length).toBeLessThanOrEqual(ce.originalFaults.length);
    expect(ce.invariant).toBe(scan.failure!.invariant);
  });

  it('splits runs into shards whose merge equals the unsharded check', () => {
    const whole = checkScenario(toy, { strategy: 'volatile', runs: 300, seed: 9 });
    const plan = new CheckPlan(toy, 'volatile', {}, 9);
    const scans = [1, 2, 3].map((index) => scanRuns(plan, shardIndices(300, { index, count: 3 })));
    const first = scans.map((s) => s.failure?.index ?? Number.POSITIVE_INFINITY).reduce((a, b) => Math.min(a, b));

    const merged = summarizeCheck(plan, 300, scans, shrinkFailure(plan, first), null);

    expect({ ...merged, shard: null }).toEqual({ ...whole, shard: null });
  });

  it('parses shard specs and rejects bad ones with the allowed form', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('3/2')).toThrow(/bad shard '3\/2': expected I\/N with 1 <= I <= N/);
    expect(() => parseShard('x')).toThrow(/bad shard 'x'/);
    expect(shardIndices(7, { index: 2, count: 3 })).toEqual([1, 4]);
  });
});
