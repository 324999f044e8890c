import { describe, expect, it } from 'vitest';
import { DurableStore, type FaultPlan } from '../../engine/index.ts';
import { sourceDrift } from '../../scenarios/event-consistency/end-checks.ts';
import { sourcePointsKey } from '../../scenarios/event-consistency/messages.ts';
import { checkScenario, findScenario, parseParams, resolvePreset, runScenario } from '../../scenarios/index.ts';
import { TransactionalStore } from '../../scenarios/parts/storage/transactional-store.ts';

const scenario = findScenario('event-consistency');
const defaults = parseParams<{ events: number; maxDeliveries: number }>(scenario, {});
const preset = (id: string): FaultPlan => resolvePreset(scenario, id, defaults);
const run = (strategy: string, faults: FaultPlan, seed = 1) => runScenario(scenario, { strategy, seed, faults, trace: 'off' });
const sound = scenario.strategies.filter((s) => s.expectedViolations.length === 0).map((s) => s.id);

describe('event-consistency without faults', () => {
  it.each(scenario.strategies.map((s) => s.id))('%s applies every event exactly once and keeps every invariant', (strategy) => {
    const r = run(strategy, []);

    expect(r.ok).toBe(true);
    expect(r.metrics.eventsApplied!).toBe(r.metrics.eventsCommitted!);
    expect(r.metrics.projectionErrorPoints!).toBe(0);
  });

  it('the users spend points as well as earn them, and a spend beyond the balance is refused at the source', () => {
    const r = run('idempotent-consumer', [], 1);
    const noSpending = runScenario(scenario, { strategy: 'idempotent-consumer', seed: 1, faults: [], params: { spendShare: 0 }, trace: 'off' });

    expect(noSpending.metrics.eventsCommitted!).toBe(defaults.events);
    expect(r.metrics.eventsCommitted!).toBeLessThan(defaults.events);
    expect(r.metrics.eventsCommitted!).toBeGreaterThan(defaults.events / 2);
  });

  it('is deterministic: the same seed and plan give the same trace hash', () => {
    for (const strategy of scenario.strategies.map((s) => s.id)) {
      const a = runScenario(scenario, { strategy, seed: 4, faults: preset('duplicates'), trace: 'hash' });
      const b = runScenario(scenario, { strategy, seed: 4, faults: preset('duplicates'), trace: 'hash' });
      const other = runScenario(scenario, { strategy, seed: 5, faults: preset('duplicates'), trace: 'hash' });

      expect(a.traceHash).toBe(b.traceHash);
      expect(other.traceHash).not.toBe(a.traceHash);
    }
  });
});

