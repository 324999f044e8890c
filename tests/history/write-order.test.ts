/**
 * The quick proof for read/write registers by the order the writes took effect in
 * (history/linearizability/write-order.ts, and the same proof on KvLog's columns): the true
 * order proves every linearizable history with unique written values; whatever order it
 * proves, the search accepts; a stale read is proven by no order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../engine/index.ts';
import { checkHistory, type History, historyOf, KvLog, parseEdnHistory } from '../../history/index.ts';
import { proveByWriteOrder } from '../../history/linearizability/write-order.ts';
import { ClientHistory } from '../../scenarios/index.ts';

function ops(...entries: [process: number, type: 'invoke' | 'ok' | 'fail' | 'info', f: 'read' | 'write' | 'cas', value: string][]): History {
  return parseEdnHistory(entries.map(([process, type, f, value]) => `{:type :${type}, :process ${process}, :f :${f}, :value ${value}}`).join('\n'));
}

interface Generated {
  /** The history, as operations and as columns (the same entries). */
  history: History;
  log: KvLog;
  /** The writes that took effect, in the order they did: positions of their invocations, and their operations in the log. */
  positions: number[];
  writes: number[];
}

/**
 * A linearizable kv history with unique written values: each operation (one process each)
 * takes effect at an instant between its invocation and completion on a sequential store; a
 * write may fail (no effect) or time out (effect or not, by a coin).
 */
function generate(seed: number, count: number, keys: number): Generated {
  const stream = new RandomStreams(seed).stream('kv');
  const random = () => stream.next();
  const planned = Array.from({ length: count }, (_, i) => {
    const invokeMs = random() * count;
    const effectMs = invokeMs + random() * 4;
    const roll = random();
    const write = random() < 0.4;
    const outcome = write && roll < 0.1 ? 'fail' : roll < 0.2 ? 'info' : 'ok';
    return {
      i,
      key: Math.floor(random() * keys),
      write,
      value: i + 1,
      invokeMs,
      effectMs,
      completeMs: effectMs + random() * 4,
      outcome,
      applies: outcome === 'ok' || (outcome === 'info' && random() < 0.5),
      read: -1,
    };
  });
  const state = new Array<number>(keys).fill(-1);
  const effective = planned.filter((p) => p.applies).sort((a, b) => a.effectMs - b.effectMs);
  for (const p of effective) {
    if (p.write) state[p.key] = p.value;
    else p.read = state[p.key]!;
  }
  const events = planned.flatMap((p) => [
    { p, t: p.invokeMs, invoke: true },
    { p, t: p.completeMs, invoke: false },
  ]);
  events.sort((a, b) => a.t - b.t);
  const log = new KvLog({ key: (k) => k, value: (v) => v });
  const op = new Map<number, number>();
  const position = new Map<number, number>();
  events.forEach((e, at) => {
    if (e.invoke) {
      position.set(e.p.i, at);
      op.set(e.p.i, e.p.write ? log.write(e.p.i, e.p.key, e.p.value, e.t) : log.read(e.p.i, e.p.key, e.t));
    } else if (e.p.outcome === 'ok') log.ok(op.get(e.p.i)!, e.t, e.p.write ? undefined : e.p.read);
    else if (e.p.outcome === 'fail') log.fail(op.get(e.p.i)!, e.t);
    else log.info(op.get(e.p.i)!, e.t);
  });
  const writes = effective.filter((p) => p.write);
  return { history: historyOf(log), log, positions: writes.map((p) => position.get(p.i)!), writes: writes.map((p) => op.get(p.i)!) };
}

