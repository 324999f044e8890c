/**
 * The transactional checker on hand-written histories, one per anomaly: each is found,
 * classified and explained with its cycle; the consistency level decides which of them
 * violate the claim.
 */
import { describe, expect, it } from 'vitest';
import { type CheckResult, type ConsistencyLevel, checkHistory, parseEdnHistory, prohibitedBy } from '../../history/index.ts';

/** An EDN history from transactions run one after another or in the order given. */
function txns(...ops: [process: number, type: 'invoke' | 'ok' | 'fail' | 'info', value: string][]): ReturnType<typeof parseEdnHistory> {
  return parseEdnHistory(ops.map(([process, type, value]) => `{:type :${type}, :process ${process}, :f :txn, :value ${value}}`).join('\n'));
}

/** A committed transaction run alone: invoke, then ok with the same micro-ops. */
function committed(process: number, invoked: string, completed: string = invoked): [number, 'invoke' | 'ok', string][] {
  return [
    [process, 'invoke', invoked],
    [process, 'ok', completed],
  ];
}

const check = (history: ReturnType<typeof parseEdnHistory>, model: string, consistency: ConsistencyLevel = 'serializable'): CheckResult =>
  checkHistory(history, { model, consistency });
const types = (result: CheckResult) => result.anomalies.map((a) => a.type);

