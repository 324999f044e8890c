import { describe, expect, it } from 'vitest';
import { AssertionError, HandlerError, MisuseError, type NodeContext, Simulation } from '../../engine/index.ts';
import { probeWorld } from './fixtures/probes.ts';

describe('Simulation.run', () => {
  it('ends idle when nothing is left to do', () => {
    const sim = new Simulation({ seed: 1 });
    sim.at(10, () => {});
    sim.at(20, () => {});

    const outcome = sim.run();

    expect(outcome).toEqual({ reason: 'idle', timeMs: 20, events: 2 });
  });

  it('ends at untilMs with the clock there and later events still pending', () => {
    const sim = new Simulation({ seed: 1 });
    sim.at(10, () => {});
    sim.at(30, () => {});

    const outcome = sim.run({ untilMs: 25 });

    expect(outcome).toEqual({ reason: 'until', timeMs: 25, events: 1 });
    expect(sim.pending).toBe(1);
  });

  it('runs events at exactly untilMs', () => {
    const sim = new Simulation({ seed: 1 });
    let ran = false;
    sim.at(25, () => {
      ran = true;
    });

    sim.run({ untilMs: 25 });

    expect(ran).toBe(true);
  });

  it('stops after a number of events in total', () => {
    const sim = new Simulation({ seed: 1 });
    for (let t = 1; t <= 10; t++) sim.at(t, () => {});

    const outcome = sim.run({ stopAfterEvents: 4 });

    expect(outcome).toEqual({ reason: 'events', timeMs: 4, events: 4 });
  });

  it('continues where the previous run stopped', () => {
    const sim = new Simulation({ seed: 1 });
    const times: number[] = [];
    for (const t of [5, 15, 25]) sim.at(t, () => times.push(sim.now));
    sim.run({ untilMs: 10 });

    const outcome = sim.run();

    expect(times).toEqual([5, 15, 25]);
    expect(outcome.reason).toBe('idle');
  });

  it('refuses to run until a time in the past', () => {
    const sim = new Simulation({ seed: 1 });
    sim.run({ untilMs: 10 });

    expect(() => sim.run({ untilMs: 5 })).toThrow(AssertionError);
  });
});

describe('Simulation.step', () => {
  it('runs exactly one event and reports false once idle', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: number[] = [];
    sim.at(3, () => ran.push(3));
    sim.at(8, () => ran.push(8));

    const results = [sim.step(), sim.step(), sim.step()];

    expect(results).toEqual([true, true, false]);
    expect(ran).toEqual([3, 8]);
    expect([sim.now, sim.events]).toEqual([8, 2]);
  });

  it('starts the nodes before the first event it runs', () => {
    const world = probeWorld(['a', 'b']);
    world.sendAt(1, 'a', 'b', 'first');

    while (world.sim.step()) {}

    expect(world.handled.get('b')).toEqual([{ t: 2, kind: 'message', from: 'a', msg: 'first', incarnation: 0 }]);
  });

  it('discards a cancelled timer without counting it as an event', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', (ctx) => {
      ctx.cancelTimer(ctx.setTimer(5));
      return {};
    });

    sim.run();

    expect([sim.events, sim.pending]).toEqual([0, 0]);
  });

  it('does not move the clock to a timer that never fires, nor trip a bound on it', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('client', (ctx) => {
      // A request timeout far past the bound, cancelled when the reply comes at 10 ms.
      const timeout = ctx.setTimer(60_000);
      ctx.setTimer(10, 'reply');
      return { onTimer: (tag) => tag === 'reply' && ctx.cancelTimer(timeout) };
    });
    sim.addNode('crashes', (ctx) => {
      ctx.setTimer(90_000);
      return {};
    });
    sim.schedulePlan([{ at: 5, kind: 'crash', node: 'crashes' }]);

    const outcome = sim.run({ timeMaxMs: 30_000 });

    expect(outcome).toEqual({ reason: 'idle', timeMs: 10, events: 2 });
  });
});

describe('Simulation scheduling', () => {
  it('calls back at a time and after a delay', () => {
    const sim = new Simulation({ seed: 1 });
    const calls: [string, number][] = [];
    sim.at(10, () => {
      calls.push(['at', sim.now]);
      sim.after(5, () => calls.push(['after', sim.now]));
      sim.at(10, () => calls.push(['now', sim.now]));
    });

    sim.run();

    expect(calls).toEqual([
      ['at', 10],
      ['now', 10],
      ['after', 15],
    ]);
  });

  it('repeats every period from a start time up to an end time', () => {
    const sim = new Simulation({ seed: 1 });
    const times: number[] = [];

    sim.every(
      10,
      () => {
        times.push(sim.now);
        return undefined;
      },
      5,
      40,
    );
    sim.run();

    expect(times).toEqual([5, 15, 25, 35]);
  });

  it('stops repeating once the callback returns false', () => {
    const sim = new Simulation({ seed: 1 });
    const times: number[] = [];

    sim.every(10, () => {
      times.push(sim.now);
      return times.length < 3;
    });
    sim.run();

    expect(times).toEqual([0, 10, 20]);
  });

  it('spawns every node once however often it is started', () => {
    const sim = new Simulation({ seed: 1 });
    let spawns = 0;
    sim.addNode('p1', () => {
      spawns++;
      return {};
    });

    sim.start();
    sim.start();
    sim.run();

    expect(spawns).toBe(1);
  });
});

