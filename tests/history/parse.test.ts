/**
 * The history parsers: Jepsen's text logs, EDN (one map per line or one vector), faultline's
 * JSON, format detection, and bad input refused with its line, column and what was expected.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  detectFormat,
  formatHistoryEdn,
  formatHistoryJson,
  HistoryParseError,
  parseEdnHistory,
  parseHistory,
  parseJepsenLog,
  parseJsonHistory,
  readEdnValue,
} from '../../history/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The parse error `run` throws. */
function parseError(run: () => unknown): HistoryParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof HistoryParseError) return error;
    throw error;
  }
  throw new Error('expected a HistoryParseError');
}

describe('the EDN reader', () => {
  it('reads keywords as names, vectors and lists as arrays, nil as null', () => {
    expect(readEdnValue('[:append :x 1 (2 3) nil true "s"]')).toEqual(['append', 'x', 1, [2, 3], null, true, 's']);
  });

  it('reads maps keyed by keyword names, sets as arrays, and skips comments, commas and discards', () => {
    expect(readEdnValue('{:a 1, :b #{1 2} ; comment\n :c #_ :gone 3}')).toEqual({ a: 1, b: [1, 2], c: 3 });
  });

  it('reads a tagged record as its map', () => {
    expect(readEdnValue('#jepsen.history.Op{:index 0 :type :invoke}')).toEqual({ index: 0, type: 'invoke' });
  });

  it('reads negative, fractional and exponent numbers and string escapes', () => {
    expect(readEdnValue('[-3 1.5 2e3 "a\\nb\\"c"]')).toEqual([-3, 1.5, 2000, 'a\nb"c']);
  });

  it('refuses an unclosed vector, naming where the input ended', () => {
    const error = parseError(() => readEdnValue('[1 2\n 3'));
    expect(error.line).toBe(2);
    expect(error.expected).toContain("']'");
  });
});

describe('Jepsen text logs', () => {
  it('reads operation lines and skips the rest of the log', () => {
    const text =
      'INFO  jepsen.core - Running test\nINFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - :nemesis\t:info\t:start\tnil\nINFO  jepsen.util - 3\t:ok\t:cas\t[1 2]\n';
    const history = parseJepsenLog(text);
    expect(history.operations).toEqual([
      { process: 3, type: 'invoke', f: 'cas', value: [1, 2], line: 2 },
      { process: 3, type: 'ok', f: 'cas', value: [1, 2], line: 4 },
    ]);
  });

  it('reads the newer log format with a timestamp, a worker name and an error after the value', () => {
    const text = '2018-02-06 09:59:12,093{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:info\t:write\t3\tindeterminate: timed out\n';
    expect(parseJepsenLog(text).operations).toEqual([{ process: 0, type: 'info', f: 'write', value: 3, line: 1 }]);
  });

  it('reads a real etcd log from Jepsen', () => {
    const history = parseJepsenLog(readFileSync(path.join(here, 'fixtures/jepsen/etcd_000.log'), 'utf8'));
    expect(history.operations).toHaveLength(170);
    expect(history.operations[60]).toEqual({ process: 4, type: 'info', f: 'write', value: 'timed-out', line: 61 });
  });

  it('refuses an operation line with an unknown type, naming its line and column', () => {
    const error = parseError(() => parseJepsenLog('INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:done\t:read\t3\n'));
    expect(error.line).toBe(2);
    expect(error.column).toBe(23);
    expect(error.expected).toContain(':invoke, :ok, :fail, :info');
  });

  it('refuses a file with no operation line at all', () => {
    const error = parseError(() => parseJepsenLog('just some text\n'));
    expect(error.line).toBe(1);
    expect(error.expected).toContain('jepsen.util');
  });
});

describe('EDN histories', () => {
  it('reads one operation map per line, with Jepsen time in ns as ms', () => {
    const history = parseEdnHistory(
      '{:index 0, :type :invoke, :process 0, :f :read, :value nil, :time 2000000}\n{:index 1, :type :ok, :process 0, :f :read, :value 3}\n',
    );
    expect(history.operations).toEqual([
      { process: 0, type: 'invoke', f: 'read', value: null, timeMs: 2, index: 0, line: 1 },
      { process: 0, type: 'ok', f: 'read', value: 3, index: 1, line: 2 },
    ]);
  });

  it('reads a history written as one vector, with each operation on its own line', () => {
    const history = parseEdnHistory(
      '[{:type :invoke, :process 0, :f :txn, :value [[:append :x 1]]}\n {:type :ok, :process 0, :f :txn, :value [[:append :x 1]]}]',
    );
    expect(history.operations.map((op) => [op.type, op.line])).toEqual([
      ['invoke', 1],
      ['ok', 2],
    ]);
    expect(history.operations[0]!.value).toEqual([['append', 'x', 1]]);
  });

  it('leaves out the nemesis', () => {
    expect(parseEdnHistory('{:type :info, :process :nemesis, :f :start, :value nil}').operations).toEqual([]);
  });

  it('refuses a map without a type, naming its line', () => {
    const error = parseError(() => parseEdnHistory('{:type :invoke, :process 0, :f :read}\n{:process 0, :f :read, :value 1}'));
    expect(error.line).toBe(2);
    expect(error.expected).toContain('type');
  });
});

describe("faultline's JSON histories", () => {
  const ops = [
    { process: 'client-1', type: 'invoke' as const, f: 'write', value: 3, timeMs: 1.5 },
    { process: 'client-1', type: 'ok' as const, f: 'write', value: 3, timeMs: 2 },
  ];

  it('round-trips through its writer', () => {
    expect(parseJsonHistory(formatHistoryJson({ operations: ops })).operations).toEqual(ops);
  });

  it('reads a bare array of operations', () => {
    expect(parseJsonHistory(JSON.stringify(ops)).operations).toEqual(ops);
  });

  it('refuses an operation with a bad type, naming the line of that operation', () => {
    const text = formatHistoryJson({ operations: ops }).replace('"type":"ok"', '"type":"done"');
    const error = parseError(() => parseJsonHistory(text));
    expect(error.line).toBe(3);
    expect(error.expected).toContain('invoke, ok, fail, info');
  });

  it('refuses text that is not JSON, with the line of the syntax error', () => {
    const error = parseError(() => parseJsonHistory('{"operations": [\n{"process": 1,,}]}'));
    expect(error.line).toBe(2);
  });

  it('converts to EDN that reads back as the same history', () => {
    const txn = [
      { process: 0, type: 'invoke' as const, f: 'txn', value: [['append', 'x', 1]], timeMs: 1 },
      { process: 0, type: 'ok' as const, f: 'txn', value: [['append', 'x', 1]], timeMs: 2 },
    ];
    const back = parseEdnHistory(formatHistoryEdn({ operations: txn })).operations.map(({ line, index, ...op }) => op);
    expect(back).toEqual(txn);
  });
});

describe('format detection', () => {
  it('tells the formats apart by their first characters', () => {
    expect(detectFormat('{"operations": []}')).toBe('json');
    expect(detectFormat('[{"process": 0}]')).toBe('json');
    expect(detectFormat('{:type :invoke}')).toBe('edn');
    expect(detectFormat('\n[{:type :invoke}]')).toBe('edn');
    expect(detectFormat('INFO  jepsen.util - 0\t:invoke\t:read\tnil')).toBe('jepsen');
  });

  it('refuses text that is no history, naming the file and what a history looks like', () => {
    const error = parseError(() => parseHistory('# A README\n\nsome prose', { file: 'README.md' }));
    expect(error.message).toMatch(/^README\.md:1:1: expected a history/);
    expect(error.file).toBe('README.md');
  });
});
