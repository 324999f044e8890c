import { describe, expect, it } from 'vitest';
import { DurableStore, InputError, type NodeContext, Simulation, type TraceEvent } from '../../engine/index.ts';
import { probeWorld } from './fixtures/probes.ts';

function dropsOf(events: readonly TraceEvent[]): Extract<TraceEvent, { type: 'drop' }>[] {
  return events.filter((e): e is Extract<TraceEvent, { type: 'drop' }> => e.type === 'drop');
}

describe('Node state across crashes', () => {
  it('wipes volatile state when the node crashes', () => {
    const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
    const counts: number[] = [];
    sim.addNode('counter', () => {
      let received = 0;
      return { onMessage: () => counts.push(++received) };
    });
    sim.addNode('client', (ctx) => {
      for (const t of [10, 20, 70]) ctx.setTimer(t);
      return { onTimer: () => ctx.send(0, 'inc') };
    });
    sim.schedulePlan([
      { at: 50, kind: 'crash', node: 'counter' },
      { at: 60, kind: 'restart', node: 'counter' },
    ]);

    sim.run();

    expect(counts).toEqual([1, 2, 1]);
  });

  it('keeps what it forced to disk across a crash', () => {
    const sim = new Simulation({ seed: 1 });
    const seenAtBoot: unknown[] = [];
    sim.addNode('disk', (ctx) => {
      seenAtBoot.push(ctx.disk.get('term'));
      ctx.setTimer(5, 'tick');
      return {
        onTimer: () => {
          ctx.disk.set('term', (ctx.disk.get<number>('term') ?? 0) + 1);
          ctx.disk.force();
        },
      };
    });
    sim.schedulePlan([
      { at: 10, kind: 'crash', node: 'disk' },
      { at: 20, kind: 'restart', node: 'disk' },
    ]);

    sim.run();

    expect(seenAtBoot).toEqual([undefined, 1]);
    expect(sim.disk(0).get('term')).toBe(2);
  });

  it('runs spawn again on restart with the incarnation one higher', () => {
    const sim = new Simulation({ seed: 1 });
    const incarnations: number[] = [];
    sim.addNode('p1', (ctx) => {
      incarnations.push(ctx.incarnation);
      return {};
    });
    sim.schedulePlan([
      { at: 10, kind: 'crash', node: 'p1' },
      { at: 20, kind: 'restart', node: 'p1' },
      { at: 30, kind: 'crash', node: 'p1' },
      { at: 40, kind: 'restart', node: 'p1' },
    ]);

    sim.run();

    expect(incarnations).toEqual([0, 1, 2]);
  });

  it('reports a crashed node as down and a restarted one as up', () => {
    const sim = new Simulation({ seed: 1 });
    const id = sim.addNode('p1', () => ({}));
    sim.schedulePlan([
      { at: 10, kind: 'crash', node: 'p1' },
      { at: 20, kind: 'restart', node: 'p1' },
    ]);

    sim.run({ untilMs: 15 });
    const whileDown = sim.status(id);
    sim.run();

    expect(whileDown).toBe('down');
    expect(sim.status(id)).toBe('up');
  });

  it('never fires the timers of a crashed incarnation, even after a restart', () => {
    const world = probeWorld(['p1']);
    world.timerAt(0, 'p1', 100, 'before crash');
    world.timerAt(70, 'p1', 100, 'after restart');
    world.sim.schedulePlan([
      { at: 50, kind: 'crash', node: 'p1' },
      { at: 60, kind: 'restart', node: 'p1' },
    ]);

    world.sim.run();

    expect(world.handled.get('p1')).toEqual([{ t: 170, kind: 'timer', tag: 'after restart', incarnation: 1 }]);
    expect(world.trace.events().filter((e) => e.type === 'timer')).toHaveLength(1);
  });

  it('ignores sends, timers, notes and states through the context of a crashed incarnation', () => {
    const world = probeWorld(['a', 'b']);
    world.sim.schedulePlan([
      { at: 10, kind: 'crash', node: 'a' },
      { at: 20, kind: 'restart', node: 'a' },
    ]);
    let stale: NodeContext<unknown> | null = null;
    world.sim.at(30, () => {
      stale = world.contexts.get('a')![0]!;
      stale.send(world.sim.nodeId('b'), 'from the dead');
      stale.setTimer(1, 'from the dead');
      stale.note('from the dead');
      stale.state('leader');
    });

    world.sim.run();

    expect(stale!.alive).toBe(false);
    expect(world.context('a').alive).toBe(true);
    expect(world.sim.messageStats.sent).toBe(0);
    expect(world.handled.get('a')).toEqual([]);
    expect(world.handled.get('b')).toEqual([]);
    expect(world.trace.events().map((e) => e.type)).toEqual(['crash', 'restart']);
  });

  it('does not let a stale timer handle cancel a newer timer', () => {
    const sim = new Simulation({ seed: 1 });
    const fired: [number, unknown][] = [];
    let first = -1;
    sim.addNode('p1', (ctx) => {
      first = ctx.setTimer(5, 'first');
      return {
        onTimer(tag) {
          fired.push([ctx.now, tag]);
          if (tag === 'first') ctx.setTimer(5, 'second');
        },
      };
    });
    sim.at(7, () => sim.cancelTimer(first));

    sim.run();

    expect(fired).toEqual([
      [5, 'first'],
      [10, 'second'],
    ]);
  });

  it('never fires a cancelled timer', () => {
    const sim = new Simulation({ seed: 1 });
    const fired: unknown[] = [];
    sim.addNode('p1', (ctx) => {
      const doomed = ctx.setTimer(10, 'doomed');
      ctx.setTimer(5, 'canceller');
      return {
        onTimer(tag) {
          fired.push(tag);
          if (tag === 'canceller') ctx.cancelTimer(doomed);
        },
      };
    });

    sim.run();

    expect(fired).toEqual(['canceller']);
  });
});

