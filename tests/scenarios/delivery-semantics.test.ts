import { describe, expect, it } from 'vitest';
import { deliverySemantics as scenario } from '../../scenarios/delivery-semantics/index.ts';
import { checkScenario, parseParams, resolvePreset, runScenario } from '../../scenarios/index.ts';

const SEED = 11;
const preset = (id: string) => resolvePreset(scenario, id, parseParams(scenario));
const run = (strategy: string, presetId: string | null, seed = SEED) =>
  runScenario(scenario, { strategy, seed, faults: presetId === null ? [] : preset(presetId), trace: 'off' });

describe('delivery-semantics: each strategy’s figures', () => {
  it('every strategy delivers every payment exactly once when nothing fails', () => {
    for (const s of scenario.strategies) {
      const r = run(s.id, null);
      expect(r.ok, s.id).toBe(true);
      expect(r.metrics.lost, s.id).toBe(0);
      expect(r.metrics.duplicated, s.id).toBe(0);
    }
  });

  it('at most once loses the batch it committed before a crash, and duplicates nothing', () => {
    const r = run('at-most-once', 'crash-after-commit');
    expect(r.metrics.lost).toBeGreaterThanOrEqual(1);
    expect(r.metrics.duplicated).toBe(0);
    expect(r.firstViolation?.invariant).toBe('no-loss');
  });

  it('at most once loses payments when the leading broker dies: acks=1 and no retries', () => {
    const r = run('at-most-once', 'broker-failover');
    expect(r.metrics.lost).toBeGreaterThan(0);
    expect(r.metrics.duplicated).toBe(0);
  });

  it('at least once processes a batch again after a crash between processing and committing', () => {
    const r = run('at-least-once', 'crash-after-process');
    expect(r.metrics.reprocessed).toBeGreaterThanOrEqual(1);
    expect(r.metrics.duplicated).toBeGreaterThanOrEqual(1);
    expect(r.metrics.lost).toBe(0);
  });

  it('at least once writes a payment twice when a producer acknowledgement is lost', () => {
    const r = run('at-least-once', 'lost-ack');
    expect(r.metrics.producerRetries).toBeGreaterThanOrEqual(1);
    expect(r.metrics.duplicated).toBe(1);
    expect(r.metrics.lost).toBe(0);
  });

  it('at least once and exactly once keep every acknowledged payment through a broker failover (acks=all)', () => {
    for (const strategy of ['at-least-once', 'exactly-once']) {
      const r = run(strategy, 'broker-failover');
      expect(r.metrics.ackedButLost, strategy).toBe(0);
      expect(r.metrics.lost, strategy).toBe(0);
    }
  });

  it('exactly once neither loses nor duplicates under any preset, and pays in latency', () => {
    for (const p of scenario.presets) {
      const r = run('exactly-once', p.id);
      expect(r.metrics.lost, p.id).toBe(0);
      expect(r.metrics.duplicated, p.id).toBe(0);
    }
    expect(run('exactly-once', null).metrics.latencyP50Ms).toBeGreaterThan(run('at-least-once', null).metrics.latencyP50Ms!);
  });

  it('exactly once processes a batch again after a crash, but its first attempt never becomes visible', () => {
    const r = run('exactly-once', 'crash-after-process');
    expect(r.metrics.reprocessed).toBeGreaterThanOrEqual(1);
    expect(r.metrics.duplicated).toBe(0);
  });
});

describe('delivery-semantics: the checker', () => {
  it('finds at most once losing payments from scratch and shrinks it to at most 2 faults', () => {
    const r = checkScenario(scenario, { strategy: 'at-most-once', runs: 1000, seed: 1 });
    expect(r.counterexample?.invariant).toBe('no-loss');
    expect(r.asExpected).toBe(true);
    expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('finds at least once duplicating a payment from scratch and shrinks it to at most 2 faults', () => {
    const r = checkScenario(scenario, { strategy: 'at-least-once', runs: 1000, seed: 1 });
    expect(r.counterexample?.invariant).toBe('no-duplicate-effect');
    expect(r.asExpected).toBe(true);
    expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('finds no loss and no duplicate for exactly once over 200 generated fault plans', () => {
    const r = checkScenario(scenario, { strategy: 'exactly-once', runs: 200, seed: 7 });
    expect(r.counterexample).toBeNull();
    expect(r.ok).toBe(true);
  });
});

describe('delivery-semantics: determinism', () => {
  it('gives the same trace hash for the same seed and fault plan', () => {
    const faults = preset('broker-failover');
    const a = runScenario(scenario, { strategy: 'exactly-once', seed: 5, faults, trace: 'hash' });
    const b = runScenario(scenario, { strategy: 'exactly-once', seed: 5, faults, trace: 'hash' });
    expect(a.traceHash).toBe(b.traceHash);
    const c = runScenario(scenario, { strategy: 'exactly-once', seed: 6, faults, trace: 'hash' });
    expect(c.traceHash).not.toBe(a.traceHash);
  });
});
