import { describe, expect, it } from 'vitest';
import { describeFault, FAULT_KINDS, type Fault, type FaultPlan, InputError, nodesOfFault, parseFaultPlan, Simulation } from '../../engine/index.ts';

/** One fault of every kind, as parseFaultPlan returns them. */
const EVERY_KIND: FaultPlan = [
  { at: 0, kind: 'crash', node: 'p1' },
  { at: 10, kind: 'restart', node: 'p1' },
  { at: 20, kind: 'pause', node: 'p2' },
  { at: 30, kind: 'resume', node: 'p2' },
  { at: 40, kind: 'slow', node: 'p3', factor: 4 },
  { at: 50, kind: 'partition', groups: [['p1'], ['p2', 'p3']], oneWay: true },
  { at: 60, kind: 'bridge', groups: [['p1'], ['p3']], via: 'p2' },
  { at: 70, kind: 'heal' },
  { at: 80, kind: 'degrade', from: 'p1', to: 'p2', latency: { kind: 'constant', ms: 9 }, lossRate: 0.1, duplicateRate: 0.2, reorderRate: 0.3 },
  { at: 90, kind: 'restore' },
  { at: 95, kind: 'skew', node: 'p1', byMs: -250 },
  { at: 96, kind: 'drift', node: 'p2', rate: 1.5 },
  { at: 97, kind: 'resync', node: 'p1' },
  { at: 100, kind: 'inject', name: 'burst', node: 'p3', args: { rps: 500, label: 'x', on: true } },
];

