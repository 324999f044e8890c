import { describe, expect, it } from 'vitest';
import { CacheStore } from '../../../../scenarios/parts/cache/cache-store.ts';

describe('CacheStore commands', () => {
  it('GET returns what SET stored, and null for a key never set', () => {
    const store = new CacheStore();

    store.execute({ op: 'set', key: 'a', value: { v: 1 } }, 0);

    expect(store.execute({ op: 'get', key: 'a' }, 1).value).toEqual({ v: 1 });
    expect(store.execute({ op: 'get', key: 'b' }, 1).value).toBeNull();
  });

  it('a key set with PX is gone once its time to live has passed', () => {
    const store = new CacheStore();

    store.execute({ op: 'set', key: 'a', value: 1, px: 100 }, 0);

    expect(store.execute({ op: 'get', key: 'a' }, 99).value).toBe(1);
    expect(store.execute({ op: 'get', key: 'a' }, 100).value).toBeNull();
  });

  it('PXAT sets an absolute expiry, and one already past stores nothing', () => {
    const store = new CacheStore();

    store.execute({ op: 'set', key: 'a', value: 1, pxat: 50 }, 10);
    store.execute({ op: 'set', key: 'b', value: 1, pxat: 5 }, 10);

    expect(store.execute({ op: 'pttl', key: 'a' }, 20).n).toBe(30);
    expect(store.execute({ op: 'get', key: 'b' }, 10).value).toBeNull();
  });

  it('PTTL answers -2 for a missing key and -1 for a key without expiry', () => {
    const store = new CacheStore();

    store.execute({ op: 'set', key: 'forever', value: 1 }, 0);

    expect(store.execute({ op: 'pttl', key: 'nothing' }, 0).n).toBe(-2);
    expect(store.execute({ op: 'pttl', key: 'forever' }, 0).n).toBe(-1);
  });

  it('SET NX writes only when the key is absent (or expired)', () => {
    const store = new CacheStore();

    const first = store.execute({ op: 'set', key: 'lock', value: 'a', nx: true, px: 10 }, 0);
    const second = store.execute({ op: 'set', key: 'lock', value: 'b', nx: true, px: 10 }, 5);
    const afterExpiry = store.execute({ op: 'set', key: 'lock', value: 'c', nx: true, px: 10 }, 10);

    expect([first.ok, second.ok, afterExpiry.ok]).toEqual([true, false, true]);
    expect(store.execute({ op: 'get', key: 'lock' }, 11).value).toBe('c');
  });

  it('DEL with ifValue deletes only while the key still holds that value', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'lock', value: 'owner-2' }, 0);

    const wrongOwner = store.execute({ op: 'del', key: 'lock', ifValue: 'owner-1' }, 1);
    const rightOwner = store.execute({ op: 'del', key: 'lock', ifValue: 'owner-2' }, 1);

    expect(wrongOwner.n).toBe(0);
    expect(rightOwner.n).toBe(1);
    expect(store.execute({ op: 'get', key: 'lock' }, 2).value).toBeNull();
  });

  it('INCR counts from zero and refuses a value that is not an integer', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'name', value: 'x' }, 0);

    const counts = [1, 2, 3].map(() => store.execute({ op: 'incr', key: 'hits' }, 0).n);

    expect(counts).toEqual([1, 2, 3]);
    expect(store.execute({ op: 'incr', key: 'name' }, 0).ok).toBe(false);
  });

  it('RPUSH and LPOP make a FIFO queue, and an emptied list disappears', () => {
    const store = new CacheStore();
    for (const v of ['a', 'b', 'c']) store.execute({ op: 'rpush', key: 'q', value: v }, 0);

    const first = store.execute({ op: 'lpop', key: 'q', count: 2 }, 0).values;
    const rest = store.execute({ op: 'lpop', key: 'q', count: 5 }, 0).values;

    expect(first).toEqual(['a', 'b']);
    expect(rest).toEqual(['c']);
    expect(store.size).toBe(0);
  });

  it('FLUSHALL forgets every key and lease', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'a', value: 1 }, 0);
    const lease = store.execute({ op: 'lease-get', key: 'b', leaseMs: 100 }, 0).token!;

    store.execute({ op: 'flushall' }, 1);

    expect(store.size).toBe(0);
    expect(store.execute({ op: 'lease-set', key: 'b', token: lease, value: 1 }, 2).ok).toBe(false);
  });
});

describe('CacheStore memory and eviction', () => {
  it('evicts the least recently used key when memory would pass its limit', () => {
    const store = new CacheStore(300);
    store.execute({ op: 'set', key: 'a', value: 1, bytes: 100 }, 0);
    store.execute({ op: 'set', key: 'b', value: 1, bytes: 100 }, 0);
    store.execute({ op: 'set', key: 'c', value: 1, bytes: 100 }, 0);
    store.execute({ op: 'get', key: 'a' }, 1); // a is now more recent than b

    store.execute({ op: 'set', key: 'd', value: 1, bytes: 100 }, 2);

    expect(store.keys(3)).toEqual(['c', 'a', 'd']);
    expect(store.stats.evictions).toBe(1);
    expect(store.memoryBytes).toBe(300);
  });

  it('counts hits and misses', () => {
    const store = new CacheStore();
    store.execute({ op: 'set', key: 'a', value: 1 }, 0);

    store.execute({ op: 'get', key: 'a' }, 0);
    store.execute({ op: 'get', key: 'a' }, 0);
    store.execute({ op: 'get', key: 'z' }, 0);

    expect(store.stats).toMatchObject({ hits: 2, misses: 1 });
  });
});

describe('CacheStore leases', () => {
  it('hands a lease to the first miss only, and its fill succeeds once', () => {
    const store = new CacheStore();

    const first = store.execute({ op: 'lease-get', key: 'k', leaseMs: 100 }, 0);
    const second = store.execute({ op: 'lease-get', key: 'k', leaseMs: 100 }, 1);
    const fill = store.execute({ op: 'lease-set', key: 'k', token: first.token!, value: 'v1' }, 2);
    const again = store.execute({ op: 'lease-set', key: 'k', token: first.token!, value: 'v0' }, 3);

    expect(first.token).toBeGreaterThan(0);
    expect(second.token).toBeNull();
    expect([fill.ok, again.ok]).toEqual([true, false]);
    expect(store.execute({ op: 'get', key: 'k' }, 4).value).toBe('v1');
  });

  it('a DEL between the miss and the fill revokes the lease: the slow reader cannot put the old value back', () => {
    const store = new CacheStore();
    const miss = store.execute({ op: 'lease-get', key: 'k', leaseMs: 100 }, 0);

    store.execute({ op: 'del', key: 'k' }, 5); // a writer updated the database and deleted the key
    const lateFill = store.execute({ op: 'lease-set', key: 'k', token: miss.token!, value: 'old' }, 50);

    expect(lateFill.ok).toBe(false);
    expect(store.execute({ op: 'get', key: 'k' }, 51).value).toBeNull();
  });

  it('an expired lease cannot fill, and the next miss gets a new one', () => {
    const store = new CacheStore();
    const miss = store.execute({ op: 'lease-get', key: 'k', leaseMs: 10 }, 0);

    const late = store.execute({ op: 'lease-set', key: 'k', token: miss.token!, value: 'old' }, 10);
    const next = store.execute({ op: 'lease-get', key: 'k', leaseMs: 10 }, 11);

    expect(late.ok).toBe(false);
    expect(next.token).not.toBeNull();
    expect(next.token).not.toBe(miss.token);
  });
});
