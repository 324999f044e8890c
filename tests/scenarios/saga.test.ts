import { describe, expect, it } from 'vitest';
import { DurableStore, type FaultPlan } from '../../engine/index.ts';
import { checkScenario, findScenario, parseParams, resolvePreset, runScenario } from '../../scenarios/index.ts';
import { DurableQueue } from '../../scenarios/parts/messaging/durable-queue.ts';
import { TransactionalStore } from '../../scenarios/parts/storage/transactional-store.ts';
import { unbalancedBooks, undrained } from '../../scenarios/saga/final-state.ts';
import { type Order, rows } from '../../scenarios/saga/messages.ts';

const scenario = findScenario('saga');
const defaults = parseParams<{ orders: number }>(scenario, {});
const preset = (id: string): FaultPlan => resolvePreset(scenario, id, defaults);
const run = (strategy: string, faults: FaultPlan, seed = 1) => runScenario(scenario, { strategy, seed, faults, trace: 'off' });

/** Payment commits a step and crashes before answering; it restarts 200 ms later. At seed 1 the step is o2's charge. */
const paymentCrashAfterCharging: FaultPlan = [
  { at: 200, kind: 'crash', node: 'payment', when: 'committed' },
  { at: 400, kind: 'restart', node: 'payment' },
];

describe('saga without faults', () => {
  it.each(scenario.strategies.map((s) => s.id))('%s completes some sagas, compensates the others, and keeps every invariant', (strategy) => {
    const r = run(strategy, []);

    expect(r.ok).toBe(true);
    expect(r.metrics.completed!).toBeGreaterThan(0);
    expect(r.metrics.compensated!).toBeGreaterThan(0);
    expect(r.metrics.completed! + r.metrics.compensated!).toBe(defaults.orders);
    expect(r.metrics.unresolved!).toBe(0);
  });

  it('an orchestrator’s saga log holds each saga’s whole flow; a choreography spreads it over the services', () => {
    const orchestration = run('orchestration', []);
    const choreography = run('choreography', []);

    expect(orchestration.metrics.placesToTraceSaga!).toBe(1);
    expect(choreography.metrics.placesToTraceSaga!).toBeGreaterThan(2);
  });

  it('a choreography sends more messages per saga than an orchestration, paying for the broker on every hop', () => {
    const orchestration = run('orchestration', []);
    const choreography = run('choreography', []);

    expect(choreography.metrics.messagesPerSaga!).toBeGreaterThan(orchestration.metrics.messagesPerSaga! * 1.2);
  });

  it('a refused step runs the compensations of the steps before it, and the saga still ends fully compensated', () => {
    for (const strategy of ['orchestration', 'choreography']) {
      const quiet = run(strategy, []);
      const refused = run(strategy, preset('step-failure'));

      expect(refused.ok).toBe(true);
      expect(refused.metrics.unresolved!).toBe(0);
      expect(refused.metrics.completed! + refused.metrics.compensated!).toBe(defaults.orders);
      expect(refused.metrics.compensationsRun!).toBeGreaterThan(quiet.metrics.compensationsRun!);
    }
  });

  it('is deterministic: the same seed and plan give the same trace hash', () => {
    for (const strategy of scenario.strategies.map((s) => s.id)) {
      const a = runScenario(scenario, { strategy, seed: 9, faults: preset('lossy-network'), trace: 'hash' });
      const b = runScenario(scenario, { strategy, seed: 9, faults: preset('lossy-network'), trace: 'hash' });
      const other = runScenario(scenario, { strategy, seed: 10, faults: preset('lossy-network'), trace: 'hash' });

      expect(a.traceHash).toBe(b.traceHash);
      expect(other.traceHash).not.toBe(a.traceHash);
    }
  });
});

describe('saga when the orchestrator crashes', () => {
  it('orchestration: every saga pauses while the orchestrator is down, raising completion latency, then resumes from the log', () => {
    const quiet = run('orchestration', []);
    const crashed = run('orchestration', preset('orchestrator-crash'));

    expect(crashed.ok).toBe(true);
    expect(crashed.metrics.unresolved!).toBe(0);
    expect(crashed.metrics.completionLatencyP99Ms!).toBeGreaterThan(quiet.metrics.completionLatencyP99Ms! + 300);
  });

  it('choreography: there is no orchestrator to lose, so the same crash changes nothing', () => {
    const quiet = run('choreography', []);
    const crashed = run('choreography', preset('orchestrator-crash'));

    expect(crashed.metrics).toEqual(quiet.metrics);
  });

  it('orchestration-no-log: the sagas in flight are forgotten and stay half done forever', () => {
    const r = run('orchestration-no-log', preset('orchestrator-crash-mid-saga'));

    expect(r.firstViolation?.invariant).toBe('saga-resolved');
    expect(r.firstViolation?.message).toMatch(/o\d+: order pending, charged \d+/);
    expect(r.metrics.unresolved!).toBeGreaterThan(0);
  });

  it('orchestration-no-log: the checker finds an orphaned saga from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(scenario, { strategy: 'orchestration-no-log', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(result.counterexample?.invariant).toBe('saga-resolved');
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });
});

