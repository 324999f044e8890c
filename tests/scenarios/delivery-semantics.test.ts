import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../engine/index.ts';
import { EffectsAudit } from '../../scenarios/delivery-semantics/effects-audit.ts';
import { deliverySemantics as scenario } from '../../scenarios/delivery-semantics/index.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';
import { PartitionLog } from '../../scenarios/parts/log/partition-log.ts';

const SEED = 11;
const preset = (id: string) => resolvePreset(scenario, id, parseParams(scenario));
const run = (strategy: string, presetId: string | null, seed = SEED) =>
  runScenario(scenario, { strategy, seed, faults: presetId === null ? [] : preset(presetId), trace: 'off' });
const broken = (r: ReturnType<typeof run>) => r.invariants.filter((i) => !i.ok).map((i) => i.name);

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

describe('delivery-semantics: crashes of every stateful node', () => {
  it('declares every node that holds state crashable: the brokers, the controller (and coordinators), the processor', () => {
    const space = declaredSystem(scenario, parseParams(scenario)).faultSpace;
    expect([...space.crashable].sort()).toEqual(['broker-1', 'broker-2', 'controller', 'processor']);
  });

  it('exactly once keeps every acknowledged payment when both brokers lose power at once: replicas force before they count', () => {
    const faults = [
      { at: 400, kind: 'crash' as const, node: 'broker-1' },
      { at: 400, kind: 'crash' as const, node: 'broker-2' },
      { at: 700, kind: 'restart' as const, node: 'broker-2' },
      { at: 800, kind: 'restart' as const, node: 'broker-1' },
    ];
    const r = runScenario(scenario, { strategy: 'exactly-once', seed: SEED, faults, trace: 'off' });
    expect(broken(r)).toEqual([]);
    expect(r.metrics.ackedButLost).toBe(0);
  });

  it('exactly once survives a crash of the controller, which hosts the group and transaction coordinators', () => {
    for (const at of [150, 300, 450]) {
      const faults = [
        { at, kind: 'crash' as const, node: 'controller' },
        { at: at + 200, kind: 'restart' as const, node: 'controller' },
      ];
      const r = runScenario(scenario, { strategy: 'exactly-once', seed: SEED, faults, trace: 'off' });
      expect(broken(r), `crash at ${at}`).toEqual([]);
    }
  });
});

describe('delivery-semantics: the end-of-run verdict', () => {
  const payment = (id: string) => ({ key: 'acct', value: { id, account: 'acct', amount: 1, atMs: 0 } });
  const entry = (id: string) => ({ key: 'acct', value: { payment: id, amount: 1 } });

  it('calls a payment lost when the ledger has no entry for it, and a duplicate when it has two', () => {
    const ledger = PartitionLog.open(new DurableStore(), 'ledger-0');
    ledger.appendAsLeader([entry('p1'), entry('p2'), entry('p2')], -1, -1, -1, -1, 0, 0);
    ledger.advanceHighWatermark(3);
    const v = EffectsAudit.verdict(['p1', 'p2', 'p3'], null, ledger, []);
    expect(v.lost).toEqual(['p3']);
    expect(v.duplicated).toEqual([['p2', 2]]);
  });

  it('counts neither entries above the high watermark nor those of an aborted transaction, and reports an open one', () => {
    const ledger = PartitionLog.open(new DurableStore(), 'ledger-0');
    ledger.appendAsLeader([entry('p1')], 9, 0, 0, 1, 0, 0);
    ledger.appendMarker(9, 0, 1, false, 0, 0);
    ledger.appendAsLeader([entry('p2')], 9, 0, 1, 2, 0, 0);
    ledger.advanceHighWatermark(3);
    ledger.appendAsLeader([entry('p3')], -1, -1, -1, -1, 0, 0);
    const v = EffectsAudit.verdict(['p1', 'p2', 'p3'], null, ledger, []);
    expect(v.lost).toEqual(['p1', 'p2', 'p3']);
    expect(v.open).toBe(1);
  });

  it('finds an acknowledged payment missing from the payments log, and one written twice', () => {
    const input = PartitionLog.open(new DurableStore(), 'payments-0');
    input.appendAsLeader([payment('p1'), payment('p2'), payment('p2')], -1, -1, -1, -1, 0, 0);
    input.advanceHighWatermark(3);
    const v = EffectsAudit.verdict([], input, null, ['p1', 'p3']);
    expect(v.ackedButLost).toEqual(['p3']);
    expect(v.duplicateRecords).toEqual(['p2']);
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

  it('finds no loss, duplicate, lost acknowledgement or hanging transaction for exactly once over 200 generated fault plans', () => {
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
