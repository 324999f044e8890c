/**
 * The quick proof by a proposed serial order (history/elle/serial-order.ts): an order that
 * explains the history decides it at once; any other order, or a history with an anomaly,
 * leaves the verdict to the full analysis, so a proposal never changes a verdict.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../engine/index.ts';
import { proveBySerialOrder } from '../../history/elle/serial-order.ts';
import { checkHistory, generateListAppendHistory, type History, parseEdnHistory } from '../../history/index.ts';
import { ClientHistory } from '../../scenarios/index.ts';

function txns(...ops: [process: number, type: 'invoke' | 'ok' | 'fail' | 'info', value: string][]): History {
  return parseEdnHistory(ops.map(([process, type, value]) => `{:type :${type}, :process ${process}, :f :txn, :value ${value}}`).join('\n'));
}

// T0 (positions 0, 1) appends x 1; T2 (2, 3) reads x [1] and appends y 2; T4 (4, 5) reads both.
const serial = txns(
  [0, 'invoke', '[[:append :x 1]]'],
  [0, 'ok', '[[:append :x 1]]'],
  [1, 'invoke', '[[:r :x nil] [:append :y 2]]'],
  [1, 'ok', '[[:r :x [1]] [:append :y 2]]'],
  [2, 'invoke', '[[:r :x nil] [:r :y nil]]'],
  [2, 'ok', '[[:r :x [1]] [:r :y [2]]]'],
);

describe('proof by a proposed serial order', () => {
  it('proves a history its order explains, and the checker answers ok at once', () => {
    expect(proveBySerialOrder(serial, [0, 2, 4], true)).toBe(3);
    const result = checkHistory(serial, { model: 'list-append', consistency: 'strict-serializable', order: [0, 2, 4] });
    expect(result).toMatchObject({ ok: true, verdict: 'ok', operations: 3, anomalies: [] });
  });

  it('does not prove with an order that misses a committed transaction, repeats one or misreads', () => {
    expect(proveBySerialOrder(serial, [0, 4], false)).toBeNull();
    expect(proveBySerialOrder(serial, [0, 2, 2, 4], false)).toBeNull();
    expect(proveBySerialOrder(serial, [2, 0, 4], false)).toBeNull(); // T2 would read x = []
    expect(proveBySerialOrder(serial, [0, 2, 5], false)).toBeNull(); // not an invocation
  });

  it('keeps real time for strict serializability only', () => {
    // T0 completes before T2 is invoked, yet the order puts T2 first: both read nothing the other wrote.
    const h = txns([0, 'invoke', '[[:append :x 1]]'], [0, 'ok', '[[:append :x 1]]'], [1, 'invoke', '[[:append :y 1]]'], [1, 'ok', '[[:append :y 1]]']);
    expect(proveBySerialOrder(h, [2, 0], false)).toBe(2);
    expect(proveBySerialOrder(h, [2, 0], true)).toBeNull();
  });

  it('leaves out a failed transaction and may take an indeterminate one or not', () => {
    const h = txns(
      [0, 'invoke', '[[:append :x 1]]'],
      [0, 'fail', '[[:append :x 1]]'],
      [1, 'invoke', '[[:append :x 2]]'],
      [1, 'info', 'nil'],
      [2, 'invoke', '[[:r :x nil]]'],
      [2, 'ok', '[[:r :x [2]]]'],
    );
    expect(proveBySerialOrder(h, [2, 4], true)).toBe(3);
    expect(proveBySerialOrder(h, [0, 2, 4], true)).toBeNull();
    expect(proveBySerialOrder(h, [4], true)).toBeNull(); // the read saw 2: the indeterminate append took effect
  });

  it('never proves a history with an anomaly, whatever the order: the full analysis finds it', () => {
    // G1a: the read sees the failed append.
    const g1a = txns([0, 'invoke', '[[:append :x 1]]'], [0, 'fail', 'nil'], [1, 'invoke', '[[:r :x nil]]'], [1, 'ok', '[[:r :x [1]]]']);
    for (const order of [[2], [0, 2], [2, 0]]) expect(proveBySerialOrder(g1a, order, false)).toBeNull();
    const result = checkHistory(g1a, { model: 'list-append', consistency: 'read-committed', order: [0, 2] });
    expect(result.anomalies.map((a) => a.type)).toContain('G1a');
    // A value appended twice is refused by every level, even when the replay would fit.
    const twice = txns([0, 'invoke', '[[:append :x 1]]'], [0, 'ok', '[[:append :x 1]]'], [1, 'invoke', '[[:append :x 1]]'], [1, 'ok', '[[:append :x 1]]']);
    expect(proveBySerialOrder(twice, [0, 2], false)).toBeNull();
  });

  it('over generated histories, whatever it proves the full analysis accepts, and with a planted write skew it proves nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 120 }), (seed, transactions) => {
        const stream = new RandomStreams(seed).stream('txn');
        const random = () => stream.next();
        const history = generateListAppendHistory({ random, transactions, keysActive: 3, appendsPerKeyMax: 8 });
        const invocations = history.operations.flatMap((op, i) => (op.type === 'invoke' ? [i] : []));
        // Proposals: invocation order, completion order, and a shuffle.
        const completion = [...invocations].sort((a, b) => completedAt(history, a) - completedAt(history, b));
        const shuffled = [...invocations].sort(() => random() - 0.5);
        for (const order of [invocations, completion, shuffled]) {
          if (proveBySerialOrder(history, order, true) !== null)
            expect(checkHistory(history, { model: 'list-append', consistency: 'strict-serializable' }).ok).toBe(true);
        }
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});

describe('ClientHistory.proposeOrder', () => {
  it('judges a claim by the proposed order when it explains the history, and by the full analysis when it does not', () => {
    let now = 0;
    const recorded = new ClientHistory(() => now, true);
    const a = recorded.invoke('c1', 'txn', [['append', 'x', 1]]);
    now = 1;
    recorded.ok(a, [['append', 'x', 1]]);
    const b = recorded.invoke('c2', 'txn', [['r', 'x', null]], 2);
    recorded.ok(b, [['r', 'x', []]], 3); // stale: x = [1] was acknowledged before this read began
    const c = recorded.invoke('c3', 'txn', [['r', 'x', null]], 4);
    recorded.ok(c, [['r', 'x', [1]]], 5);
    recorded.proposeOrder([b, a, c]); // explains the reads, but not real time
    const claim = { model: 'list-append', consistency: 'strict-serializable' } as const;
    expect(recorded.judge(claim).ok).toBe(false);
    expect(recorded.judge({ ...claim, consistency: 'serializable' }).ok).toBe(true);
    expect(new ClientHistory(() => 0, false).recording).toBe(false);
  });
});

/** Where the operation invoked at `position` completed (infinity when it never did). */
function completedAt(history: History, position: number): number {
  const process = history.operations[position]!.process;
  for (let i = position + 1; i < history.operations.length; i++) if (history.operations[i]!.process === process) return i;
  return Number.POSITIVE_INFINITY;
}