describe('proof by the order the writes took effect', () => {
  it('places each read after the write whose value it returned, and keeps real time', () => {
    // Process 1 reads while process 0 writes 1; then process 2 reads 1.
    const concurrent = ops(
      [0, 'invoke', 'write', '[:x 1]'],
      [1, 'invoke', 'read', '[:x nil]'],
      [0, 'ok', 'write', '[:x 1]'],
      [1, 'ok', 'read', '[:x nil]'],
      [2, 'invoke', 'read', '[:x nil]'],
      [2, 'ok', 'read', '[:x 1]'],
    );
    expect(proveByWriteOrder(concurrent, [0], true)).toBe(3);
    expect(checkHistory(concurrent, { model: 'kv', order: [0] })).toMatchObject({ ok: true, operations: 3 });
    // A stale read: 2 was acknowledged before the read of 1 began.
    const stale = ops(
      [0, 'invoke', 'write', '[:x 1]'],
      [0, 'ok', 'write', '[:x 1]'],
      [0, 'invoke', 'write', '[:x 2]'],
      [0, 'ok', 'write', '[:x 2]'],
      [1, 'invoke', 'read', '[:x nil]'],
      [1, 'ok', 'read', '[:x 1]'],
    );
    for (const order of [[0, 2], [2, 0], [0], []]) expect(proveByWriteOrder(stale, order, true)).toBeNull();
    expect(checkHistory(stale, { model: 'kv', order: [0, 2] }).ok).toBe(false);
  });

  it('proves nothing with a failed or repeated write in the order, an acknowledged one left out, a value written twice, or a cas', () => {
    const h = ops([0, 'invoke', 'write', '[:x 1]'], [0, 'fail', 'write', '[:x 1]'], [1, 'invoke', 'write', '[:x 2]'], [1, 'ok', 'write', '[:x 2]']);
    expect(proveByWriteOrder(h, [2], true)).toBe(2);
    expect(proveByWriteOrder(h, [0, 2], true)).toBeNull();
    expect(proveByWriteOrder(h, [2, 2], true)).toBeNull();
    expect(proveByWriteOrder(h, [], true)).toBeNull();
    const twice = ops([0, 'invoke', 'write', '[:x 1]'], [0, 'ok', 'write', '[:x 1]'], [1, 'invoke', 'write', '[:x 1]'], [1, 'info', 'write', '[:x 1]']);
    expect(proveByWriteOrder(twice, [0], true)).toBeNull();
    const cas = ops([0, 'invoke', 'cas', '[:x [nil 1]]'], [0, 'ok', 'cas', '[:x [nil 1]]']);
    expect(proveByWriteOrder(cas, [], true)).toBeNull();
    expect(checkHistory(cas, { model: 'kv', order: [] }).ok).toBe(true); // the search decides
  });

  it('takes a timed-out write as having taken effect when the order has it, as never when it has not', () => {
    const h = ops([0, 'invoke', 'write', '[:x 1]'], [0, 'info', 'write', '[:x 1]'], [1, 'invoke', 'read', '[:x nil]'], [1, 'ok', 'read', '[:x 1]']);
    expect(proveByWriteOrder(h, [0], true)).toBe(2);
    expect(proveByWriteOrder(h, [], true)).toBeNull(); // the read saw it
  });

  it('over generated histories: the true order proves each, columns and operations agree, and what any order proves the search accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 4 }), (seed, count, keys) => {
        const g = generate(seed, count, keys);
        expect(proveByWriteOrder(g.history, g.positions, true)).toBe(count);
        g.log.propose(g.writes);
        expect(g.log.prove({ model: 'kv' })).toBe(true);
        // Another order: the reversed one (it proves only what is also true of it).
        const reversed = [...g.positions].reverse();
        g.log.propose([...g.writes].reverse());
        const proof = proveByWriteOrder(g.history, reversed, true) !== null;
        expect(g.log.prove({ model: 'kv' })).toBe(proof);
        if (proof) expect(checkHistory(g.history, { model: 'kv' }).ok).toBe(true);
      }),
      { numRuns: 150, seed: 3 },
    );
  });

  it('in a ClientHistory: a kv log its order explains is judged on the columns; a stale one is judged on its operations, with a witness', () => {
    const judged = (stale: boolean) => {
      const history = new ClientHistory(() => 10, true);
      const log = new KvLog({ key: (k) => `k${k}`, value: (v) => v });
      history.recordColumns(log);
      const w1 = log.write('users', 0, 1, 0);
      log.ok(w1, 1);
      const w2 = log.write('users', 0, 2, 2);
      log.ok(w2, 3);
      const r = log.read('users', 0, 4);
      log.ok(r, 5, stale ? 1 : 2);
      log.propose([w1, w2]);
      return { history, result: history.judge({ model: 'kv' }) };
    };
    expect(judged(false).result).toMatchObject({ ok: true, operations: 3 });
    const { history, result } = judged(true);
    expect(result.ok).toBe(false);
    expect(result.anomalies[0]!.type).toBe('not-linearizable');
    expect(history.history().operations.at(-1)).toMatchObject({ process: 'users', type: 'ok', f: 'read', value: ['k0', 1] });
    expect(() => history.invoke('users', 'read', ['k0', null])).not.toThrow(); // read, the columns became operations
    const fresh = new ClientHistory(() => 0, true);
    fresh.recordColumns(new KvLog({ key: (k) => k, value: (v) => v }));
    expect(() => fresh.invoke('users', 'read', [0, null])).toThrow(/in columns/);
  });
});
