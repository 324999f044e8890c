/**
 * The linearizability checker on hand-written histories whose verdicts are known: sequential
 * and overlapping, with indeterminate (`info`) operations, for every model; the witness of a
 * violation; and the honest `unknown` when a bound is hit.
 */
import { describe, expect, it } from 'vitest';
import { type CheckResult, checkHistory, HistoryParseError, parseJepsenLog } from '../../history/index.ts';

/** A Jepsen log from `process type f value` lines. */
function log(...lines: string[]): ReturnType<typeof parseJepsenLog> {
  return parseJepsenLog(
    lines
      .map(
        (l) =>
          `INFO  jepsen.util - ${l
            .split(' ')
            .join('\t')
            .replace(/\[(\S+)\t(\S+)\]/g, '[$1 $2]')}`,
      )
      .join('\n'),
  );
}

const check = (model: string, history: ReturnType<typeof parseJepsenLog>): CheckResult => checkHistory(history, { model });

describe('cas-register', () => {
  it('accepts a sequential history', () => {
    expect(check('cas-register', log('0 :invoke :write 1', '0 :ok :write 1', '1 :invoke :read nil', '1 :ok :read 1')).verdict).toBe('ok');
  });

  it('accepts a read that overlaps the write it sees', () => {
    const history = log('0 :invoke :write 1', '1 :invoke :read nil', '1 :ok :read 1', '0 :ok :write 1');
    expect(check('cas-register', history).verdict).toBe('ok');
  });

  it('accepts a read of the initial nil', () => {
    expect(check('cas-register', log('1 :invoke :read nil', '1 :ok :read nil')).verdict).toBe('ok');
  });

  it('rejects a stale read, with a witness naming the read and the prefix before it', () => {
    const result = check(
      'cas-register',
      log('0 :invoke :write 1', '0 :ok :write 1', '0 :invoke :write 2', '0 :ok :write 2', '1 :invoke :read nil', '1 :ok :read 1'),
    );
    expect(result.verdict).toBe('violated');
    expect(result.ok).toBe(false);
    const witness = result.anomalies[0]!;
    expect(witness.type).toBe('not-linearizable');
    expect(witness.operation).toMatchObject({ process: 1, f: 'read', result: 1, text: 'read() → 1' });
    expect(witness.explanation).toContain("process 1's read() → 1");
    expect(witness.prefixLength).toBe(2);
    expect((witness.prefix as { text: string }[]).map((op) => op.text)).toEqual(['write(1)', 'write(2)']);
  });

  it('rejects two compare-and-sets from the same value both succeeding', () => {
    const result = check(
      'cas-register',
      log('0 :invoke :write 1', '0 :ok :write 1', '1 :invoke :cas [1 2]', '1 :ok :cas [1 2]', '2 :invoke :cas [1 3]', '2 :ok :cas [1 3]'),
    );
    expect(result.verdict).toBe('violated');
    expect(result.anomalies[0]!.operation).toMatchObject({ process: 2, f: 'cas' });
  });

  it('ignores failed operations: they did not take effect', () => {
    const history = log('0 :invoke :write 1', '0 :ok :write 1', '1 :invoke :write 2', '1 :fail :write 2', '2 :invoke :read nil', '2 :ok :read 1');
    expect(check('cas-register', history).verdict).toBe('ok');
  });

  it('lets a timed-out write take effect long after it timed out', () => {
    const history = log(
      '0 :invoke :write 1',
      '0 :ok :write 1',
      '1 :invoke :write 2',
      '1 :info :write :timed-out',
      '2 :invoke :read nil',
      '2 :ok :read 1',
      '2 :invoke :read nil',
      '2 :ok :read 2',
    );
    expect(check('cas-register', history).verdict).toBe('ok');
  });

  it('lets a timed-out write never take effect', () => {
    const history = log('0 :invoke :write 1', '0 :ok :write 1', '1 :invoke :write 2', '1 :info :write :timed-out', '2 :invoke :read nil', '2 :ok :read 1');
    expect(check('cas-register', history).verdict).toBe('ok');
  });

  it('still rejects a flip-flop that no timed-out write can explain', () => {
    const history = log(
      '0 :invoke :write 1',
      '0 :ok :write 1',
      '1 :invoke :write 2',
      '1 :info :write :timed-out',
      '2 :invoke :read nil',
      '2 :ok :read 2',
      '2 :invoke :read nil',
      '2 :ok :read 1',
    );
    expect(check('cas-register', history).verdict).toBe('violated');
  });

  it('decides an info-heavy history: many timed-out writes of few values', () => {
    const lines: string[] = [];
    for (let p = 0; p < 40; p++) lines.push(`${p} :invoke :write ${p % 3}`, `${p} :info :write :timed-out`);
    lines.push('100 :invoke :read nil', '100 :ok :read 2', '100 :invoke :read nil', '100 :ok :read 0', '100 :invoke :read nil', '100 :ok :read 1');
    expect(check('cas-register', log(...lines)).verdict).toBe('ok');
    lines.push('100 :invoke :read nil', '100 :ok :read 3');
    expect(check('cas-register', log(...lines)).verdict).toBe('violated');
  });

  it('refuses an operation the model does not know, naming its line', () => {
    expect(() => check('cas-register', log('0 :invoke :add 1', '0 :ok :add 1'))).toThrow(HistoryParseError);
    expect(() => check('register', log('0 :invoke :cas [1 2]', '0 :ok :cas [1 2]'))).toThrow(/read or write/);
  });
});

