/**
 * The checks that make the lease lock's claims: fencing holds under generated faults, and
 * the checker finds what goes wrong without it, shrunk to a plan a person can read.
 * Run with `npx vitest run` in your project.
 */
import { checkScenario, runScenario } from 'faultline/scenarios';
import { describe, expect, it } from 'vitest';
import { leaseLock } from './lease-lock.ts';

describe('lease-lock', () => {
  it('keeps writes in lease order with fencing, over 300 generated fault plans', () => {
    const result = checkScenario(leaseLock, { strategy: 'fencing', runs: 300, seed: 1 });

    expect(result.counterexample).toBeNull();
    expect(result.goalsNeverReached).toEqual([]);
  });

  it('without fencing, lets a late write land after a newer one: the checker finds it and shrinks it to at most two faults', () => {
    const result = checkScenario(leaseLock, { strategy: 'no-fencing', runs: 1000, seed: 1 });

    expect(result.counterexample?.invariant).toBe('writes-in-lease-order');
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('replays a run exactly: same seed and faults, same trace hash', () => {
    const a = runScenario(leaseLock, { strategy: 'no-fencing', seed: 7 });
    const b = runScenario(leaseLock, { strategy: 'no-fencing', seed: 7 });

    expect(a.traceHash).toBe(b.traceHash);
  });
});
