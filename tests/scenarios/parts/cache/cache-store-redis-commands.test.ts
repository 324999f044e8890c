/**
 * The Redis commands CacheStore gained so that its answers can be compared with a live
 * redis-server (tests/fidelity/): SET's XX, GET and KEEPTTL options, INCRBY, the EXPIRE
 * family with its Redis 7 conditions, PERSIST, TTL, MGET and MSET, and WRONGTYPE errors.
 * Each expectation is what redis-server 7 answers to the same command.
 */
import { describe, expect, it } from 'vitest';
import { CacheStore, WRONGTYPE } from '../../../../scenarios/parts/cache/cache-store.ts';
import { NOT_AN_INTEGER, WOULD_OVERFLOW } from '../../../../scenarios/parts/cache/redis-integer.ts';

describe('SET options', () => {
  it('XX writes only over a live key', () => {
    const store = new CacheStore();

    const absent = store.execute({ op: 'set', key: 'a', value: 'x', xx: true }, 0);
    store.execute({ op: 'set', key: 'a', value: 'y' }, 0);
    const present = store.execute({ op: 'set', key: 'a', value: 'z', xx: true }, 0);

    expect([absent.ok, present.ok]).toEqual([false, true]);
    expect(store.execute({ op: 'get', key: 'a' }, 0).value).toBe('z');
  });

  it('GET answers the previous value, whether or not NX lets the write happen', () => {
    const store = new CacheStore();

    const first = store.execute({ op: 'set', key: 'a', value: 'x', nx: true, get: true }, 0);
    const second = store.execute({ op: 'set', key: 'a', value: 'y', nx: true, get: true }, 0);

    expect(first).toEqual({ ok: true, value: null });
    expect(second).toEqual({ ok: false, value: 'x' });
    expect(store.execute({ op: 'get', key: 'a' }, 0).value).toBe('x');
  });

  it('GET on a list fails with WRONGTYPE and leaves the list alone', () => {
    const store = new CacheStore();
    store.execute({ op: 'rpush', key: 'q', value: 'job' }, 0);

    const result = store.execute({ op: 'set', key: 'q', value: 'v', get: true }, 0);

    expect(result).toEqual({ ok: false, error: WRONGTYPE });
    expect(store.execute({ op: 'lpop', key: 'q', count: 1 }, 0).values).toEqual(['job']);
  });

  it('KEEPTTL keeps the expiry a plain SET would clear', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'a', value: 'x', pxat: 1000 }, 0);

    store.execute({ op: 'set', key: 'a', value: 'y', keepTtl: true }, 10);
    const kept = store.execute({ op: 'pttl', key: 'a' }, 10).n;
    store.execute({ op: 'set', key: 'a', value: 'z' }, 10);

    expect(kept).toBe(990);
    expect(store.execute({ op: 'pttl', key: 'a' }, 10).n).toBe(-1);
  });
});

describe('INCR and INCRBY', () => {
  it('count a string written as an integer, and keep it a string', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'n', value: '41' }, 0);

    const result = store.execute({ op: 'incr', key: 'n' }, 0);

    expect(result.n).toBe(42);
    expect(store.execute({ op: 'get', key: 'n' }, 0).value).toBe('42');
  });

  it('refuse what Redis does not read as an integer', () => {
    const store = new CacheStore();
    const refused = ['007', '-0', '1.5', ' 1', '+1', '9223372036854775808'].map((value) => {
      store.execute({ op: 'set', key: 'n', value }, 0);
      return store.execute({ op: 'incrby', key: 'n', by: 1 }, 0).error;
    });

    expect(refused).toEqual(Array(6).fill(NOT_AN_INTEGER));
  });

  it('are exact up to the 64-bit limit and refuse to pass it', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'n', value: '9223372036854775806' }, 0);

    store.execute({ op: 'incr', key: 'n' }, 0);
    const past = store.execute({ op: 'incr', key: 'n' }, 0);

    expect(store.execute({ op: 'get', key: 'n' }, 0).value).toBe('9223372036854775807');
    expect(past).toEqual({ ok: false, error: WOULD_OVERFLOW });
  });

  it('keep the key’s expiry, and fail with WRONGTYPE on a list', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'n', value: 1, px: 100 }, 0);
    store.execute({ op: 'rpush', key: 'q', value: 'job' }, 0);

    store.execute({ op: 'incrby', key: 'n', by: -5 }, 10);

    expect(store.execute({ op: 'get', key: 'n' }, 10).value).toBe(-4);
    expect(store.execute({ op: 'pttl', key: 'n' }, 10).n).toBe(90);
    expect(store.execute({ op: 'incr', key: 'q' }, 10).error).toBe(WRONGTYPE);
  });
});