describe('bounds', () => {
  it('says unknown, not a guess, when the state bound is hit', () => {
    const lines: string[] = [];
    for (let p = 0; p < 12; p++) lines.push(`${p} :invoke :write ${p}`);
    for (let p = 0; p < 12; p++) lines.push(`${p} :ok :write ${p}`);
    lines.push('20 :invoke :read nil', '20 :ok :read 5');
    const result = checkHistory(log(...lines), { model: 'register', statesMax: 10 });
    expect(result.verdict).toBe('unknown');
    expect(result.ok).toBeNull();
    expect(result.unknown?.bound).toBe('states');
  });

  it('says unknown when the time limit passes, by the injected clock', () => {
    let now = 0;
    const clock = () => (now += 1);
    const lines: string[] = [];
    for (let p = 0; p < 16; p++) lines.push(`${p} :invoke :write ${p}`);
    for (let p = 0; p < 16; p++) lines.push(`${p} :ok :write ${p}`);
    lines.push('20 :invoke :read nil', '20 :ok :read 5', '21 :invoke :read nil', '21 :ok :read 6');
    const result = checkHistory(log(...lines), { model: 'register', clock, timeLimitMs: 3 });
    expect(result.verdict).toBe('unknown');
    expect(result.unknown?.bound).toBe('time');
    expect(result.elapsedMs).toBeGreaterThan(3);
  });
});

describe('kv, set and counter', () => {
  it('checks a key-value history key by key', () => {
    const ok = log(
      '0 :invoke :write [x 1]',
      '0 :ok :write [x 1]',
      '1 :invoke :read [y nil]',
      '1 :ok :read [y nil]',
      '1 :invoke :read [x nil]',
      '1 :ok :read [x 1]',
    );
    expect(check('kv', ok).verdict).toBe('ok');
    const bad = log(
      '0 :invoke :write [x 1]',
      '0 :ok :write [x 1]',
      '0 :invoke :write [y 2]',
      '0 :ok :write [y 2]',
      '1 :invoke :read [x nil]',
      '1 :ok :read [x 2]',
    );
    const result = check('kv', bad);
    expect(result.verdict).toBe('violated');
    expect(result.anomalies[0]!.partition).toBe('key x');
  });

  it('checks a set: a read must show every add completed before it', () => {
    expect(check('set', log('0 :invoke :add 1', '0 :ok :add 1', '1 :invoke :add 2', '1 :ok :add 2', '2 :invoke :read nil', '2 :ok :read [2 1]')).verdict).toBe(
      'ok',
    );
    expect(check('set', log('0 :invoke :add 1', '0 :ok :add 1', '1 :invoke :add 2', '1 :ok :add 2', '2 :invoke :read nil', '2 :ok :read [2]')).verdict).toBe(
      'violated',
    );
  });

  it('checks a counter: a lost increment is a violation, a timed-out one may count or not', () => {
    const base = ['0 :invoke :add 1', '0 :ok :add 1', '1 :invoke :add 1', '1 :ok :add 1', '3 :invoke :add 5', '3 :info :add :timed-out'];
    expect(check('counter', log(...base, '2 :invoke :read nil', '2 :ok :read 7')).verdict).toBe('ok');
    expect(check('counter', log(...base, '2 :invoke :read nil', '2 :ok :read 2')).verdict).toBe('ok');
    expect(check('counter', log(...base, '2 :invoke :read nil', '2 :ok :read 1')).verdict).toBe('violated');
  });
});
