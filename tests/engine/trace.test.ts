import { describe, expect, it } from 'vitest';
import {
  CallbackTrace,
  HashTrace,
  hashEvents,
  MemoryTrace,
  materialize,
  Row,
  Simulation,
  TeeTrace,
  TRACE_EVENT_TYPES,
  type TraceEvent,
} from '../../engine/index.ts';
import { buildPingPong, MIXED_PLAN } from './fixtures/ping-pong.ts';

/** a sends {n: 1} to b at t=0 over a 2 ms link; b sets a 3 ms timer when it gets it. */
function exchange(trace: MemoryTrace | CallbackTrace | HashTrace | TeeTrace | null): Simulation {
  const sim = new Simulation({ seed: 1, trace, network: { latency: { kind: 'constant', ms: 2 } } });
  sim.addNode('a', (ctx) => {
    ctx.send(1, { n: 1 });
    return {};
  });
  sim.addNode('b', (ctx) => ({
    onMessage: () => {
      ctx.setTimer(3, 'ack');
    },
  }));
  return sim;
}

describe('MemoryTrace', () => {
  it('materializes typed events with node names', () => {
    const trace = new MemoryTrace();
    exchange(trace).run();

    const events = trace.events();

    expect(events).toEqual([
      { type: 'send', t: 0, id: 0, from: 'a', to: 'b', msg: { n: 1 } },
      { type: 'deliver', t: 2, id: 0, from: 'a', to: 'b', msg: { n: 1 } },
      { type: 'timer', t: 5, node: 'b', id: expect.any(Number), tag: 'ack' },
    ]);
  });

  it('gives the time and kind of a row without materializing it', () => {
    const trace = new MemoryTrace();
    exchange(trace).run();

    const rows = [0, 1, 2].map((i) => [trace.timeAt(i), trace.kindAt(i)]);

    expect(trace.length).toBe(3);
    expect(rows).toEqual([
      [0, Row.Send],
      [2, Row.Deliver],
      [5, Row.Timer],
    ]);
  });

  it('keeps every row across the first chunk growing and later chunks filling', () => {
    const trace = new MemoryTrace();
    const hashed = new HashTrace();
    trace.names = hashed.names = ['a', 'b'];
    const rows = 150_000;
    for (let i = 0; i < rows; i++) {
      const kind = i % 3 === 0 ? Row.Send : i % 3 === 1 ? Row.Deliver : Row.Timer;
      const o = kind === Row.Timer ? { i } : i;
      trace.record(i / 4, kind, i & 1, kind === Row.Timer ? -1 : 1 - (i & 1), kind === Row.Timer ? i : i - (kind === Row.Deliver ? 1 : 0), o);
      hashed.record(i / 4, kind, i & 1, kind === Row.Timer ? -1 : 1 - (i & 1), kind === Row.Timer ? i : i - (kind === Row.Deliver ? 1 : 0), o);
    }

    expect(trace.length).toBe(rows);
    for (const i of [0, 1023, 1024, 65_535, 65_536, 131_071, 131_072, rows - 1]) {
      expect([trace.timeAt(i), trace.kindAt(i)]).toEqual([i / 4, i % 3 === 0 ? Row.Send : i % 3 === 1 ? Row.Deliver : Row.Timer]);
      expect(trace.at(i).t).toBe(i / 4);
    }
    expect(trace.at(131_075)).toEqual({ type: 'timer', t: 131_075 / 4, node: 'b', id: 131_075, tag: { i: 131_075 } });
    expect(trace.hash()).toBe(hashed.hash());
  });

  it('records faults as events naming their nodes, in the order they happen', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    sim.addNode('p1', () => ({ onInject: () => {} }));
    sim.addNode('p2', () => ({}));
    sim.schedulePlan([
      { at: 1, kind: 'crash', node: 'p1' },
      { at: 2, kind: 'restart', node: 'p1' },
      { at: 3, kind: 'pause', node: 'p2' },
      { at: 4, kind: 'resume', node: 'p2' },
      { at: 5, kind: 'slow', node: 'p2', factor: 2 },
      { at: 6, kind: 'partition', groups: [['p1']] },
      { at: 7, kind: 'heal' },
      { at: 8, kind: 'degrade', lossRate: 0.5 },
      { at: 9, kind: 'restore' },
      { at: 10, kind: 'inject', name: 'poison', node: 'p1' },
    ]);

    sim.run();

    expect(trace.events()).toEqual([
      { type: 'crash', t: 1, node: 'p1', lostWrites: 0 },
      { type: 'restart', t: 2, node: 'p1' },
      { type: 'pause', t: 3, node: 'p2' },
      { type: 'resume', t: 4, node: 'p2' },
      { type: 'slow', t: 5, node: 'p2', factor: 2 },
      { type: 'partition', t: 6, fault: { at: 6, kind: 'partition', groups: [['p1']] } },
      { type: 'heal', t: 7 },
      { type: 'degrade', t: 8, fault: { at: 8, kind: 'degrade', lossRate: 0.5 } },
      { type: 'restore', t: 9 },
      { type: 'inject', t: 10, fault: { at: 10, kind: 'inject', name: 'poison', node: 'p1' } },
    ]);
  });

  it('records states and notes of nodes and of the simulation', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    sim.addNode('p1', (ctx) => {
      ctx.state('leader', 'term 2');
      ctx.state('follower');
      ctx.note('elected', 'key');
      ctx.note(() => 'built lazily');
      return {};
    });
    sim.at(4, () => sim.note('from the world', 'warn'));

    sim.run();

    expect(trace.events()).toEqual([
      { type: 'state', t: 0, node: 'p1', state: 'leader', detail: 'term 2' },
      { type: 'state', t: 0, node: 'p1', state: 'follower' },
      { type: 'note', t: 0, text: 'elected', level: 'key', node: 'p1' },
      { type: 'note', t: 0, text: 'built lazily', level: 'info', node: 'p1' },
      { type: 'note', t: 4, text: 'from the world', level: 'warn' },
    ]);
  });

  it('hashes what it recorded to the hash of its events', () => {
    const trace = new MemoryTrace();
    buildPingPong(3, MIXED_PLAN, trace).run();

    const hash = trace.hash();

    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hash).toBe(hashEvents(trace.events()));
  });
});