describe('EXPIRE, PERSIST and TTL', () => {
  it('EXPIRE, PEXPIRE and PEXPIREAT set an expiry and answer 1; 0 for a missing key', () => {
    const store = new CacheStore();
    for (const key of ['a', 'b', 'c']) store.execute({ op: 'set', key, value: 1 }, 0);

    const answers = [
      store.execute({ op: 'expire', key: 'a', seconds: 2 }, 0).n,
      store.execute({ op: 'pexpire', key: 'b', ms: 300 }, 0).n,
      store.execute({ op: 'pexpireat', key: 'c', atMs: 400 }, 0).n,
      store.execute({ op: 'pexpire', key: 'missing', ms: 300 }, 0).n,
    ];

    expect(answers).toEqual([1, 1, 1, 0]);
    expect(['a', 'b', 'c'].map((key) => store.execute({ op: 'pttl', key }, 100).n)).toEqual([1900, 200, 300]);
  });

  it('an expiry already past deletes the key and answers 1', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'a', value: 1 }, 0);

    expect(store.execute({ op: 'pexpire', key: 'a', ms: -5 }, 10).n).toBe(1);
    expect(store.execute({ op: 'pttl', key: 'a' }, 10).n).toBe(-2);
  });

  it('NX, XX, GT and LT follow Redis 7: a key without expiry counts as expiring never', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'forever', value: 1 }, 0);
    store.execute({ op: 'set', key: 'timed', value: 1, pxat: 500 }, 0);
    const on = (key: string, atMs: number, condition: 'nx' | 'xx' | 'gt' | 'lt'): number => store.execute({ op: 'pexpireat', key, atMs, condition }, 0).n!;

    expect([on('timed', 600, 'nx'), on('forever', 600, 'xx'), on('forever', 600, 'gt')]).toEqual([0, 0, 0]);
    expect([on('timed', 400, 'gt'), on('timed', 450, 'lt'), on('timed', 700, 'gt')]).toEqual([0, 1, 1]);
    expect(on('forever', 900, 'lt')).toBe(1);
  });

  it('PERSIST removes an expiry (1) and does nothing to a key without one (0)', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'a', value: 1, px: 100 }, 0);

    expect(store.execute({ op: 'persist', key: 'a' }, 0).n).toBe(1);
    expect(store.execute({ op: 'persist', key: 'a' }, 0).n).toBe(0);
    expect(store.execute({ op: 'pttl', key: 'a' }, 200).n).toBe(-1);
  });

  it('TTL answers seconds rounded to the nearest, as Redis does', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'a', value: 1, px: 1499 }, 0);
    store.execute({ op: 'set', key: 'b', value: 1, px: 1500 }, 0);

    expect([store.execute({ op: 'ttl', key: 'a' }, 0).n, store.execute({ op: 'ttl', key: 'b' }, 0).n]).toEqual([1, 2]);
  });
});

describe('MGET and MSET', () => {
  it('MSET writes every pair and clears their expiries; MGET answers null for a missing key or a list', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'a', value: 'old', px: 100 }, 0);
    store.execute({ op: 'rpush', key: 'q', value: 'job' }, 0);

    store.execute(
      {
        op: 'mset',
        entries: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
          { key: 'a', value: '3' },
        ],
      },
      0,
    );

    expect(store.execute({ op: 'mget', keys: ['a', 'b', 'q', 'z'] }, 200).values).toEqual(['3', '2', null, null]);
  });
});

describe('types and the unlock script', () => {
  it('GET on a list fails with WRONGTYPE; RPUSH on a string too', () => {
    const store = new CacheStore();
    store.execute({ op: 'rpush', key: 'q', value: 'job' }, 0);
    store.execute({ op: 'set', key: 's', value: ['an', 'array', 'value'] }, 0);

    expect(store.execute({ op: 'get', key: 'q' }, 0).error).toBe(WRONGTYPE);
    expect(store.execute({ op: 'rpush', key: 's', value: 'x' }, 0).error).toBe(WRONGTYPE);
  });

  it('DEL with ifValue compares as Redis does, as text: a counter 7 matches the token "7"', () => {
    const store = new CacheStore();
    store.execute({ op: 'incrby', key: 'lock', by: 7 }, 0);

    expect(store.execute({ op: 'del', key: 'lock', ifValue: '7' }, 0).n).toBe(1);
  });
});

describe('the unlock script on a list', () => {
  it('fails with WRONGTYPE, as its GET does in Redis', () => {
    const store = new CacheStore();
    store.execute({ op: 'rpush', key: 'lock', value: 'job' }, 0);

    expect(store.execute({ op: 'del', key: 'lock', ifValue: 'job' }, 0).error).toBe(WRONGTYPE);
  });
});