describe('saga when steps are delivered twice', () => {
  it('non-idempotent-steps: a redelivered order-created charges the customer twice', () => {
    const r = run('non-idempotent-steps', paymentCrashAfterCharging);

    expect(r.firstViolation?.invariant).toBe('no-double-charge');
    expect(r.firstViolation?.message).toBe('o2 was charged twice: 206 taken for an order of 103');
  });

  it('choreography: the same redelivery is recognised by its event id and skipped', () => {
    const r = run('choreography', paymentCrashAfterCharging);

    expect(r.ok).toBe(true);
    expect(r.metrics.duplicateSteps!).toBeGreaterThan(0);
  });

  it('orchestration: a retried request carries its idempotency key and gets the recorded answer', () => {
    const r = run('orchestration', paymentCrashAfterCharging);

    expect(r.ok).toBe(true);
    expect(r.metrics.duplicateSteps!).toBeGreaterThan(0);
  });

  it('choreography: a lossy, duplicating network makes many repeats, all of them harmless', () => {
    const r = run('choreography', preset('lossy-network'));

    expect(r.ok).toBe(true);
    expect(r.metrics.duplicateSteps!).toBeGreaterThan(10);
    expect(r.metrics.retriesPerSaga!).toBeGreaterThan(1);
  });

  it('non-idempotent-steps: shipping crashes before acknowledging and schedules the redelivered shipment again', () => {
    const r = run('non-idempotent-steps', [
      { at: 500, kind: 'crash', node: 'shipping', when: 'committed' },
      { at: 700, kind: 'restart', node: 'shipping' },
    ]);

    expect(r.invariants.find((i) => i.name === 'no-double-shipment')!.violations[0]!.message).toBe('o5 was scheduled for shipping twice');
    expect(r.invariants.find((i) => i.name === 'saga-resolved')!.violations[0]!.message).toMatch(/o5: order approved, .*shipped 2 times/);
  });

  it('non-idempotent-steps: the checker finds a repeated step from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(scenario, { strategy: 'non-idempotent-steps', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(['no-double-charge', 'stock-consistent', 'saga-resolved']).toContain(result.counterexample?.invariant);
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });
});

describe('saga under generated fault plans', () => {
  it.each([
    ['choreography', 11],
    ['orchestration', 12],
  ])('%s: every saga completes or is fully compensated, with no double charge, over 200 generated runs', (strategy, seed) => {
    const result = checkScenario(scenario, { strategy: strategy as string, runs: 200, seed: seed as number });

    expect(result.counterexample).toBeNull();
    expect(result.runs).toBe(200);
    expect(result.goalsNeverReached).toEqual([]);
  });
});

describe('saga end-of-run judgements', () => {
  const order = (id: string, customer: number, amount: number, item: number, quantity: number): Order => ({ id, customer, amount, item, quantity, region: 0 });
  const databases = () => ({
    order: new TransactionalStore(new DurableStore(), 'order'),
    payment: new TransactionalStore(new DurableStore(), 'payment'),
    inventory: new TransactionalStore(new DurableStore(), 'inventory'),
    shipping: new TransactionalStore(new DurableStore(), 'shipping'),
  });

  it('the books balance when every charge and reservation moved both of its rows', () => {
    const db = databases();
    db.payment.commitLocal('t1', [
      { key: rows.balance(0), value: 70 },
      { key: rows.charged('o1'), value: 30 },
    ]);
    db.inventory.commitLocal('t2', [
      { key: rows.stock(0), value: 1 },
      { key: rows.reserved('o1'), value: 2 },
    ]);

    expect(unbalancedBooks([order('o1', 0, 30, 0, 2)], { balances: [100], stockPerItem: 3, items: 1 }, db)).toEqual([]);
  });

  it('the books do not balance when a charge reached the balance but not the order’s row (half a transaction)', () => {
    const db = databases();
    db.payment.commitLocal('t1', [{ key: rows.balance(0), value: 70 }]);
    db.inventory.commitLocal('t2', [{ key: rows.stock(0), value: 3 }]);

    expect(unbalancedBooks([order('o1', 0, 30, 0, 2)], { balances: [100], stockPerItem: 3, items: 1 }, db)).toEqual([
      'customer 0 has 70 and was charged 0 in all, but started with 100',
    ]);
  });

  it('a queue still holding an unacknowledged event is reported with its oldest event', () => {
    const disk = new DurableStore();
    const empty = new DurableQueue(disk, 'payment', { prefetch: 8, maxDeliveries: 3 });
    const holding = new DurableQueue(disk, 'order', { prefetch: 8, maxDeliveries: 3 });
    holding.enqueue('o3:payment-refunded', {}, 0);

    expect(undrained([empty, holding])).toEqual(['order holds 1 (the oldest o3:payment-refunded, failed 0 times)']);
  });
});
