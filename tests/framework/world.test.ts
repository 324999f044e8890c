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