describe('event-consistency when events are delivered twice', () => {
  it('at-least-once: the consumer crashes between apply and ack, and the redelivered event is counted twice', () => {
    const r = run('at-least-once', preset('consumer-crash-after-apply'));

    expect(r.firstViolation?.invariant).toBe('no-double-apply');
    expect(r.firstViolation?.message).toMatch(/^e\d+ was applied to the projection twice/);
    expect(r.metrics.projectionErrorPoints!).toBeGreaterThan(0);
  });

  it('at-least-once: the checker finds a double apply from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(scenario, { strategy: 'at-least-once', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(result.counterexample?.invariant).toBe('no-double-apply');
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('a processed-id store turns every duplicate into a skip: none applied twice where at-least-once doubles many', () => {
    const plain = run('at-least-once', preset('duplicates'));
    const idempotent = run('idempotent-consumer', preset('duplicates'));

    expect(plain.metrics.doubleApplies!).toBeGreaterThan(5);
    expect(idempotent.metrics.doubleApplies!).toBe(0);
    expect(idempotent.metrics.duplicatesSkipped!).toBe(plain.metrics.doubleApplies!);
    expect(idempotent.metrics.projectionErrorPoints!).toBe(0);
  });

  it('a slow broker delays every event and makes publishers retry, which makes duplicates', () => {
    const quiet = run('idempotent-consumer', []);
    const slow = run('idempotent-consumer', preset('broker-delay'));

    expect(slow.metrics.applyLagP99Ms!).toBeGreaterThan(quiet.metrics.applyLagP99Ms! + 100);
    expect(slow.metrics.duplicatesSkipped!).toBeGreaterThan(0);
    expect(slow.ok).toBe(true);
  });
});

describe('event-consistency with a poison message', () => {
  it('plain retries: the poison message is retried forever and every event behind it stalls', () => {
    const r = run('idempotent-consumer', preset('poison-message'));

    expect(r.metrics.parked!).toBe(0);
    expect(r.metrics.eventsApplied!).toBeLessThan(defaults.events / 2);
    expect(r.metrics.backlogMax!).toBeGreaterThan(defaults.events / 2);
    expect(r.metrics.redeliveries!).toBeGreaterThan(20);
  });

  it('a dead-letter queue parks the poison message after a few backoffs and keeps the throughput', () => {
    const blocked = run('idempotent-consumer', preset('poison-message'));
    const parked = run('retry-dlq', preset('poison-message'));

    expect(parked.ok).toBe(true);
    expect(parked.metrics.parked!).toBe(1);
    expect(parked.metrics.eventsApplied!).toBe(parked.metrics.eventsCommitted! - 1);
    expect(parked.metrics.throughputPerSec!).toBeGreaterThan(blocked.metrics.throughputPerSec! * 3);
    expect(parked.metrics.redeliveries!).toBe(defaults.maxDeliveries - 1);
  });

  it('reconciliation repairs the parked event from the source, so the projection converges exactly', () => {
    const parked = run('retry-dlq', preset('poison-message'));
    const reconciled = run('reconciliation', preset('poison-message'));

    expect(parked.metrics.projectionErrorPoints!).toBeGreaterThan(0);
    expect(reconciled.metrics.repairs!).toBe(1);
    expect(reconciled.metrics.projectionErrorPoints!).toBe(0);
    expect(reconciled.ok).toBe(true);
  });
});

describe('event-consistency when the producer crashes between its commit and its publish', () => {
  it('a dual write loses the event for good: the source has it, the projection never will', () => {
    const r = run('retry-dlq', preset('producer-crash-before-publish'));

    expect(r.metrics.eventsMissing!).toBe(1);
    expect(r.metrics.projectionErrorPoints!).toBeGreaterThan(0);
  });

  it('the outbox publishes it after the restart: nothing is lost', () => {
    const r = run('outbox', preset('producer-crash-before-publish'));

    expect(r.ok).toBe(true);
    expect(r.metrics.eventsMissing!).toBe(0);
    expect(r.metrics.projectionErrorPoints!).toBe(0);
  });

  it('reconciliation finds the lost event in the source and repairs the projection', () => {
    const r = run('reconciliation', preset('producer-crash-before-publish'));

    expect(r.ok).toBe(true);
    expect(r.metrics.repairs!).toBe(1);
    expect(r.metrics.projectionErrorPoints!).toBe(0);
  });
});

describe('event-consistency reconciliation under clock faults', () => {
  it('repairs an event the dual write lost even after the producer’s clock jumped back: its watermark is a position, not a time', () => {
    const r = run('reconciliation', [
      { at: 300, kind: 'skew', node: 'producer', byMs: -500 },
      { at: 600, kind: 'crash', node: 'producer', when: 'committed' },
      { at: 700, kind: 'restart', node: 'producer' },
    ]);

    expect(r.ok).toBe(true);
    expect(r.metrics.repairs!).toBe(1);
    expect(r.metrics.projectionErrorPoints!).toBe(0);
  });
});

describe('event-consistency source of truth', () => {
  it('agrees with itself when every commit wrote the total and the history row together', () => {
    const source = new TransactionalStore(new DurableStore(), 'points');
    source.commitLocalWith('t1', [{ key: sourcePointsKey(0), value: 40 }], [{ table: 'points-history', record: { id: 'e1', user: 0, points: 40, atMs: 1 } }]);

    expect(sourceDrift([{ id: 'e1', user: 0, points: 40, atMs: 1 }], source, 1)).toBeNull();
  });

  it('reports a user whose total disagrees with their history (half a transaction)', () => {
    const source = new TransactionalStore(new DurableStore(), 'points');
    source.commitLocal('t1', [{ key: sourcePointsKey(0), value: 40 }]);

    expect(sourceDrift([], source, 1)).toEqual({
      message: "the points service's own records disagree: user 0 has 40 points at the source but a history adding up to 0",
      ids: [],
    });
  });
});

describe('event-consistency under generated fault plans', () => {
  it.each(sound.map((strategy, i) => [strategy, 21 + i] as const))('%s keeps every invariant it claims over 200 generated runs', (strategy, seed) => {
    const result = checkScenario(scenario, { strategy, runs: 200, seed });

    expect(result.counterexample).toBeNull();
    expect(result.runs).toBe(200);
    expect(result.goalsNeverReached).toEqual([]);
  });
});