/** The message of the InputError parseFaultPlan throws for `input`. */
function rejection(input: unknown): string {
  try {
    parseFaultPlan(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('parseFaultPlan accepted the input');
}

describe('parseFaultPlan', () => {
  it('accepts a plan with one fault of every kind and returns it unchanged', () => {
    const plan = parseFaultPlan(structuredClone(EVERY_KIND));

    expect(plan).toEqual(EVERY_KIND);
  });

  it('accepts the same plan as JSON text', () => {
    const plan = parseFaultPlan(JSON.stringify(EVERY_KIND));

    expect(plan).toEqual(EVERY_KIND);
  });

  it('accepts an empty plan', () => {
    expect(parseFaultPlan([])).toEqual([]);
  });

  it('fills in the defaults of a degraded latency', () => {
    const plan = parseFaultPlan([{ at: 1, kind: 'degrade', latency: { kind: 'exponential', meanMs: 3 } }]);

    expect(plan[0]).toEqual({ at: 1, kind: 'degrade', latency: { kind: 'exponential', meanMs: 3, minMs: 0 } });
  });

  it('rejects an unknown kind, naming faults[0].kind and the kinds allowed', () => {
    const message = rejection([{ at: 1, kind: 'explode', node: 'p1' }]);

    expect(message).toMatch(/faults\[0\]\.kind/);
    expect(message).toMatch(/crash, restart, pause, resume, slow, partition, bridge, heal, degrade, restore, skew, drift, resync, inject/);
  });

  it('rejects a missing node, naming the fault and the field', () => {
    const message = rejection([
      { at: 1, kind: 'crash', node: 'p1' },
      { at: 2, kind: 'crash' },
    ]);

    expect(message).toMatch(/faults\[1\]\.node/);
  });

  it('rejects a negative time, naming faults[0].at', () => {
    expect(rejection([{ at: -1, kind: 'heal' }])).toMatch(/faults\[0\]\.at/);
  });

  it('rejects an infinite time, naming faults[0].at', () => {
    expect(rejection([{ at: Number.POSITIVE_INFINITY, kind: 'heal' }])).toMatch(/faults\[0\]\.at/);
  });

  it('rejects a slow factor below 1, naming faults[0].factor', () => {
    expect(rejection([{ at: 1, kind: 'slow', node: 'p1', factor: 0.5 }])).toMatch(/faults\[0\]\.factor/);
  });

  it('rejects a loss rate above 1, naming faults[0].lossRate', () => {
    expect(rejection([{ at: 1, kind: 'degrade', lossRate: 2 }])).toMatch(/faults\[0\]\.lossRate/);
  });

  it('rejects a partition without groups, naming faults[0].groups', () => {
    expect(rejection([{ at: 1, kind: 'partition', groups: [] }])).toMatch(/faults\[0\]\.groups/);
  });

  it('rejects an invalid degraded latency, naming faults[0].latency', () => {
    expect(rejection([{ at: 1, kind: 'degrade', latency: { kind: 'uniform', minMs: 5, maxMs: 1 } }])).toMatch(/faults\[0\]\.latency/);
  });

  it('rejects an unknown field, naming it', () => {
    expect(rejection([{ at: 1, kind: 'crash', node: 'p1', colour: 'red' }])).toMatch(/faults\[0\].*colour/);
  });

  it('rejects a value that is not an array', () => {
    expect(rejection({ at: 1, kind: 'heal' })).toMatch(/faults: .*expected array/);
  });

  it('rejects text that is not JSON, showing what a plan looks like', () => {
    expect(rejection('[{')).toMatch(/not valid JSON.*"kind":"crash"/);
  });
});

describe('FAULT_KINDS', () => {
  it('lists every fault kind in schema order', () => {
    expect(FAULT_KINDS).toEqual(EVERY_KIND.map((f) => f.kind));
  });
});

describe('nodesOfFault', () => {
  it('names every node a fault mentions', () => {
    const names = EVERY_KIND.map((f) => nodesOfFault(f));

    expect(names).toEqual([
      ['p1'],
      ['p1'],
      ['p2'],
      ['p2'],
      ['p3'],
      ['p1', 'p2', 'p3'],
      ['p1', 'p3', 'p2'],
      [],
      ['p1', 'p2'],
      [],
      ['p1'],
      ['p2'],
      ['p1'],
      ['p3'],
    ]);
  });
});

describe('describeFault', () => {
  it('describes every kind in words that name the nodes and the time', () => {
    const words = EVERY_KIND.map((f) => describeFault(f));

    expect(words).toEqual([
      'p1 crashes at 0 ms',
      'p1 restarts at 10 ms',
      'p2 stalls (stop-the-world pause) at 20 ms',
      'p2 resumes at 30 ms',
      'p3 slows down 4x at 40 ms',
      'network one-way partition {p1} -x-> {p2, p3} at 50 ms',
      'network splits {p1} | {p3} bridged only by p2 at 60 ms',
      'network partitions heal at 70 ms',
      'links p1 -> p2 degrade (10% loss, 20% duplication, 30% reordering, latency constant) at 80 ms',
      'links restore to normal at 90 ms',
      "p1's clock jumps back 250 ms at 95 ms",
      "p2's clock runs at 1.5x real time at 96 ms",
      "p1's clock is set right again at 97 ms",
      'burst on p3 {"rps":500,"label":"x","on":true} at 100 ms',
    ]);
  });

  it('names the implicit group of everyone else in a one-group partition', () => {
    const words = describeFault({ at: 1_500, kind: 'partition', groups: [['p1', 'p2']] });

    expect(words).toBe('network partition {p1, p2} | {everyone else} at 1,500 ms');
  });

  it('says a slow factor of 1 restores normal speed', () => {
    const fault: Fault = { at: 5, kind: 'slow', node: 'p1', factor: 1 };

    expect(describeFault(fault)).toBe('p1 runs at normal speed again at 5 ms');
  });

  it('says a degrade without changes changes nothing, on every link', () => {
    expect(describeFault({ at: 5, kind: 'degrade' })).toBe('links * -> * degrade (no change) at 5 ms');
  });
});

describe('Simulation.schedulePlan', () => {
  it('rejects a plan naming a node that does not exist, naming the fault, the node and the nodes there are', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', () => ({}));

    const schedule = (): unknown => sim.schedulePlan([{ at: 1, kind: 'crash', node: 'p9' }]);

    expect(schedule).toThrow(InputError);
    expect(schedule).toThrow(/faults\[0\] \(crash\) names node 'p9', which does not exist; nodes are: p1/);
  });

  it('rejects an invalid fault given as a value, naming the field', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', () => ({}));

    const schedule = (): unknown => sim.schedulePlan([{ at: Number.NaN, kind: 'crash', node: 'p1' }]);

    expect(schedule).toThrow(InputError);
    expect(schedule).toThrow(/faults\[0\]\.at/);
  });

  it('rejects an inject without a node that the simulation has no handler for', () => {
    const sim = new Simulation({ seed: 1 });
    sim.onInject('burst', () => {});

    const schedule = (): unknown => sim.schedulePlan([{ at: 1, kind: 'inject', name: 'flood' }]);

    expect(schedule).toThrow(/injects 'flood', which this simulation does not define; it defines: burst/);
  });

  it('delivers an inject without a node to the handler registered under its name', () => {
    const sim = new Simulation({ seed: 1 });
    const seen: unknown[] = [];
    sim.onInject('burst', (fault) => seen.push([sim.now, fault.args]));
    sim.schedulePlan([{ at: 12, kind: 'inject', name: 'burst', args: { rps: 3 } }]);

    sim.run();

    expect(seen).toEqual([[12, { rps: 3 }]]);
  });

  it('delivers an inject with a node to that node', () => {
    const sim = new Simulation({ seed: 1 });
    const seen: unknown[] = [];
    sim.addNode('p1', (ctx) => ({ onInject: (fault) => seen.push([ctx.now, fault.name]) }));
    sim.schedulePlan([{ at: 3, kind: 'inject', name: 'poison', node: 'p1' }]);

    sim.run();

    expect(seen).toEqual([[3, 'poison']]);
  });

  it('applies faults at the same time in plan order', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', () => ({}));
    sim.schedulePlan([
      { at: 5, kind: 'crash', node: 'p1' },
      { at: 5, kind: 'restart', node: 'p1' },
    ]);

    sim.run();

    expect(sim.status(0)).toBe('up');
  });
});
