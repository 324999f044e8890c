import { describe, expect, it } from 'vitest';
import type { FaultPlan, LinkSpec } from '../../engine/index.ts';
import { type ProbeWorld, probeWorld } from './fixtures/probes.ts';
import { expectWithin } from './fixtures/stats.ts';

const NAMES = ['a', 'b', 'c'] as const;

/** At `atMs`, every node sends one message to every other node. */
function sendAllPairs(world: ProbeWorld, atMs: number): void {
  for (const from of NAMES) for (const to of NAMES) if (from !== to) world.sendAt(atMs, from, to, `${from}->${to}`);
}

/** What became of each message sent by sendAllPairs: 'delivered' or the drop reason. */
function outcomes(world: ProbeWorld): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of world.trace.events()) {
    if (e.type === 'deliver') out[`${e.from}->${e.to}`] = 'delivered';
    if (e.type === 'drop') out[`${e.from}->${e.to}`] = e.reason;
  }
  return out;
}

/** Runs all-pairs traffic at t=20 under `plan` and returns the outcomes. */
function allPairsUnder(plan: FaultPlan): Record<string, string> {
  const world = probeWorld(NAMES);
  world.sim.schedulePlan(plan);
  sendAllPairs(world, 20);
  world.sim.run();
  return outcomes(world);
}

/** Sends `count` messages from a to b at t=0 over `link` and returns the world after the run. */
function flood(link: LinkSpec, count: number, seed = 1): ProbeWorld {
  const world = probeWorld(['a', 'b'], link, seed);
  world.sim.at(0, () => {
    const a = world.context('a');
    for (let i = 0; i < count; i++) a.send(1, i);
  });
  world.sim.run();
  return world;
}

