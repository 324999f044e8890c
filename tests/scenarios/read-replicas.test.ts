import { describe, expect, it } from 'vitest';
import { checkScenario, resolvePreset, runScenario } from '../../scenarios/index.ts';
import { readReplicas } from '../../scenarios/read-replicas/index.ts';

const run = (strategy: string, presetId: string, seed = 1) =>
  runScenario(readReplicas, { strategy, seed, faults: resolvePreset(readReplicas, presetId, readReplicas.params.parse({})) });
const broken = (r: ReturnType<typeof run>, invariant: string): boolean => !r.invariants.find((i) => i.name === invariant)!.ok;

describe('read-replicas', () => {
  it('serves every read from the primary, never stale, when all reads go there', () => {
    const r = run('primary-only', 'lag-spike');

    expect(r.metrics.primaryReadShare).toBe(1);
    expect(r.metrics.staleReadRate).toBe(0);
    expect(r.ok).toBe(true);
  });

  it('takes all reads off the primary with plain replica reads, and breaks both session guarantees', () => {
    const r = run('replica-reads', 'lag-spike');

    expect(r.metrics.primaryReadShare).toBe(0);
    expect(r.metrics.readYourWritesViolations).toBeGreaterThan(0);
    expect(r.metrics.monotonicReadViolations).toBeGreaterThan(0);
    expect(broken(r, 'read-your-writes')).toBe(true);
  });

  it('keeps read-your-writes by reading the primary after a write while lag stays under the window', () => {
    const r = run('primary-after-write', 'no-faults');

    expect(r.ok).toBe(true);
    expect(r.metrics.primaryReadShare).toBeLessThan(1);
  });

  it('misses the writer’s own write once a lag spike outlasts the primary-after-write window', () => {
    const r = run('primary-after-write', 'lag-spike');

    expect(broken(r, 'read-your-writes')).toBe(true);
  });

  it('keeps both guarantees through a lag spike by waiting for the session’s log position, falling back to the primary', () => {
    const r = run('lsn-wait', 'lag-spike');

    expect(r.ok).toBe(true);
    expect(r.metrics.fallbackReads).toBeGreaterThan(0);
    expect(r.metrics.primaryReadShare).toBeLessThan(0.6);
  });

  it('shows the replica lag climbing to the stall’s length during a lag spike', () => {
    const r = run('lsn-wait', 'lag-spike');

    expect(r.metrics.replicaLagMaxMs).toBeGreaterThan(1500);
    expect(r.metrics.replicaLagMaxMs).toBeLessThan(2500);
  });

  it('finds plain replica reads breaking a session guarantee from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(readReplicas, { strategy: 'replica-reads', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(['read-your-writes', 'monotonic-reads']).toContain(result.counterexample!.invariant);
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('finds primary-after-write missing an own write from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(readReplicas, { strategy: 'primary-after-write', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(result.counterexample!.invariant).toBe('read-your-writes');
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('keeps primary-only reads sound under generated faults', () => {
    expect(checkScenario(readReplicas, { strategy: 'primary-only', runs: 200, seed: 7 }).counterexample).toBeNull();
  });

  it('keeps LSN-wait reads sound under generated faults', () => {
    const result = checkScenario(readReplicas, { strategy: 'lsn-wait', runs: 200, seed: 7 });

    expect(result.counterexample).toBeNull();
    expect(result.goalsNeverReached).toEqual([]);
  });

  it('gives the same trace hash for the same seed and plan', () => {
    const faults = resolvePreset(readReplicas, 'replica-crash', readReplicas.params.parse({}));

    const a = runScenario(readReplicas, { strategy: 'lsn-wait', seed: 3, faults });
    const b = runScenario(readReplicas, { strategy: 'lsn-wait', seed: 3, faults });

    expect(a.traceHash).toBe(b.traceHash);
  });
});
