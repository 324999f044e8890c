import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashTrace, hashEvents, MemoryTrace, Simulation, type TraceEvent, TraceHasher } from '../../engine/index.ts';

const send = (msg: unknown, id = 0): TraceEvent => ({ type: 'send', t: 1, id, from: 'a', to: 'b', msg });

/**
 * Events whose values take every branch of the value encoding (a class instance with an
 * inherited enumerable property, a null-prototype object, what JSON leaves out or writes as
 * null, keys and strings longer than the encoder's buffer), the large ones after thousands of
 * pending words.
 */
function awkwardEvents(): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (let i = 0; i < 300; i++) events.push({ type: 'note', t: i, text: `note ${i} `.repeat(1 + (i % 7)), level: 'info' });
  class Point {
    x = 1;
    y = [2, undefined, () => 3, Symbol('s'), Number.NaN, -0, true, null];
  }
  (Point.prototype as unknown as { inherited: number }).inherited = 4;
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: ['two', { c: false }] });
  events.push(send(new Point(), 1));
  events.push(send(bare, 2));
  events.push(send({ ['k'.repeat(20_001)]: 'v'.repeat(30_001), list: Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? i / 7 : `${i}`)) }, 3));
  events.push({ type: 'timer', t: 400, node: 'a', id: 1, tag: { retry: 2, skip: undefined, f: () => 1, nested: [[[]], {}] } });
  events.push({ type: 'deliver', t: 401, id: 3, from: 'a', to: 'b', msg: null });
  return events;
}

describe('the canonical trace encoding', () => {
  it('hashes an event and its JSON round trip alike (undefined keys dropped, NaN and Infinity as null, -0 as 0)', () => {
    const msg = { type: 'x', gone: undefined, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, zero: -0, list: [1, undefined, 'a'] };

    const direct = hashEvents([send(msg)]);
    const roundTrip = hashEvents(JSON.parse(JSON.stringify([send(msg)])) as TraceEvent[]);

    expect(direct).toBe(roundTrip);
  });

  it('tells apart values that differ only in type, key order or a last bit', () => {
    const hashes = [
      send({ a: 1, b: 2 }),
      send({ b: 2, a: 1 }),
      send({ a: '1', b: 2 }),
      send({ a: 1 + 2 ** -52, b: 2 }),
      send({ a: 1, b: [2] }),
      send([1, 2]),
      send('12'),
      send(null),
    ].map((e) => hashEvents([e]));

    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('depends on the order of events and on every field', () => {
    const a: TraceEvent = { type: 'crash', t: 5, node: 'p1', lostWrites: 0 };
    const b: TraceEvent = { type: 'restart', t: 5, node: 'p1' };

    expect(hashEvents([a, b])).not.toBe(hashEvents([b, a]));
    expect(hashEvents([a])).not.toBe(hashEvents([{ ...a, node: 'p2' }]));
    expect(hashEvents([a])).not.toBe(hashEvents([{ ...a, t: 5.000000000000001 }]));
  });

  it('reuses a payload digest by message id, and it equals the digest of the payload itself', () => {
    const msg = { type: 'prepare', tx: 't1', rows: [1, 2, 3] };
    const deliver: TraceEvent = { type: 'deliver', t: 4, id: 0, from: 'a', to: 'b', msg };
    const fresh = new TraceHasher();
    fresh.add(deliver);
    const cached = new TraceHasher();
    cached.add(send(msg));
    cached.add(deliver);
    const plain = new TraceHasher();
    plain.add(send(JSON.parse(JSON.stringify(msg))));
    plain.add(JSON.parse(JSON.stringify(deliver)) as TraceEvent);

    expect(cached.digest()).toBe(plain.digest());
    expect(fresh.digest()).not.toBe(cached.digest());
  });

  it('finds a long-lived message its payload digest again after thousands of later messages (the value the digest table held)', () => {
    const events: TraceEvent[] = [{ type: 'send', t: 0, id: 0, from: 'a', to: 'b', msg: { op: 'late', rows: [1, 2] } }];
    for (let i = 1; i <= 5000; i++) events.push({ type: 'send', t: i, id: i, from: 'b', to: 'a', msg: { n: i } });
    events.push({ type: 'deliver', t: 6000, id: 0, from: 'a', to: 'b', msg: { op: 'late', rows: [1, 2] } });
    events.push({ type: 'deliver', t: 6001, id: 4097, from: 'b', to: 'a', msg: { n: 4097 } });

    // Computed by the encoder that kept every message's digest for the whole run.
    expect(hashEvents(events)).toBe('a8514d459a85f287');
  });

  it('encodes awkward values as before and as JSON does, whether or not Object.prototype has an enumerable property', () => {
    const proto = Object.prototype as unknown as { polluted?: number };
    for (const polluted of [false, true]) {
      if (polluted) proto.polluted = 5;
      try {
        // Computed by the encoder that tested every for-in key for being an own property.
        expect(hashEvents(awkwardEvents())).toBe('444a15899d135dd6');
        expect(hashEvents(JSON.parse(JSON.stringify(awkwardEvents())) as TraceEvent[])).toBe('444a15899d135dd6');
      } finally {
        delete proto.polluted;
      }
    }
  });

  it('gives the same hash from kernel rows, from a memory trace and from materialized events, for any traffic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (sends, seed) => {
          const build = (trace: HashTrace | MemoryTrace): void => {
            const sim = new Simulation({ seed, trace, network: { latency: { kind: 'exponential', meanMs: 3 }, lossRate: 0.2, duplicateRate: 0.2 } });
            for (const name of ['n0', 'n1', 'n2']) {
              sim.addNode(name, (ctx) => {
                ctx.setTimer(1, { kind: 'tick', node: name });
                return {
                  onTimer: () => {
                    for (const [from, to, msg] of sends) if (from === ctx.self) ctx.send(to, msg);
                  },
                  onMessage: () => ctx.state('got', `from ${ctx.self}`),
                };
              });
            }
            sim.metrics.sample('load', 0.5);
            sim.run();
          };
          const hashed = new HashTrace();
          build(hashed);
          const memory = new MemoryTrace();
          build(memory);
          const events = memory.events();

          expect(memory.hash()).toBe(hashed.hash());
          expect(hashEvents(events)).toBe(hashed.hash());
          expect(hashEvents(JSON.parse(JSON.stringify(events)) as TraceEvent[])).toBe(hashed.hash());
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('numbers timers in the trace in the order they were set, whatever slots they occupy', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    sim.addNode('a', (ctx) => {
      const first = ctx.setTimer(5, 'cancelled');
      ctx.setTimer(1, 'one');
      ctx.cancelTimer(first);
      ctx.setTimer(2, 'two');
      return { onTimer: (tag) => (tag === 'two' ? ctx.setTimer(1, 'three') : undefined) };
    });

    sim.run();

    const timers = trace.events().filter((e) => e.type === 'timer');
    expect(timers.map((e) => (e.type === 'timer' ? [e.tag, e.id] : null))).toEqual([
      ['one', 1],
      ['two', 2],
      ['three', 3],
    ]);
  });
});