describe('Node pause and resume', () => {
  it('defers messages and timers until resume, then handles them in arrival order', () => {
    const world = probeWorld(['a', 'b']);
    world.timerAt(5, 'b', 20, 'timer at 25');
    world.sendAt(20, 'a', 'b', 'message at 21');
    world.sendAt(30, 'a', 'b', 'message at 31');
    world.sim.schedulePlan([
      { at: 10, kind: 'pause', node: 'b' },
      { at: 100, kind: 'resume', node: 'b' },
    ]);

    world.sim.run();

    expect(world.handled.get('b')).toEqual([
      { t: 100, kind: 'message', from: 'a', msg: 'message at 21', incarnation: 0 },
      { t: 100, kind: 'timer', tag: 'timer at 25', incarnation: 0 },
      { t: 100, kind: 'message', from: 'a', msg: 'message at 31', incarnation: 0 },
    ]);
  });

  it('reports a paused node as paused', () => {
    const sim = new Simulation({ seed: 1 });
    const id = sim.addNode('p1', () => ({}));
    sim.schedulePlan([{ at: 10, kind: 'pause', node: 'p1' }]);

    sim.run();

    expect(sim.status(id)).toBe('paused');
  });

  it('handles messages normally again after resume', () => {
    const world = probeWorld(['a', 'b']);
    world.sim.schedulePlan([
      { at: 10, kind: 'pause', node: 'b' },
      { at: 20, kind: 'resume', node: 'b' },
    ]);
    world.sendAt(30, 'a', 'b', 'later');

    world.sim.run();

    expect(world.handled.get('b')).toEqual([{ t: 31, kind: 'message', from: 'a', msg: 'later', incarnation: 0 }]);
  });

  it('drops what waited for a paused node that crashes, with reason node-down', () => {
    const world = probeWorld(['a', 'b']);
    world.timerAt(0, 'b', 25, 'never');
    world.sendAt(20, 'a', 'b', 'lost');
    world.sim.schedulePlan([
      { at: 10, kind: 'pause', node: 'b' },
      { at: 30, kind: 'crash', node: 'b' },
      { at: 40, kind: 'restart', node: 'b' },
    ]);

    world.sim.run();

    expect(dropsOf(world.trace.events())).toEqual([{ type: 'drop', t: 30, id: 0, from: 'a', to: 'b', reason: 'node-down', msg: 'lost' }]);
    expect(world.handled.get('b')).toEqual([]);
    expect(world.sim.messageStats).toEqual({ sent: 1, duplicated: 0, delivered: 0, dropped: 1, inFlight: 0 });
  });
});

