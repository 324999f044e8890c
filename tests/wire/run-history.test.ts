/**
 * The history a viewer is sent (wire/run-history.ts): operations paired with their values as
 * short text, each violated claim's anomalies naming the operations they are about, and a
 * bound — a long history keeps the operations the anomalies name and says what it left out.
 */
import { describe, expect, it } from 'vitest';
import type { History } from '../../history/index.ts';
import { findScenario, type InvariantResult, type InvariantSpec, invariantsFor, runScenario } from '../../scenarios/index.ts';
import { summarizeHistory } from '../../wire/index.ts';

const sessionClaim: InvariantSpec = { name: 'session-guarantees', description: 'd', kind: 'safety', history: { model: 'session' } } as InvariantSpec;
const violated: InvariantResult[] = [{ name: 'session-guarantees', kind: 'safety', ok: false, count: 1, violations: [] }];

/** `n` sessions' ok writes and reads of one key each; the last session then reads nil after its own write. */
function sessionHistory(n: number): History {
  const operations: History['operations'] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const p = `user${i}`;
    operations.push({ process: p, type: 'invoke', f: 'write', value: [`k${i}`, 1], timeMs: t++ });
    operations.push({ process: p, type: 'ok', f: 'write', value: [`k${i}`, 1], timeMs: t++ });
  }
  const p = `user${n - 1}#2`;
  operations.push({ process: p, type: 'invoke', f: 'read', value: [`k${n - 1}`, null], timeMs: t++ });
  operations.push({ process: p, type: 'ok', f: 'read', value: [`k${n - 1}`, null], timeMs: t++ });
  return { operations };
}

describe('the history sent to a viewer', () => {
  it('names the operations of a violated claim by id, the read it is about as the main one', () => {
    const view = summarizeHistory(sessionHistory(3), [sessionClaim], violated)!;
    expect(view.operations).toHaveLength(4);
    expect(view.operations[3]).toMatchObject({ process: 'user2#2', f: 'read', key: 'k2', value: 'nil', result: 'nil', type: 'ok' });
    const [claim] = view.claims;
    expect(claim!.verdict).toBe('violated');
    expect(claim!.anomalies[0]).toMatchObject({ type: 'read-your-writes', operations: [2, 3], main: 3 });
    expect(view.cut).toBeNull();
  });

  it('keeps a long history under its cap, with every operation an anomaly names, and says what it cut', () => {
    const view = summarizeHistory(sessionHistory(5_000), [sessionClaim], violated, 100)!;
    expect(view.operations).toHaveLength(100);
    expect(view.operationsTotal).toBe(5_001);
    const ids = new Set(view.operations.map((op) => op.id));
    for (const id of view.claims[0]!.anomalies[0]!.operations) expect(ids.has(id)).toBe(true);
    expect(view.cut).toBe('100 of 5,001 operations shown: the first 98 invoked and the 2 the anomalies name (the history sent to a viewer is capped at 100)');
  });

  it('does not judge a claim the run found held, and is null for a run that recorded nothing', () => {
    const held = summarizeHistory(sessionHistory(2), [sessionClaim], [{ ...violated[0]!, ok: true, count: 0 }])!;
    expect(held.claims[0]).toMatchObject({ verdict: 'held', anomalies: [], anomaliesTotal: 0 });
    expect(summarizeHistory({ operations: [] }, [sessionClaim], violated)).toBeNull();
  });

  it('finds the operations of a linearizability witness (multi-region: the acknowledged add the final read does not see)', () => {
    const scenario = findScenario('multi-region');
    const result = runScenario(scenario, { strategy: 'active-passive-async', seed: 1, history: true });
    const view = summarizeHistory(result.history!, invariantsFor(scenario, 'active-passive-async'), result.invariants)!;
    const anomaly = view.claims.find((c) => c.invariant === 'linearizable-items')!.anomalies[0]!;
    const named = anomaly.operations.map((id) => view.operations.find((op) => op.id === id)!);
    expect(named.map((op) => `${op.process} ${op.f} ${op.key}`)).toEqual(['users-us write list23/us-6', 'final-read read list23/us-6']);
    expect(anomaly.main).toBe(named[1]!.id);
  });
});
