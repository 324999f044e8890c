import { describe, expect, it } from 'vitest';
import { HotKeys, warmerOf, warmupBatches } from '../../../../scenarios/parts/cache/cache-warmup.ts';

describe('cache warm-up', () => {
  it('knows the most requested keys, most requested first', () => {
    const hot = new HotKeys();
    for (const key of ['a', 'b', 'b', 'c', 'c', 'c', 'd']) hot.touch(key);

    expect(hot.top(2)).toEqual(['c', 'b']);
    expect(hot.shareOfTop(2)).toBeCloseTo(5 / 7);
  });

  it('splits keys into batched reads of at most batchSize', () => {
    expect(warmupBatches(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('gives every key to exactly one server, the same one on every server, and spreads them', () => {
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);

    const owners = keys.map((k) => warmerOf(k, 3));

    expect(owners).toEqual(keys.map((k) => warmerOf(k, 3)));
    for (const server of [0, 1, 2]) expect(owners.filter((o) => o === server).length).toBeGreaterThan(20);
  });
});