describe('Network partitions', () => {
  it('delivers every message when there is no partition', () => {
    const result = allPairsUnder([]);

    expect(Object.values(result)).toEqual(Array(6).fill('delivered'));
  });

  it('cuts a symmetric partition both ways, with nodes in no group forming one more group', () => {
    const result = allPairsUnder([{ at: 10, kind: 'partition', groups: [['a'], ['b']] }]);

    expect(result).toEqual({
      'a->b': 'partition',
      'a->c': 'partition',
      'b->a': 'partition',
      'b->c': 'partition',
      'c->a': 'partition',
      'c->b': 'partition',
    });
  });

  it('isolates one group from everyone else, who still talk to each other', () => {
    const result = allPairsUnder([{ at: 10, kind: 'partition', groups: [['a']] }]);

    expect(result).toEqual({
      'a->b': 'partition',
      'a->c': 'partition',
      'b->a': 'partition',
      'b->c': 'delivered',
      'c->a': 'partition',
      'c->b': 'delivered',
    });
  });

  it('cuts a one-way partition only from earlier groups to later ones', () => {
    const result = allPairsUnder([{ at: 10, kind: 'partition', groups: [['a'], ['b', 'c']], oneWay: true }]);

    expect(result).toEqual({
      'a->b': 'partition',
      'a->c': 'partition',
      'b->a': 'delivered',
      'b->c': 'delivered',
      'c->a': 'delivered',
      'c->b': 'delivered',
    });
  });

  it('cuts a one-way partition of one group towards the implicit group of everyone else', () => {
    const result = allPairsUnder([{ at: 10, kind: 'partition', groups: [['b']], oneWay: true }]);

    expect(result).toEqual({
      'a->b': 'delivered',
      'a->c': 'delivered',
      'b->a': 'partition',
      'b->c': 'partition',
      'c->a': 'delivered',
      'c->b': 'delivered',
    });
  });

  it('lets the bridge node talk to both sides while the sides cannot talk to each other', () => {
    const result = allPairsUnder([{ at: 10, kind: 'bridge', groups: [['a'], ['c']], via: 'b' }]);

    expect(result).toEqual({
      'a->b': 'delivered',
      'a->c': 'partition',
      'b->a': 'delivered',
      'b->c': 'delivered',
      'c->a': 'partition',
      'c->b': 'delivered',
    });
  });

  it('keeps the bridge node connected when it is listed in both groups', () => {
    const result = allPairsUnder([
      {
        at: 10,
        kind: 'bridge',
        groups: [
          ['a', 'b'],
          ['b', 'c'],
        ],
        via: 'b',
      },
    ]);

    expect(result).toEqual({
      'a->b': 'delivered',
      'a->c': 'partition',
      'b->a': 'delivered',
      'b->c': 'delivered',
      'c->a': 'partition',
      'c->b': 'delivered',
    });
  });

  it('accumulates partitions until they heal', () => {
    const result = allPairsUnder([
      { at: 10, kind: 'partition', groups: [['a'], ['b', 'c']] },
      { at: 11, kind: 'partition', groups: [['c'], ['a', 'b']] },
    ]);

    expect(result).toEqual({
      'a->b': 'partition',
      'a->c': 'partition',
      'b->a': 'partition',
      'b->c': 'partition',
      'c->a': 'partition',
      'c->b': 'partition',
    });
  });

  it('reconnects everyone when partitions heal', () => {
    const result = allPairsUnder([
      { at: 10, kind: 'partition', groups: [['a'], ['b'], ['c']] },
      { at: 15, kind: 'heal' },
    ]);

    expect(Object.values(result)).toEqual(Array(6).fill('delivered'));
  });

  it('drops a message sent into a partition at once, at the time it is sent', () => {
    const world = probeWorld(NAMES);
    world.sim.schedulePlan([{ at: 10, kind: 'partition', groups: [['a']] }]);
    world.sendAt(20, 'a', 'b', 'hello');

    world.sim.run();

    const drop = world.trace.events().find((e) => e.type === 'drop');
    expect(drop).toEqual({ type: 'drop', t: 20, id: 0, from: 'a', to: 'b', reason: 'partition', msg: 'hello' });
  });

  it('drops a message in flight when a partition starts, when it arrives', () => {
    const world = probeWorld(NAMES, { latency: { kind: 'constant', ms: 10 } });
    world.sendAt(0, 'a', 'b', 'hello');
    world.sim.schedulePlan([{ at: 5, kind: 'partition', groups: [['a']] }]);

    world.sim.run();

    const drop = world.trace.events().find((e) => e.type === 'drop');
    expect(drop).toMatchObject({ t: 10, from: 'a', to: 'b', reason: 'partition' });
    expect(world.handled.get('b')).toEqual([]);
  });

  it('delivers a message in flight when a partition heals before it arrives', () => {
    const world = probeWorld(NAMES, { latency: { kind: 'constant', ms: 10 } });
    world.sendAt(0, 'a', 'b', 'hello');
    world.sim.schedulePlan([
      { at: 3, kind: 'partition', groups: [['a']] },
      { at: 6, kind: 'heal' },
    ]);

    world.sim.run();

    expect(world.handled.get('b')).toEqual([{ t: 10, kind: 'message', from: 'a', msg: 'hello', incarnation: 0 }]);
  });
});

describe('Network degradation', () => {
  it('changes only the degraded link, and restore puts it back', () => {
    const world = probeWorld(NAMES);
    world.sim.schedulePlan([
      { at: 0, kind: 'degrade', from: 'a', to: 'b', latency: { kind: 'constant', ms: 50 } },
      { at: 100, kind: 'restore' },
    ]);
    world.sendAt(10, 'a', 'b', 'slow');
    world.sendAt(10, 'b', 'a', 'fast');
    world.sendAt(110, 'a', 'b', 'fast again');

    world.sim.run();

    const arrivals = world.trace.events().flatMap((e) => (e.type === 'deliver' ? [[e.msg, e.t]] : []));
    expect(arrivals).toEqual([
      ['fast', 11],
      ['slow', 60],
      ['fast again', 111],
    ]);
  });

  it('degrades every link out of a node when only from is given', () => {
    const world = probeWorld(NAMES);
    world.sim.schedulePlan([{ at: 0, kind: 'degrade', from: 'a', lossRate: 1 }]);
    sendAllPairs(world, 20);

    world.sim.run();

    expect(outcomes(world)).toEqual({
      'a->b': 'loss',
      'a->c': 'loss',
      'b->a': 'delivered',
      'b->c': 'delivered',
      'c->a': 'delivered',
      'c->b': 'delivered',
    });
  });

  it('keeps what a degrade does not mention from the link it degrades', () => {
    const world = probeWorld(['a', 'b'], { latency: { kind: 'constant', ms: 7 }, lossRate: 0 });
    world.sim.schedulePlan([{ at: 0, kind: 'degrade', duplicateRate: 1 }]);
    world.sendAt(10, 'a', 'b', 'twice');

    world.sim.run();

    expect(world.handled.get('b')!.map((h) => h.t)).toEqual([17, 17]);
  });

  it('stacks degradations until they are restored', () => {
    const world = probeWorld(['a', 'b']);
    world.sim.schedulePlan([
      { at: 0, kind: 'degrade', latency: { kind: 'constant', ms: 30 } },
      { at: 1, kind: 'degrade', duplicateRate: 1 },
    ]);
    world.sendAt(10, 'a', 'b', 'late twice');

    world.sim.run();

    expect(world.handled.get('b')!.map((h) => h.t)).toEqual([40, 40]);
  });
});

