import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/index.ts';
import { defineScenario, resolvePreset, runScenario } from '../../scenarios/index.ts';
import { toy } from './toy-scenario.ts';

describe('runScenario', () => {
  it('runs a strategy with defaults and reports metrics, invariants, goals and a trace hash', () => {
    const r = runScenario(toy, { seed: 1 });

    expect(r.strategy).toBe('durable');
    expect(r.params).toEqual({ increments: 20, gapMs: 10, eventsMax: 1_000_000 });
    expect(r.metrics.acked).toBe(20);
    expect(r.invariants).toEqual([{ name: 'acked-kept', kind: 'liveness', ok: true, count: 0, violations: [] }]);
    expect(r.goals).toEqual([
      { name: 'acked', reached: true },
      { name: 'never', reached: false },
    ]);
    expect(r.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.ok).toBe(true);
  });

  it('heals the faults an inject schedules for the heal instant too, after they happen (a rack losing power at the end of the window)', () => {
    // The toy's workload ends at 200 ms, so an inject drawn at 200 ms fires at the heal instant.
    const rack = defineScenario({
      ...toy,
      id: 'toy-rack-power',
      faultSpace: (p) => ({ ...toy.faultSpace(p), injects: [{ name: 'power-loss', description: 'the counter loses power' }] }),
      build(world) {
        world.onInject('power-loss', () => world.sim.schedulePlan([{ at: world.now, kind: 'crash', node: 'counter' }]));
        return toy.build(world);
      },
    });
    const r = runScenario(rack, { seed: 1, faults: [{ at: 200, kind: 'inject', name: 'power-loss' }], trace: 'memory' });
    const atHeal = r
      .trace!.events()
      .filter((e) => e.t === 200 && (e.type === 'crash' || e.type === 'restart'))
      .map((e) => e.type);

    expect(r.healAtMs).toBe(200);
    expect(atHeal).toEqual(['crash', 'restart']);
    expect(r.ok).toBe(true);
  });

  it("tells the build whether the run's metrics are read: not in a check's runs (metrics: false)", () => {
    const seen: boolean[] = [];
    const spy = defineScenario({
      ...toy,
      id: 'toy-metrics-read',
      build(world) {
        seen.push(world.metricsRead);
        return toy.build(world);
      },
    });
    const read = runScenario(spy, { seed: 1 });
    const skipped = runScenario(spy, { seed: 1, metrics: false });

    expect(seen).toEqual([true, false]);
    expect(skipped.metrics).toEqual({});
    expect(skipped.invariants).toEqual(read.invariants);
    expect(skipped.traceHash).toBe(read.traceHash);
  });

  it('heals every fault at the later of the workload end and the last fault, then settles', () => {
    const r = runScenario(toy, { seed: 1, faults: [{ at: 350, kind: 'crash', node: 'counter' }] });

    expect(r.workloadMs).toBe(200);
    expect(r.healAtMs).toBe(350);
    expect(r.simTimeMs).toBe(350 + 500);
  });

  it('judges liveness after settling: a volatile counter that crashed lost acknowledged increments', () => {
    const faults = resolvePreset(toy, 'counter-crash', { increments: 20, gapMs: 10, eventsMax: 1_000_000 });

    const durable = runScenario(toy, { seed: 3, strategy: 'durable', faults });
    const volatile = runScenario(toy, { seed: 3, strategy: 'volatile', faults });

    expect(durable.ok).toBe(true);
    expect(volatile.ok).toBe(false);
    expect(volatile.firstViolation?.invariant).toBe('acked-kept');
    expect(volatile.firstViolation?.message).toMatch(/the counter holds \d+ but \d+ increments were acknowledged/);
  });

  it('stops a runaway strategy at its event bound and names the bound', () => {
    const r = runScenario(toy, { seed: 1, strategy: 'runaway', params: { eventsMax: 5_000 } });

    const bound = r.invariants.find((i) => i.name === 'run-bounded');
    expect(bound?.ok).toBe(false);
    expect(bound?.violations[0]?.message).toContain('eventsMax=5000');
    expect(r.ok).toBe(false);
  });

  it('rejects an unknown strategy, naming the strategies there are', () => {
    expect(() => runScenario(toy, { seed: 1, strategy: 'nope' })).toThrowError(
      new InputError("unknown strategy 'nope' for toy-counter; strategies are: durable, volatile, runaway"),
    );
  });

  it('rejects a fault plan naming a node that does not exist', () => {
    expect(() => runScenario(toy, { seed: 1, faults: [{ at: 1, kind: 'crash', node: 'ghost' }] })).toThrow(
      /faults\[0\] \(crash\) names node 'ghost'.*sender, counter/,
    );
  });

  it('gives the same trace hash for the same seed and plan, and a different one for another seed', () => {
    const faults = resolvePreset(toy, 'counter-crash', { increments: 20, gapMs: 10, eventsMax: 1_000_000 });

    const a = runScenario(toy, { seed: 5, strategy: 'volatile', faults });
    const b = runScenario(toy, { seed: 5, strategy: 'volatile', faults });
    const c = runScenario(toy, { seed: 6, strategy: 'volatile', faults, params: { gapMs: 11 } });

    expect(a.traceHash).toBe(b.traceHash);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it('keeps the trace in memory on request, and its hash is the run hash', () => {
    const r = runScenario(toy, { seed: 2, trace: 'memory' });

    expect(r.trace).not.toBeNull();
    expect(r.trace!.length).toBeGreaterThan(40);
    expect(r.trace!.hash()).toBe(runScenario(toy, { seed: 2 }).traceHash);
  });

  it('records no trace and no hash with the trace off, yet reaches the same verdict', () => {
    const off = runScenario(toy, { seed: 2, trace: 'off' });

    expect(off.traceHash).toBeNull();
    expect(off.ok).toBe(true);
    expect(off.metrics).toEqual(runScenario(toy, { seed: 2 }).metrics);
  });
});