describe('list-append anomalies', () => {
  it('G0: write cycle, two transactions append to two keys in opposite orders', () => {
    const history = txns(
      ...committed(0, '[[:append :x 1] [:append :y 1]]'),
      ...committed(1, '[[:append :x 2] [:append :y 2]]'),
      ...committed(2, '[[:r :x nil] [:r :y nil]]', '[[:r :x [1 2]] [:r :y [2 1]]]'),
    );
    const result = check(history, 'list-append', 'read-committed');
    expect(types(result)).toContain('G0');
    const g0 = result.anomalies.find((a) => a.type === 'G0')!;
    expect(g0.explanation).toBe('T0 appended 1 to x, then T2 appended 2; T2 appended 2 to y, then T0 appended 1');
    expect(g0.cycle).toEqual([
      { from: 'T0', to: 'T2', kind: 'ww', key: 'x', fromValue: 1, toValue: 2 },
      { from: 'T2', to: 'T0', kind: 'ww', key: 'y', fromValue: 2, toValue: 1 },
    ]);
  });

  it('G1a: a committed read sees the append of a failed transaction', () => {
    const history = txns([0, 'invoke', '[[:append :x 1]]'], [0, 'fail', '[[:append :x 1]]'], ...committed(1, '[[:r :x nil]]', '[[:r :x [1]]]'));
    const result = check(history, 'list-append', 'read-committed');
    expect(types(result)).toEqual(['G1a']);
    expect(result.anomalies[0]!.explanation).toContain('T0, which failed');
  });

  it('G1b: a read ends in a transaction’s intermediate state', () => {
    const history = txns(...committed(0, '[[:append :x 1] [:append :x 2]]'), ...committed(1, '[[:r :x nil]]', '[[:r :x [1]]]'));
    expect(types(check(history, 'list-append', 'read-committed'))).toEqual(['G1b']);
  });

  it('G1c: each of two transactions reads the other’s append', () => {
    const history = txns(
      [0, 'invoke', '[[:append :x 1] [:r :y nil]]'],
      [1, 'invoke', '[[:append :y 1] [:r :x nil]]'],
      [0, 'ok', '[[:append :x 1] [:r :y [1]]]'],
      [1, 'ok', '[[:append :y 1] [:r :x [1]]]'],
    );
    const result = check(history, 'list-append', 'read-committed');
    expect(types(result)).toEqual(['G1c']);
    expect(result.anomalies[0]!.explanation).toBe('T1 read x = [1] from T0; T0 read y = [1] from T1');
  });

  it('G-single: a read skew, one anti-dependency closes the cycle', () => {
    const history = txns(
      [0, 'invoke', '[[:r :x nil] [:r :y nil]]'],
      ...committed(1, '[[:append :x 1] [:append :y 1]]'),
      [0, 'ok', '[[:r :x []] [:r :y [1]]]'],
      ...committed(2, '[[:r :x nil]]', '[[:r :x [1]]]'),
    );
    expect(types(check(history, 'list-append', 'snapshot-isolation'))).toEqual(['G-single']);
    expect(types(check(history, 'list-append', 'read-committed'))).toEqual([]);
    expect(check(history, 'list-append', 'read-committed').allowed?.map((a) => a.type)).toEqual(['G-single']);
  });

  it('G2-item: a write skew, two anti-dependencies, allowed by snapshot isolation', () => {
    const history = txns(
      [0, 'invoke', '[[:r :x nil] [:append :y 1]]'],
      [1, 'invoke', '[[:r :y nil] [:append :x 1]]'],
      [0, 'ok', '[[:r :x []] [:append :y 1]]'],
      [1, 'ok', '[[:r :y []] [:append :x 1]]'],
      ...committed(2, '[[:r :x nil] [:r :y nil]]', '[[:r :x [1]] [:r :y [1]]]'),
    );
    expect(types(check(history, 'list-append', 'serializable'))).toEqual(['G2-item']);
    expect(check(history, 'list-append', 'snapshot-isolation').ok).toBe(true);
    expect(check(history, 'list-append', 'snapshot-isolation').allowed?.map((a) => a.type)).toEqual(['G2-item']);
  });

  it('a stale read is serializable but not strictly serializable: the cycle needs real time', () => {
    const history = txns(
      ...committed(0, '[[:append :x 1]]'),
      ...committed(1, '[[:r :x nil]]', '[[:r :x []]]'),
      ...committed(2, '[[:r :x nil]]', '[[:r :x [1]]]'),
    );
    expect(check(history, 'list-append', 'serializable').ok).toBe(true);
    const strict = check(history, 'list-append', 'strict-serializable');
    expect(types(strict)).toEqual(['G-single-realtime']);
    expect(strict.anomalies[0]!.explanation).toContain('completed before T2 began');
  });

  it('internal inconsistency: a transaction does not read its own append', () => {
    const history = txns(...committed(0, '[[:append :x 1] [:r :x nil]]', '[[:append :x 1] [:r :x []]]'));
    expect(types(check(history, 'list-append', 'read-committed'))).toEqual(['internal']);
  });

  it('duplicate appends and incompatible orders', () => {
    const dup = txns(...committed(0, '[[:append :x 1]]'), ...committed(1, '[[:append :x 1]]'));
    expect(types(check(dup, 'list-append'))).toEqual(['duplicate-appends']);
    const orders = txns(
      ...committed(0, '[[:append :x 1]]'),
      ...committed(1, '[[:append :x 2]]'),
      ...committed(2, '[[:r :x nil]]', '[[:r :x [1 2]]]'),
      ...committed(3, '[[:r :x nil]]', '[[:r :x [2]]]'),
    );
    expect(types(check(orders, 'list-append'))).toEqual(['incompatible-order']);
  });

  it('a lost append: two transactions read the same list and append, one append vanishes', () => {
    const history = txns(
      [0, 'invoke', '[[:r :x nil] [:append :x 1]]'],
      [1, 'invoke', '[[:r :x nil] [:append :x 2]]'],
      [0, 'ok', '[[:r :x []] [:append :x 1]]'],
      [1, 'ok', '[[:r :x []] [:append :x 2]]'],
      ...committed(2, '[[:r :x nil]]', '[[:r :x [2]]]'),
    );
    expect(types(check(history, 'list-append', 'snapshot-isolation'))).toEqual(['lost-append']);
    expect(check(history, 'list-append', 'read-committed').ok).toBe(true);
  });

  it('a committed append no read shows: a read without it was serialized before it, so one that also sees its other append closes a cycle', () => {
    // T0 appends to x and y; T2 sees T0's y but not its x: half of a committed transaction.
    const half = txns(...committed(0, '[[:append :x 1] [:append :y 1]]'), ...committed(1, '[[:r :x nil] [:r :y nil]]', '[[:r :x []] [:r :y [1]]]'));
    const result = check(half, 'list-append', 'snapshot-isolation');
    expect(types(result)).toEqual(['G-single']);
    expect(result.anomalies[0]!.explanation).toBe('T2 read x = [], before T0 appended 1; T2 read y = [1] from T0');
    // With real time alone: T0 committed before T2 began, yet T2 reads x without it (a lost committed append).
    const lost = txns(...committed(0, '[[:append :x 1]]'), ...committed(1, '[[:r :x nil]]', '[[:r :x []]]'));
    expect(check(lost, 'list-append', 'serializable').ok).toBe(true);
    expect(types(check(lost, 'list-append', 'strict-serializable'))).toEqual(['G-single-realtime']);
  });

  it('accepts appends that time out and may or may not have happened', () => {
    const history = txns(
      [0, 'invoke', '[[:append :x 1]]'],
      [0, 'info', '[[:append :x 1]]'],
      ...committed(1, '[[:r :x nil]]', '[[:r :x [1]]]'),
      ...committed(2, '[[:append :x 2]]'),
    );
    expect(check(history, 'list-append', 'strict-serializable').ok).toBe(true);
  });
});

