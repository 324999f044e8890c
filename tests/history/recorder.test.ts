/**
 * The recorder a simulation's clients use, and the pairing of invocations with completions
 * that every checker starts from.
 */
import { describe, expect, it } from 'vitest';
import { HistoryParseError, HistoryRecorder, pairOperations, parseEdnHistory } from '../../history/index.ts';

describe('HistoryRecorder', () => {
  it('records invocations and completions in simulated time', () => {
    const recorder = new HistoryRecorder();
    const write = recorder.invoke('client-1', 'write', 3, 10);
    const read = recorder.invoke('client-2', 'read', null, 11);
    recorder.ok(write, 3, 12);
    recorder.info(read, null, 15);
    expect(recorder.history().operations).toEqual([
      { process: 'client-1', type: 'invoke', f: 'write', value: 3, timeMs: 10 },
      { process: 'client-2', type: 'invoke', f: 'read', value: null, timeMs: 11 },
      { process: 'client-1', type: 'ok', f: 'write', value: 3, timeMs: 12 },
      { process: 'client-2', type: 'info', f: 'read', value: null, timeMs: 15 },
    ]);
  });

  it('refuses a second invocation while the process has one open', () => {
    const recorder = new HistoryRecorder();
    recorder.invoke('client-1', 'write', 3, 0);
    expect(() => recorder.invoke('client-1', 'read', null, 1)).toThrow(/still open/);
  });

  it('refuses to complete an operation twice, and time going backwards', () => {
    const recorder = new HistoryRecorder();
    const op = recorder.invoke('c', 'write', 1, 5);
    recorder.fail(op, 1, 6);
    expect(() => recorder.ok(op, 1, 7)).toThrow(/not open/);
    expect(() => recorder.invoke('c', 'write', 2, 4)).toThrow(/backwards/);
  });
});

describe('pairOperations', () => {
  it('pairs by process, leaves info and unfinished operations open-ended', () => {
    const paired = pairOperations(
      parseEdnHistory(`{:type :invoke, :process 0, :f :write, :value 1}
{:type :invoke, :process 1, :f :write, :value 2}
{:type :ok, :process 0, :f :write, :value 1}
{:type :info, :process 1, :f :write, :value :timed-out}
{:type :invoke, :process 2, :f :read, :value nil}`),
    );
    expect(paired.map((p) => [p.process, p.type, p.invokePosition, p.completePosition])).toEqual([
      [0, 'ok', 0, 2],
      [1, 'info', 1, Number.POSITIVE_INFINITY],
      [2, 'info', 4, Number.POSITIVE_INFINITY],
    ]);
  });

  it('refuses a completion nobody invoked, naming its line', () => {
    const history = parseEdnHistory('{:type :invoke, :process 0, :f :read, :value nil}\n{:type :ok, :process 1, :f :read, :value 1}');
    expect(() => pairOperations(history)).toThrow(HistoryParseError);
    expect(() => pairOperations(history)).toThrow(/^2:1: expected an :invoke by process 1/);
  });
});