describe('Simulation.healAll', () => {
  it('restarts crashed nodes and resumes paused ones, handling what waited', () => {
    const world = probeWorld(['a', 'b', 'c']);
    world.sim.schedulePlan([
      { at: 10, kind: 'crash', node: 'a' },
      { at: 10, kind: 'pause', node: 'b' },
    ]);
    world.sendAt(20, 'c', 'b', 'waited');
    world.sim.at(50, () => world.sim.healAll());

    world.sim.run();

    expect(['a', 'b', 'c'].map((n) => world.sim.status(world.sim.nodeId(n)))).toEqual(['up', 'up', 'up']);
    expect(world.contexts.get('a')!.map((ctx) => ctx.incarnation)).toEqual([0, 1]);
    expect(world.handled.get('b')).toEqual([{ t: 50, kind: 'message', from: 'c', msg: 'waited', incarnation: 0 }]);
  });

  it('restores normal speed to slowed nodes', () => {
    const world = probeWorld(['a']);
    world.sim.schedulePlan([{ at: 0, kind: 'slow', node: 'a', factor: 10 }]);
    world.sim.at(5, () => world.sim.healAll());
    world.timerAt(6, 'a', 4, 'normal speed');

    world.sim.run();

    expect(world.handled.get('a')).toEqual([{ t: 10, kind: 'timer', tag: 'normal speed', incarnation: 0 }]);
  });

  it('heals partitions and restores degraded links', () => {
    const world = probeWorld(['a', 'b', 'c']);
    world.sim.schedulePlan([
      { at: 1, kind: 'partition', groups: [['a'], ['b'], ['c']] },
      { at: 2, kind: 'degrade', lossRate: 1, latency: { kind: 'constant', ms: 100 } },
    ]);
    world.sim.at(5, () => world.sim.healAll());
    for (const [from, to] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
    ] as const)
      world.sendAt(10, from, to, 'after healing');

    world.sim.run();

    expect(world.sim.messageStats).toMatchObject({ sent: 3, delivered: 3, dropped: 0 });
    expect(world.trace.events().flatMap((e) => (e.type === 'deliver' ? [e.t] : []))).toEqual([11, 11, 11]);
  });

  it('records each thing it ends in the trace', () => {
    const world = probeWorld(['a', 'b', 'c']);
    world.sim.schedulePlan([
      { at: 1, kind: 'crash', node: 'a' },
      { at: 1, kind: 'pause', node: 'b' },
      { at: 1, kind: 'slow', node: 'c', factor: 2 },
    ]);
    world.sim.at(5, () => world.sim.healAll());

    world.sim.run();

    expect(world.trace.events().filter((e) => e.t === 5)).toEqual([
      { type: 'restart', t: 5, node: 'a' },
      { type: 'resume', t: 5, node: 'b' },
      { type: 'slow', t: 5, node: 'c', factor: 1 },
      { type: 'heal', t: 5 },
      { type: 'restore', t: 5 },
    ]);
  });
});

describe('Simulation misuse', () => {
  it('refuses a callback scheduled in the past, naming the call and the time', () => {
    const sim = new Simulation({ seed: 1 });
    let caught: unknown = null;
    sim.at(50, () => {
      try {
        sim.at(10, () => {});
      } catch (error) {
        caught = error;
      }
    });

    sim.run();

    expect(caught).toBeInstanceOf(MisuseError);
    expect((caught as Error).message).toBe('at(10) at t=50 ms: the time is in the past: the simulation cannot go back');
  });

  it('refuses a negative or non-finite delay on a node timer, naming the node', () => {
    const sim = new Simulation({ seed: 1 });
    const errors: string[] = [];
    sim.addNode('p1', (ctx) => {
      for (const delay of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        try {
          ctx.setTimer(delay, 'x');
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
      return {};
    });

    sim.start();

    expect(errors).toEqual([
      'setTimer(-1) on p1 at t=0 ms: the delay must be a non-negative, finite number of ms',
      'setTimer(NaN) on p1 at t=0 ms: the delay must be a non-negative, finite number of ms',
      'setTimer(Infinity) on p1 at t=0 ms: the delay must be a non-negative, finite number of ms',
    ]);
  });

  it('refuses a send to a node that does not exist, naming the sender, the time and the nodes there are', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('a', (ctx) => {
      ctx.setTimer(3, 'go');
      return { onTimer: () => ctx.send(7, 'hello') };
    });
    sim.addNode('b', () => ({}));

    let caught: unknown = null;
    try {
      sim.run();
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(HandlerError);
    expect((caught as HandlerError).cause).toBeInstanceOf(MisuseError);
    expect((caught as Error).message).toMatch(/send\(to=7\) on a at t=3 ms: there is no node 7; nodes are 0=a, 1=b/);
  });

  it('refuses to schedule, send or run after the simulation ended', () => {
    const sim = new Simulation({ seed: 1 });
    let stale: NodeContext | null = null;
    sim.addNode('a', (ctx) => {
      stale = ctx;
      return {};
    });
    sim.run({ untilMs: 10 });
    sim.end();

    expect(() => sim.at(20, () => {})).toThrow(/at\(20\) at t=10 ms: the simulation has ended/);
    expect(() => stale!.setTimer(1, 'late')).toThrow(/setTimer on a at t=10 ms: the simulation has ended/);
    expect(() => stale!.send(0, 'late')).toThrow(/send on a at t=10 ms: the simulation has ended/);
    expect(() => sim.run()).toThrow(/run at t=10 ms: the simulation has ended/);
    expect(() => stale!.now).toThrow(/now on a at t=10 ms: the simulation has ended/);
  });

  it('keeps its clock to itself', () => {
    const sim = new Simulation({ seed: 1 });

    expect(() => {
      (sim as unknown as { now: number }).now = 99;
    }).toThrow(TypeError);
    expect(sim.now).toBe(0);
  });
});
