import { describe, expect, it } from 'vitest';
import { MemoryTrace, Simulation } from '../../engine/index.ts';

describe('Simulation.violate', () => {
  it('records the time, invariant, message and node of a violation', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    sim.addNode('p1', () => ({}));
    sim.addNode('p2', (ctx) => {
      ctx.setTimer(42);
      return { onTimer: () => sim.violate('single-leader', 'p1 and p2 both lead term 3', ctx.self) };
    });

    sim.run();

    expect(sim.violations).toEqual([{ t: 42, invariant: 'single-leader', message: 'p1 and p2 both lead term 3', node: 'p2' }]);
    expect(trace.events()).toContainEqual({
      type: 'violation',
      t: 42,
      invariant: 'single-leader',
      message: 'p1 and p2 both lead term 3',
      node: 'p2',
    });
  });

  it('records a violation of the whole system without a node', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    sim.at(7, () => sim.violate('conservation', 'money was created'));

    sim.run();

    expect(sim.violations).toEqual([{ t: 7, invariant: 'conservation', message: 'money was created' }]);
    expect(trace.events()).toEqual([{ type: 'violation', t: 7, invariant: 'conservation', message: 'money was created' }]);
  });

  it('keeps every violation in the order they happened, and the run goes on', () => {
    const sim = new Simulation({ seed: 1 });
    let checks = 0;
    sim.every(
      10,
      () => {
        checks++;
        if (checks % 2 === 0) sim.violate('even-check', `check ${checks} failed`);
        return undefined;
      },
      10,
      50,
    );

    sim.run();

    expect(checks).toBe(5);
    expect(sim.violations.map((v) => [v.t, v.message])).toEqual([
      [20, 'check 2 failed'],
      [40, 'check 4 failed'],
    ]);
  });

  it('records violations when the run is not traced', () => {
    const sim = new Simulation({ seed: 1 });
    sim.at(3, () => sim.violate('safety', 'broken'));

    sim.run();

    expect(sim.violations).toHaveLength(1);
  });
});