describe('CallbackTrace', () => {
  it('streams the same events as MemoryTrace, each as it happens', () => {
    const memory = new MemoryTrace();
    buildPingPong(5, MIXED_PLAN, memory).run();
    const streamed: TraceEvent[] = [];
    let late = 0;
    const sim: Simulation = buildPingPong(
      5,
      MIXED_PLAN,
      new CallbackTrace((event) => {
        if (event.t !== sim.now) late++;
        streamed.push(event);
      }),
    );

    sim.run();

    expect(streamed).toEqual(memory.events());
    expect(late).toBe(0);
  });
});

describe('HashTrace', () => {
  it('gives the same hash as MemoryTrace for the same run, storing nothing', () => {
    const memory = new MemoryTrace();
    buildPingPong(7, MIXED_PLAN, memory).run();
    const hashed = new HashTrace();

    buildPingPong(7, MIXED_PLAN, hashed).run();

    expect(hashed.hash()).toBe(memory.hash());
    expect(hashed.count).toBe(memory.length);
  });
});

describe('TeeTrace', () => {
  it('feeds every sink the same events and node names', () => {
    const memory = new MemoryTrace();
    const hashed = new HashTrace();
    const streamed: TraceEvent[] = [];
    const tee = new TeeTrace([memory, hashed, new CallbackTrace((e) => streamed.push(e))]);

    exchange(tee).run();

    expect(memory.length).toBe(3);
    expect(streamed).toEqual(memory.events());
    expect(hashed.hash()).toBe(memory.hash());
    expect(memory.names).toEqual(['a', 'b']);
  });
});

describe('A simulation without a trace', () => {
  it('records nothing and never builds narration', () => {
    let built = 0;
    let tracingSeen: boolean | null = null;
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', (ctx) => {
      tracingSeen = ctx.tracing;
      ctx.note(() => `built ${++built}`);
      ctx.state('leader');
      return {};
    });

    sim.run();

    expect(sim.trace).toBeNull();
    expect(sim.tracing).toBe(false);
    expect(tracingSeen).toBe(false);
    expect(built).toBe(0);
  });

  it('runs exactly as the traced run does', () => {
    const traced = buildPingPong(9, MIXED_PLAN, new MemoryTrace());
    const untraced = buildPingPong(9, MIXED_PLAN, null);

    traced.run();
    untraced.run();

    expect(untraced.messageStats).toEqual(traced.messageStats);
    expect(untraced.events).toBe(traced.events);
    expect(untraced.now).toBe(traced.now);
  });
});

describe('materialize', () => {
  it('turns every row kind into the event type of the same index', () => {
    const payloads: Record<number, unknown> = {
      [Row.Drop]: { id: 0, msg: null },
      [Row.State]: { state: 's' },
      [Row.Metric]: 'm',
      [Row.Violation]: { invariant: 'i', message: 'm' },
      [Row.Note]: { text: 't', level: 'info' },
    };

    const types = Object.values(Row).map((kind) => materialize(['x', 'y'], 0, kind, 0, 1, 0, payloads[kind] ?? null).type);

    expect(types).toEqual(TRACE_EVENT_TYPES);
  });
});

describe('sent messages and the sinks that keep them', () => {
  /** a sends a message, then changes it: a bug the trace must not hide. */
  function mutateAfterSend(trace: MemoryTrace | HashTrace | TeeTrace | null): Simulation {
    const sim = new Simulation({ seed: 1, trace, network: { latency: { kind: 'constant', ms: 2 } } });
    sim.addNode('a', (ctx) => {
      const msg = { n: 1 };
      ctx.send(1, msg);
      msg.n = 2;
      return {};
    });
    sim.addNode('b', () => ({}));
    return sim;
  }

  it('freezes a message a sink keeps by reference, so changing it after the send fails loudly', () => {
    expect(() => mutateAfterSend(new MemoryTrace()).run()).toThrow(/read only|read-only|frozen/);
    expect(() => mutateAfterSend(new TeeTrace([new HashTrace(), new MemoryTrace()])).run()).toThrow(/read only|read-only|frozen/);
  });

  it('leaves it unfrozen when no sink keeps it: the hash folds the message as it was sent', () => {
    const hashed = new HashTrace();
    expect(hashed.keepsPayloads).toBe(false);
    expect(() => mutateAfterSend(hashed).run()).not.toThrow();
    expect(() => mutateAfterSend(null).run()).not.toThrow();
    const asSent = new HashTrace();
    const sim = new Simulation({ seed: 1, trace: asSent, network: { latency: { kind: 'constant', ms: 2 } } });
    sim.addNode('a', (ctx) => {
      ctx.send(1, { n: 1 });
      return {};
    });
    sim.addNode('b', () => ({}));
    sim.run();
    expect(hashed.hash()).toBe(asSent.hash());
  });
});