describe('Node slow factor', () => {
  it('stretches what is left of its timers while the node is slowed, and shrinks it back when it speeds up', () => {
    const world = probeWorld(['p1']);
    world.timerAt(0, 'p1', 30, 'set before');
    world.timerAt(20, 'p1', 10, 'set while slowed');
    world.timerAt(70, 'p1', 10, 'set after');
    world.sim.schedulePlan([
      { at: 10, kind: 'slow', node: 'p1', factor: 3 },
      { at: 60, kind: 'slow', node: 'p1', factor: 1 },
    ]);

    world.sim.run();

    // 'set before': 10 ms at normal speed, 50 ms slowed x3 (covering 50/3 ms of its 20 left),
    // then the last 10/3 ms at normal speed again.
    expect(world.handled.get('p1')!.map((h) => (h.kind === 'timer' ? [h.t, h.tag] : null))).toEqual([
      [50, 'set while slowed'],
      [60 + 10 / 3, 'set before'],
      [80, 'set after'],
    ]);
  });

  it('runs at normal speed again after a crash and restart', () => {
    const world = probeWorld(['p1']);
    world.timerAt(30, 'p1', 10, 'after restart');
    world.sim.schedulePlan([
      { at: 0, kind: 'slow', node: 'p1', factor: 5 },
      { at: 10, kind: 'crash', node: 'p1' },
      { at: 20, kind: 'restart', node: 'p1' },
    ]);

    world.sim.run();

    expect(world.handled.get('p1')).toEqual([{ t: 40, kind: 'timer', tag: 'after restart', incarnation: 1 }]);
  });
});

describe('Node delivery failures', () => {
  it('drops a message to a down node when it arrives, with reason node-down', () => {
    const world = probeWorld(['a', 'b']);
    world.sim.schedulePlan([{ at: 10, kind: 'crash', node: 'b' }]);
    world.sendAt(20, 'a', 'b', 'to nobody');

    world.sim.run();

    expect(dropsOf(world.trace.events())).toEqual([{ type: 'drop', t: 21, id: 0, from: 'a', to: 'b', reason: 'node-down', msg: 'to nobody' }]);
  });

  it('drops a message in flight when its receiver crashes', () => {
    const world = probeWorld(['a', 'b'], { latency: { kind: 'constant', ms: 10 } });
    world.sendAt(0, 'a', 'b', 'in flight');
    world.sim.schedulePlan([
      { at: 5, kind: 'crash', node: 'b' },
      { at: 20, kind: 'restart', node: 'b' },
    ]);

    world.sim.run();

    expect(dropsOf(world.trace.events()).map((d) => [d.t, d.reason])).toEqual([[10, 'node-down']]);
    expect(world.handled.get('b')).toEqual([]);
  });

  it('delivers a message that arrives after its receiver restarted to the new incarnation', () => {
    const world = probeWorld(['a', 'b'], { latency: { kind: 'constant', ms: 10 } });
    world.sendAt(0, 'a', 'b', 'just in time');
    world.sim.schedulePlan([
      { at: 2, kind: 'crash', node: 'b' },
      { at: 5, kind: 'restart', node: 'b' },
    ]);

    world.sim.run();

    expect(world.handled.get('b')).toEqual([{ t: 10, kind: 'message', from: 'a', msg: 'just in time', incarnation: 1 }]);
  });

  it('drops a message to a node cut off by a partition, with reason partition', () => {
    const world = probeWorld(['a', 'b']);
    world.sim.schedulePlan([{ at: 10, kind: 'partition', groups: [['b']] }]);
    world.sendAt(20, 'a', 'b', 'cut off');

    world.sim.run();

    expect(dropsOf(world.trace.events()).map((d) => [d.t, d.reason, d.msg])).toEqual([[20, 'partition', 'cut off']]);
  });

  it('delivers a message a node sends to itself', () => {
    const world = probeWorld(['a']);
    world.sendAt(5, 'a', 'a', 'note to self');

    world.sim.run();

    expect(world.handled.get('a')).toEqual([{ t: 6, kind: 'message', from: 'a', msg: 'note to self', incarnation: 0 }]);
  });
});