describe('Network loss, duplication and ordering', () => {
  it('loses messages at the loss rate, with reason loss', () => {
    const world = flood({ latency: { kind: 'constant', ms: 1 }, lossRate: 0.2 }, 20_000);

    const stats = world.sim.messageStats;
    const reasons = new Set(world.trace.events().flatMap((e) => (e.type === 'drop' ? [e.reason] : [])));

    expectWithin(stats.dropped / stats.sent, 0.2, 0.012, 'loss fraction');
    expect(stats.delivered + stats.dropped).toBe(stats.sent);
    expect([...reasons]).toEqual(['loss']);
  });

  it('duplicates messages at the duplication rate, delivering each copy with the same id', () => {
    const world = flood({ latency: { kind: 'uniform', minMs: 1, maxMs: 5 }, duplicateRate: 0.1 }, 20_000);

    const stats = world.sim.messageStats;
    const deliveriesById = new Map<number, number>();
    for (const e of world.trace.events()) if (e.type === 'deliver') deliveriesById.set(e.id, (deliveriesById.get(e.id) ?? 0) + 1);
    const duplicateEvents = world.trace.events().filter((e) => e.type === 'duplicate').length;

    expectWithin(stats.duplicated / stats.sent, 0.1, 0.008, 'duplication fraction');
    expect(stats.delivered).toBe(stats.sent + stats.duplicated);
    expect([...deliveriesById.values()].filter((n) => n === 2).length).toBe(stats.duplicated);
    expect(duplicateEvents).toBe(stats.duplicated);
  });

  it('keeps send order on a link with constant latency and no reordering', () => {
    const world = flood({ latency: { kind: 'constant', ms: 3 } }, 100);

    const order = world.handled.get('b')!.map((h) => (h.kind === 'message' ? h.msg : null));

    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('lets later messages overtake held ones on a link with reordering', () => {
    const world = flood({ latency: { kind: 'constant', ms: 3 }, reorderRate: 0.3 }, 100);

    const order = world.handled.get('b')!.map((h) => (h.kind === 'message' ? (h.msg as number) : -1));
    const overtaken = order.filter((x, i) => i > 0 && x < order[i - 1]!).length;

    expect(order.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(overtaken).toBeGreaterThan(0);
  });

  it('keeps send order on a FIFO link even with random latency', () => {
    const world = probeWorld(['a', 'b'], { latency: { kind: 'exponential', meanMs: 10 }, fifo: true });
    for (let i = 0; i < 100; i++) world.sendAt(i * 0.5, 'a', 'b', i);

    world.sim.run();

    const order = world.handled.get('b')!.map((h) => (h.kind === 'message' ? h.msg : null));
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('reorders messages on a non-FIFO link with random latency', () => {
    const world = probeWorld(['a', 'b'], { latency: { kind: 'exponential', meanMs: 10 } });
    for (let i = 0; i < 100; i++) world.sendAt(i * 0.5, 'a', 'b', i);

    world.sim.run();

    const order = world.handled.get('b')!.map((h) => (h.kind === 'message' ? h.msg : null));
    expect(order).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