describe('rw-register anomalies', () => {
  it('G2-item: write skew over two registers', () => {
    const history = txns(
      [0, 'invoke', '[[:r :x nil] [:w :y 1]]'],
      [1, 'invoke', '[[:r :y nil] [:w :x 1]]'],
      [0, 'ok', '[[:r :x nil] [:w :y 1]]'],
      [1, 'ok', '[[:r :y nil] [:w :x 1]]'],
    );
    const result = check(history, 'rw-register');
    expect(types(result)).toEqual(['G2-item']);
    expect(result.anomalies[0]!.explanation).toBe('T1 read y = nil, before T0 wrote 1; T0 read x = nil, before T1 wrote 1');
  });

  it('G1a, G1b and G1c', () => {
    const aborted = txns([0, 'invoke', '[[:w :x 1]]'], [0, 'fail', '[[:w :x 1]]'], ...committed(1, '[[:r :x nil]]', '[[:r :x 1]]'));
    expect(types(check(aborted, 'rw-register'))).toEqual(['G1a']);
    const intermediate = txns(...committed(0, '[[:w :x 1] [:w :x 2]]'), ...committed(1, '[[:r :x nil]]', '[[:r :x 1]]'));
    // Reading T0's overwritten value also closes a cycle with T0 (wr, then rw to T0's later write).
    expect(types(check(intermediate, 'rw-register'))).toEqual(['G1b', 'G-single']);
    const circular = txns(
      [0, 'invoke', '[[:w :x 1] [:r :y nil]]'],
      [1, 'invoke', '[[:w :y 1] [:r :x nil]]'],
      [0, 'ok', '[[:w :x 1] [:r :y 1]]'],
      [1, 'ok', '[[:w :y 1] [:r :x 1]]'],
    );
    expect(types(check(circular, 'rw-register'))).toEqual(['G1c']);
  });

  it('G0 from writes that follow reads', () => {
    const history = txns(
      ...committed(0, '[[:w :x 1] [:w :y 1]]'),
      ...committed(1, '[[:r :x nil] [:w :x 2]]', '[[:r :x 1] [:w :x 2]]'),
      ...committed(2, '[[:r :y nil] [:w :y 2]]', '[[:r :y 1] [:w :y 2]]'),
    );
    expect(check(history, 'rw-register').ok).toBe(true);
  });
});

describe('consistency levels', () => {
  it('each level prohibits what the weaker ones do, and more', () => {
    const rc = prohibitedBy('read-committed');
    const si = prohibitedBy('snapshot-isolation');
    const ser = prohibitedBy('serializable');
    const strict = prohibitedBy('strict-serializable');
    expect(rc).toEqual(expect.arrayContaining(['G0', 'G1a', 'G1b', 'G1c', 'internal']));
    expect(rc).not.toContain('G-single');
    expect(si).toEqual(expect.arrayContaining([...rc, 'G-single']));
    expect(si).not.toContain('G2-item');
    expect(ser).toEqual(expect.arrayContaining([...si, 'G2-item']));
    expect(ser).not.toContain('G-single-realtime');
    expect(strict).toEqual(expect.arrayContaining([...ser, 'G-single-realtime', 'G2-item-realtime']));
  });
});
