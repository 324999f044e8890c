/**
 * A list-append history in columns (history/elle/list-append-log.ts): the same history as
 * the operations it turns into, and its proof by a proposed serial order the same proof as
 * serial-order.ts on those operations, so a claim judged on the columns is judged on what
 * `run --history` writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../engine/index.ts';
import { proveBySerialOrder } from '../../history/elle/serial-order.ts';
import { checkHistory, generateListAppendHistory, type History, historyOf, ListAppendLog } from '../../history/index.ts';
import { ClientHistory } from '../../scenarios/index.ts';

const names = { key: (k: number) => `k${k}`, value: (v: number) => v };

/** A generated history (numbered keys and values) in columns, each committed read a list of its own; and each transaction's log id by its invocation's position. */
function columns(history: History): { log: ListAppendLog; txnAt: Map<number, number> } {
  const log = new ListAppendLog(names);
  const ops = history.operations;
  // A read's result comes with the completion, after the invocation the columns take the micro-ops from.
  const completedAt = new Map<number, number>();
  const open = new Map<unknown, number>();
  ops.forEach((op, position) => {
    if (op.type === 'invoke') open.set(op.process, position);
    else completedAt.set(open.get(op.process)!, position);
  });
  const txnAt = new Map<number, number>();
  ops.forEach((op, position) => {
    if (op.type !== 'invoke') {
      const txn = txnAt.get([...completedAt].find(([, c]) => c === position)![0])!;
      if (op.type === 'ok') log.ok(txn, position);
      else if (op.type === 'fail') log.fail(txn, position);
      else log.info(txn, position);
      return;
    }
    const done = ops[completedAt.get(position) ?? -1];
    const results = done?.type === 'ok' ? (done.value as [string, number, number[]][]) : null;
    const lists = (results ?? []).map((m) => (m[0] === 'r' ? log.list(m[2]) : -1));
    txnAt.set(position, log.invoke(op.process, position));
    (op.value as [string, number, number | null][]).forEach(([f, key, value], i) => {
      if (f === 'append') log.append(key, value!);
      else log.read(key, results === null ? 0 : lists[i]!, results === null ? -1 : results[i]![2].length);
    });
  });
  return { log, txnAt };
}

describe('ListAppendLog', () => {
  it('turns into the operations it records: reads nil when invoked, with their prefixes when committed, unknown reads left out', () => {
    const log = new ListAppendLog({ key: (k) => ['x', 'y'][k]!, value: (v) => `t${v}` });
    const x = log.list([0, 1]);
    const a = log.invoke('c1', 1);
    log.read(0, x, 0);
    log.append(0, 0);
    log.read(1, x, -1);
    log.append(1, 0);
    const b = log.invoke('c2', 2);
    log.append(0, 1);
    log.ok(a, 3);
    log.fail(b, 4);
    expect(historyOf(log).operations).toEqual([
      {
        process: 'c1',
        type: 'invoke',
        f: 'txn',
        value: [
          ['r', 'x', null],
          ['append', 'x', 't0'],
          ['r', 'y', null],
          ['append', 'y', 't0'],
        ],
        timeMs: 1,
      },
      { process: 'c2', type: 'invoke', f: 'txn', value: [['append', 'x', 't1']], timeMs: 2 },
      {
        process: 'c1',
        type: 'ok',
        f: 'txn',
        value: [
          ['r', 'x', []],
          ['append', 'x', 't0'],
          ['append', 'y', 't0'],
        ],
        timeMs: 3,
      },
      { process: 'c2', type: 'fail', f: 'txn', value: null, timeMs: 4 },
    ]);
    expect(() => log.append(0, 2)).toThrow(/open transaction invoked last/);
    expect(() => log.ok(a, 5)).toThrow(/not open/);
    expect(() => log.invoke('c3', 1)).toThrow(/never go back/);
  });

  it('proves exactly what the proof on its operations proves, under every order proposed, over generated histories', () => {
    let proved = 0;
    fc.assert(
      // One client runs its transactions one after another, so invocation order often explains its history; four interleave theirs.
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 80 }),
        fc.constantFrom(1, 4),
        fc.boolean(),
        (seed, transactions, processes, realtime) => {
          const stream = new RandomStreams(seed).stream('txn');
          const random = () => stream.next();
          const history = generateListAppendHistory({ random, processes, transactions, keysActive: 3, appendsPerKeyMax: 8 });
          const { log, txnAt } = columns(history);
          const invocations = [...txnAt.keys()];
          const shuffled = [...invocations].sort(() => random() - 0.5);
          const dropped = invocations.filter(() => random() < 0.9);
          for (const order of [invocations, shuffled, dropped]) {
            log.propose(order.map((p) => txnAt.get(p)!));
            const proof = log.proveOrder(realtime);
            expect(proof).toBe(proveBySerialOrder(history, order, realtime) !== null);
            if (proof) proved++;
          }
        },
      ),
      { numRuns: 120, seed: 11 },
    );
    expect(proved).toBeGreaterThan(10);
  });

  it('in a ClientHistory: a claim the proposed order explains is decided on the columns; any other is judged on the operations, which the history then holds', () => {
    /** a appends 1 to k0 (invoked at 0, committed at 2); b, invoked meanwhile on the same client, reads k0 = [] (committed at 3); stale: b begins after a committed. */
    const recorded = (order: (a: number, b: number) => number[], stale = false) => {
      const history = new ClientHistory(() => 10, true);
      const log = new ListAppendLog(names);
      const list = log.list([1]);
      const a = log.invoke('client', 0);
      log.append(0, 1);
      if (stale) log.ok(a, 1);
      const b = log.invoke('client', 2);
      log.read(0, list, 0);
      if (!stale) log.ok(a, 2);
      log.ok(b, 3);
      log.propose(order(a, b));
      history.recordColumns(log);
      return history;
    };
    const strict = { model: 'list-append', consistency: 'strict-serializable' } as const;
    // b, then a: the order explains the read and real time.
    expect(recorded((a, b) => [b, a]).judge(strict)).toMatchObject({ ok: true, operations: 2 });
    // a, then b misreads: the full analysis decides (it finds b, a), on the operations the history now holds, b on the client's second thread.
    const misordered = recorded((a, b) => [a, b]);
    expect(misordered.judge(strict).ok).toBe(true);
    expect(misordered.history().operations.map((op) => [op.process, op.type])).toEqual([
      ['client', 'invoke'],
      ['client#2', 'invoke'],
      ['client', 'ok'],
      ['client#2', 'ok'],
    ]);
    // A stale read: serializable (b, a), not strictly (a committed before b began), whatever the order proposed.
    const stale = recorded((a, b) => [b, a], true);
    expect(stale.judge({ model: 'list-append', consistency: 'serializable' }).ok).toBe(true);
    const result = stale.judge(strict);
    expect(result.ok).toBe(false);
    expect(result.anomalies.map((x) => x.type)).toContain('G-single-realtime');
    expect(checkHistory(stale.history(), strict).ok).toBe(false);
  });
});
