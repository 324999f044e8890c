/**
 * The cache's append-only file on a node's disk: what each fsync policy keeps when the
 * machine crashes (the disk loses what was not forced), replayed into a restarted store.
 */
import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { AppendOnlyFile } from '../../../../scenarios/parts/cache/append-only-file.ts';
import { CacheStore } from '../../../../scenarios/parts/cache/cache-store.ts';

function writeThenCrash(policy: 'aof-always' | 'aof-everysec', fsyncAfter: number): string[] {
  const disk = new DurableStore();
  const aof = new AppendOnlyFile(policy, disk);
  const store = new CacheStore(Number.POSITIVE_INFINITY, aof.record);
  ['a', 'b', 'c'].forEach((key, i) => {
    store.execute({ op: 'set', key, value: i }, i);
    aof.beforeReply();
    if (i + 1 === fsyncAfter) aof.fsync();
  });
  disk.crash();
  const restarted = new CacheStore();
  new AppendOnlyFile(policy, disk).replayInto(restarted);
  return restarted.keys(10);
}

describe('AppendOnlyFile', () => {
  it('under aof-always, every acknowledged write survives a crash', () => {
    expect(writeThenCrash('aof-always', 0)).toEqual(['a', 'b', 'c']);
  });

  it('under aof-everysec, a crash keeps the writes up to the last fsync and loses the rest', () => {
    expect(writeThenCrash('aof-everysec', 2)).toEqual(['a', 'b']);
    expect(writeThenCrash('aof-everysec', 0)).toEqual([]);
  });

  it('replays deletes, expiries and counters as they were', () => {
    const disk = new DurableStore();
    const aof = new AppendOnlyFile('aof-always', disk);
    const store = new CacheStore(Number.POSITIVE_INFINITY, aof.record);
    store.execute({ op: 'set', key: 'gone', value: 1 }, 0);
    store.execute({ op: 'del', key: 'gone' }, 1);
    store.execute({ op: 'set', key: 'timed', value: 'v', px: 100 }, 2);
    store.execute({ op: 'incrby', key: 'n', by: 5 }, 3);
    aof.beforeReply();

    disk.crash();
    const restarted = new CacheStore();
    aof.replayInto(restarted);

    expect(restarted.keys(50)).toEqual(['timed', 'n']);
    expect(restarted.execute({ op: 'pttl', key: 'timed' }, 50).n).toBe(52);
    expect(restarted.execute({ op: 'get', key: 'timed' }, 102).value).toBeNull();
    expect(restarted.execute({ op: 'incr', key: 'n' }, 50).n).toBe(6);
  });
});