describe('Faults that do not apply', () => {
  it('narrate why and change nothing', () => {
    const world = probeWorld(['p1', 'p2']);
    world.sim.schedulePlan([
      { at: 1, kind: 'restart', node: 'p1' },
      { at: 2, kind: 'resume', node: 'p1' },
      { at: 3, kind: 'crash', node: 'p2' },
      { at: 4, kind: 'crash', node: 'p2' },
      { at: 5, kind: 'pause', node: 'p2' },
    ]);

    world.sim.run();

    const notes = world.trace.events().flatMap((e) => (e.type === 'note' ? [[e.t, e.node, e.text]] : []));
    expect(notes).toEqual([
      [1, 'p1', 'p1 is running, so there is nothing to restart'],
      [2, 'p1', 'p1 is not paused'],
      [4, 'p2', 'p2 is already down'],
      [5, 'p2', 'p2 is not running, so it cannot pause'],
    ]);
    expect([world.sim.status(0), world.sim.status(1)]).toEqual(['up', 'down']);
    expect(world.contexts.get('p1')).toHaveLength(1);
  });
});

describe('Node context', () => {
  it('tells a node its name, id, time and the names of its peers', () => {
    const sim = new Simulation({ seed: 1 });
    const seen: unknown[] = [];
    sim.addNode('alpha', () => ({}));
    sim.addNode('beta', (ctx) => {
      ctx.setTimer(12);
      return { onTimer: () => seen.push([ctx.name, ctx.self, ctx.now, ctx.nameOf(0), ctx.lookup('alpha')]) };
    });

    sim.run();

    expect(seen).toEqual([['beta', 1, 12, 'alpha', 0]]);
  });

  it('spawns a node added after the run started at once', () => {
    const sim = new Simulation({ seed: 1 });
    const spawnedAt: number[] = [];
    sim.at(25, () => {
      sim.addNode('late', (ctx) => {
        spawnedAt.push(ctx.now);
        return {};
      });
    });

    sim.run();

    expect(spawnedAt).toEqual([25]);
    expect(sim.nodeNames).toEqual(['late']);
  });

  it('refuses a second node with the same name', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', () => ({}));

    expect(() => sim.addNode('p1', () => ({}))).toThrow(new InputError("node 'p1' already exists"));
  });

  it('refuses a node name with characters outside letters, digits and _ . : -', () => {
    const sim = new Simulation({ seed: 1 });

    expect(() => sim.addNode('p 1', () => ({}))).toThrow(InputError);
  });

  it('names the nodes there are when asked for one that is not', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', () => ({}));
    sim.addNode('p2', () => ({}));

    expect(() => sim.nodeId('p3')).toThrow("no node named 'p3'; nodes are: p1, p2");
  });
});

describe('DurableStore', () => {
  it('stores, lists and deletes keys in insertion order, counting writes', () => {
    const store = new DurableStore();
    store.set('b', 1);
    store.set('a', 2);
    store.set('c', 3);

    store.delete('a');

    expect(store.keys()).toEqual(['b', 'c']);
    expect(store.has('a')).toBe(false);
    expect(store.get('c')).toBe(3);
    expect(store.writes).toBe(4);
  });
});
