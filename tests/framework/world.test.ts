import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { declaredSystem, defineScenario, describeScenario, parseParams, runScenario } from '../../scenarios/index.ts';
import { toy } from './toy-scenario.ts';

const bare = {
  id: 'bare',
  title: 'Bare',
  family: 'my own',
  question: 'q',
  summary: 's',
  params: z.object({}),
  timing: () => ({ workloadMs: 10, settleMs: 10 }),
  strategies: [{ id: 'only', title: 'Only', explanation: 'e', expectedViolations: [] }],
  defaultStrategy: 'only',
  invariants: [{ name: 'held', kind: 'liveness' as const, description: 'd' }],
  goals: [],
  metrics: [],
  presets: [],
  faultSpace: () => ({ windowMs: 10 }),
};

describe('the world a build function declares into', () => {
  it('reads the topology, the charts and the fault space from the nodes build declares', () => {
    const info = describeScenario(toy);

    expect(info.topology).toEqual([
      { name: 'sender', role: 'client' },
      { name: 'counter', role: 'server' },
    ]);
    expect(info.charts).toEqual([{ id: 'count', title: 'Count', unit: 'increments', series: ['count', 'acked'] }]);
    expect(info.faultSpace.crashable).toEqual(['counter']);
    expect(info.faultSpace.partitionable).toEqual(['sender', 'counter']);
    expect(info.faultSpace.excluded).toContainEqual({
      kind: 'crash',
      node: 'sender',
      reason: 'the sender stands for the users; the question is what the counter keeps',
    });
    expect(info.faultSpace.kinds).not.toContain('skew');
  });

  it('takes any family name', () => {
    const s = defineScenario({ ...bare, build: (world) => (world.node('x', { role: 'r' }, () => ({})), { metrics: () => ({}) }) });

    expect(describeScenario(s).family).toBe('my own');
  });

  it('refuses a node spared from a fault class without a reason, and a class that does not exist', () => {
    const noReason = defineScenario({ ...bare, build: (world) => (world.node('x', { role: 'r', spare: { crash: '' } }, () => ({})), { metrics: () => ({}) }) });
    const noClass = defineScenario({
      ...bare,
      build: (world) => (world.node('x', { role: 'r', spare: { disk: 'a reason long enough' } as never }, () => ({})), { metrics: () => ({}) }),
    });

    expect(() => declaredSystem(noReason, {})).toThrow(/node 'x' spares crash without a reason/);
    expect(() => declaredSystem(noClass, {})).toThrow(/spares 'disk', which is not a fault class; classes are crash, pause, network, clock/);
  });

  it('refuses a build that declares no node', () => {
    const empty = defineScenario({ ...bare, build: () => ({ metrics: () => ({}) }) });

    expect(() => runScenario(empty, { seed: 1 })).toThrow(/build declared no node/);
  });

  it('samples chart series only when a trace is recorded, and rates from counts', () => {
    const traced = runScenario(toy, { seed: 1, strategy: 'durable', faults: [], trace: 'memory' });
    const untraced = runScenario(toy, { seed: 1, strategy: 'durable', faults: [], trace: 'off' });

    const metrics = traced.trace!.events().filter((e) => e.type === 'metric');
    expect(new Set(metrics.map((e) => (e.type === 'metric' ? e.name : '')))).toEqual(new Set(['count', 'acked']));
    const acked = metrics.filter((e) => e.type === 'metric' && e.name === 'acked');
    expect(acked.every((e) => e.type === 'metric' && e.value >= 0)).toBe(true);
    // The samplers are events of the traced run only; the run's decisions are the same.
    expect(untraced.events).toBeLessThan(traced.events);
    expect(untraced.ok).toBe(traced.ok);
    expect(untraced.metrics).toEqual(traced.metrics);
  });

  it('keeps the witnesses a violation names', () => {
    const witnessed = defineScenario({
      ...bare,
      build: (world) => {
        world.node('x', { role: 'r' }, () => ({}));
        world.atEnd(() => world.violate('held', 'it broke', { node: 'x', witnesses: [{ t: 3, node: 'x', key: 'k1', what: 'the cause' }] }));
        return { metrics: () => ({}) };
      },
    });

    const r = runScenario(witnessed, { seed: 1, params: parseParams(witnessed, {}) });

    expect(r.invariants[0]!.violations).toEqual([{ time: 20, node: 'x', message: 'it broke', witnesses: [{ t: 3, node: 'x', key: 'k1', what: 'the cause' }] }]);
  });
});

describe("an invariant judged on the clients' history", () => {
  // A register whose replica answers reads; with 'stale' the replica never hears of writes.
  const register = defineScenario({
    ...bare,
    id: 'history-register',
    strategies: [
      { id: 'fresh', title: 'Fresh', explanation: 'reads see every completed write', expectedViolations: [] },
      { id: 'stale', title: 'Stale', explanation: 'reads come from a replica that never updates', expectedViolations: ['linearizable'] },
    ],
    defaultStrategy: 'fresh',
    invariants: [{ name: 'linearizable', kind: 'safety' as const, description: 'reads and writes are linearizable', history: { model: 'register' } }],
    build: (world) => {
      let value = 0;
      world.node('store', { role: 'store' }, (ctx) => {
        for (let i = 1; i <= 3; i++) {
          world.at(i * 10, () => {
            const w = world.history.invoke('writer', 'write', i);
            value = i;
            world.history.ok(w, i);
            const r = world.history.invoke('reader', 'read', null);
            world.history.ok(r, world.strategy === 'fresh' ? value : 0);
          });
        }
        ctx.setTimer(1, 'tick');
        return {};
      });
      return { metrics: () => ({}) };
    },
  });

  it('passes a linearizable history and finds a stale read, with the moment it happened', () => {
    const fresh = runScenario(register, { seed: 1, strategy: 'fresh', history: true });
    const stale = runScenario(register, { seed: 1, strategy: 'stale' });

    expect(fresh.ok).toBe(true);
    expect(fresh.history!.operations).toHaveLength(8);
    expect(stale.ok).toBe(false);
    expect(stale.history).toBeNull();
    const v = stale.invariants.find((i) => i.name === 'linearizable')!.violations[0]!;
    expect(v.message).toMatch(/^register: not-linearizable: /);
    expect(v.witnesses!.length).toBeGreaterThan(0);
    expect(v.witnesses!.every((w) => w.t >= 10 && w.t <= 20)).toBe(true);
  });

  it('records nothing when nobody reads the history', () => {
    const plain = defineScenario({ ...bare, build: (world) => (world.node('x', { role: 'r' }, () => ({})), { metrics: () => ({}) }) });

    expect(runScenario(plain, { seed: 1 }).history).toBeNull();
    expect(runScenario(plain, { seed: 1, history: true }).history).toEqual({ operations: [] });
  });
});
