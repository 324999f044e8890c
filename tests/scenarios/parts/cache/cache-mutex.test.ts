import { describe, expect, it } from 'vitest';
import { lockCommand, unlockCommand } from '../../../../scenarios/parts/cache/cache-mutex.ts';
import { CacheStore } from '../../../../scenarios/parts/cache/cache-store.ts';

describe('a mutex on the cache (SET NX PX)', () => {
  it('lets one owner take the lock while it is held', () => {
    const store = new CacheStore();

    const a = store.execute(lockCommand('k', 'a', 100), 0);
    const b = store.execute(lockCommand('k', 'b', 100), 1);

    expect([a.ok, b.ok]).toEqual([true, false]);
  });

  it('frees itself when its TTL ends, so a crashed owner cannot hold it forever', () => {
    const store = new CacheStore();
    store.execute(lockCommand('k', 'a', 100), 0);

    expect(store.execute(lockCommand('k', 'b', 100), 100).ok).toBe(true);
  });

  it('is released only by its owner: a late owner whose lock expired cannot free the next one', () => {
    const store = new CacheStore();
    store.execute(lockCommand('k', 'a', 100), 0);
    store.execute(lockCommand('k', 'b', 100), 150);

    const lateRelease = store.execute(unlockCommand('k', 'a'), 160);

    expect(lateRelease.n).toBe(0);
    expect(store.execute(lockCommand('k', 'c', 100), 170).ok).toBe(false);
    expect(store.execute(unlockCommand('k', 'b'), 171).n).toBe(1);
  });
});
