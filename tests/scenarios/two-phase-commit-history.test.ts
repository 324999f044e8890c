import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../history/index.ts';
import { findScenario, parseParams, resolvePreset, runScenario } from '../../scenarios/index.ts';
import { FINAL_READER } from '../../scenarios/two-phase-commit/transfer-history.ts';

const scenario = findScenario('two-phase-commit');
const defaults = parseParams(scenario, {});
const withHistory = (strategy: string, presetId: string, seed = 1) =>
  runScenario(scenario, { strategy, seed, faults: resolvePreset(scenario, presetId, defaults), history: true });
const strict = (r: ReturnType<typeof withHistory>) => checkHistory(r.history!, { model: 'list-append', consistency: 'strict-serializable' });

describe('two-phase-commit, its recorded transfers judged by the generic transactional checker', () => {
  it.each(['durable-log', 'cooperative'])('%s: under every preset the transfers are strictly serializable, with a final read of every account', (strategy) => {
    for (const preset of scenario.presets) {
      const r = withHistory(strategy, preset.id);

      expect(strict(r).ok).toBe(true);
      const ops = r.history!.operations;
      const touched = new Set(
        ops.filter((op) => op.type === 'invoke' && op.process !== FINAL_READER).flatMap((op) => (op.value as unknown[][]).map((m) => m[1])),
      );
      const finalRead = ops.find((op) => op.process === FINAL_READER && op.type === 'ok')!;
      expect((finalRead.value as unknown[][]).map((m) => m[1]).sort()).toEqual([...touched].sort());
      // Every committed transfer read the accounts it changed and is in both final lists.
      const final = new Map((finalRead.value as [string, string, string[]][]).map(([, key, list]) => [key, list]));
      for (const op of ops.filter((o) => o.type === 'ok' && o.process !== FINAL_READER)) {
        const mops = op.value as [string, string, unknown][];
        expect(mops.filter((m) => m[0] === 'r')).toHaveLength(2);
        for (const [f, key, tx] of mops) if (f === 'append') expect(final.get(key)).toContain(tx);
      }
      expect(checkHistory(r.history!, { model: 'list-append', consistency: 'strict-serializable' }).ok).toBe(true);
    }
  });

  it('records without changing the trace: a re-submitted transfer is one operation, and one the client never heard of is indeterminate', () => {
    const plain = runScenario(scenario, { strategy: 'durable-log', seed: 1, faults: resolvePreset(scenario, 'coordinator-crash-after-prepare', defaults) });
    const r = withHistory('durable-log', 'coordinator-crash-after-prepare');

    expect(r.traceHash).toBe(plain.traceHash);
    const invokes = r.history!.operations.filter((op) => op.type === 'invoke' && op.process !== FINAL_READER);
    expect(invokes).toHaveLength(defaults.transfers as number);
    expect(r.history!.operations.filter((op) => op.type !== 'invoke' && op.process !== FINAL_READER)).toHaveLength(defaults.transfers as number);
  });

  it('in-memory: the transfer a forgetful coordinator aborted is seen on the participant that had committed it (G1a)', () => {
    const r = withHistory('in-memory', 'coordinator-crash-after-decision');

    expect(strict(r).anomalies[0]?.explanation).toMatch(/which failed \(aborted read\)/);
    const result = checkHistory(r.history!, { model: 'list-append', consistency: 'read-committed' });
    expect(result.anomalies.map((a) => a.type)).toContain('G1a');
  });

  it('unilateral-abort: the transfer the client was told committed is missing from the participant that aborted alone (lost append)', () => {
    const r = withHistory('unilateral-abort', 'coordinator-crash-after-decision');

    const result = strict(r);
    expect(result.ok).toBe(false);
    expect(result.anomalies.map((a) => a.type)).toContain('lost-append');
    expect(result.anomalies.find((a) => a.type === 'lost-append')!.explanation).toMatch(/the acknowledged append is lost/);
  });

  it('the 2PC strategies claim it in every run (strict-serializable-transfers): the sound ones keep it, the flawed ones break it where atomicity breaks', () => {
    for (const strategy of ['durable-log', 'cooperative'])
      for (const preset of scenario.presets) {
        const r = runScenario(scenario, { strategy, seed: 2, faults: resolvePreset(scenario, preset.id, defaults), trace: 'off' });
        expect(r.invariants.find((i) => i.name === 'strict-serializable-transfers')?.ok, `${strategy} ${preset.id}`).toBe(true);
      }
    const faults = resolvePreset(scenario, 'coordinator-crash-after-decision', defaults);
    const claimOf = (strategy: string) => {
      const r = runScenario(scenario, { strategy, seed: 1, faults, trace: 'off' });
      expect(r.invariants.find((i) => i.name === 'atomicity')!.ok).toBe(false);
      return r.invariants.find((i) => i.name === 'strict-serializable-transfers')!;
    };
    expect(claimOf('in-memory').violations[0]!.message).toMatch(/^list-append \(strict-serializable\): G1a: /);
    expect(claimOf('unilateral-abort').violations[0]!.message).toMatch(/^list-append \(strict-serializable\): lost-append: /);
  });

  it('claims nothing of the saga contrast: a refunded transfer’s debit is visible, an aborted read under any isolation level', () => {
    const r = withHistory('saga', 'coordinator-crash-before-prepare');

    expect(r.invariants.some((i) => i.name.includes('serializ'))).toBe(false);
    const txns = r.history!.operations.filter((op) => op.process !== FINAL_READER && op.type === 'ok');
    expect(txns.length).toBeGreaterThan(0);
    expect(txns.every((op) => (op.value as unknown[][]).every((m) => m[0] === 'append'))).toBe(true);
    const result = checkHistory(r.history!, { model: 'list-append', consistency: 'read-committed' });
    expect(result.ok).toBe(false);
    expect(result.anomalies.map((a) => a.type)).toContain('G1a');
  });
});
