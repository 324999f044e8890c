import { describe, expect, it } from 'vitest';
import { keysToMove, ModNPlacement, placementFromSpec, placementOf, RangePlacement } from '../../../../scenarios/parts/sharding/placement.ts';

const ids = Array.from({ length: 20_000 }, (_, i) => i + 1);
const shardNames = (n: number, prefix = 's'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('Placement', () => {
  it('moves about n/(n+1) of the keys when hash mod N goes from n to n+1 shards', () => {
    for (const n of [2, 3, 4, 6, 8]) {
      const before = new ModNPlacement(shardNames(n));

      const moved = keysToMove(before, before.withShard(`s${n + 1}`), ids).length / ids.length;

      expect(Math.abs(moved - n / (n + 1))).toBeLessThan(0.015);
    }
  });

  it('moves about 1/(n+1) of the keys, all onto the new shard, when consistent hashing goes from n to n+1 shards', () => {
    for (const n of [2, 4, 8]) {
      let moved = 0;
      const rings = 10;
      for (let r = 0; r < rings; r++) {
        const names = shardNames(n + 1, `r${r}-s`);
        const before = placementOf('consistent-hashing', names.slice(0, n), { lo: 1, hi: 2, vnodes: 128 });
        const after = before.withShard(names[n]!, ids);
        const moving = keysToMove(before, after, ids);
        expect(moving.filter((k) => after.ownerOf(k) !== names[n])).toEqual([]);
        moved += moving.length / ids.length / rings;
      }

      expect(Math.abs(moved - 1 / (n + 1))).toBeLessThan(0.02);
    }
  });

  it('moves about (n-1)/n of the keys under mod N, and 1/n under consistent hashing, when one of n shards leaves', () => {
    const n = 5;
    const mod = new ModNPlacement(shardNames(n));
    const ring = placementOf('consistent-hashing', shardNames(n), { lo: 1, hi: 2, vnodes: 128 });

    const modMoved = keysToMove(mod, mod.withoutShard('s3'), ids).length / ids.length;
    const ringMoved = keysToMove(ring, ring.withoutShard('s3'), ids).length / ids.length;

    expect(Math.abs(modMoved - (n - 1) / n)).toBeLessThan(0.015);
    expect(Math.abs(ringMoved - 1 / n)).toBeLessThan(0.05);
  });

  it('sends every new sequential id to the last range', () => {
    const range = RangePlacement.evenly(shardNames(4), 1, 2001);

    const owners = new Set(Array.from({ length: 500 }, (_, i) => range.ownerOf(2001 + i)));

    expect([...owners]).toEqual(['s4']);
  });

  it('splits the fullest range at its median when a shard joins', () => {
    const range = RangePlacement.evenly(shardNames(2), 1, 101);
    const stored = [...Array.from({ length: 50 }, (_, i) => i + 1), ...Array.from({ length: 100 }, (_, i) => 51 + i)];

    const after = range.withShard('s3', stored);

    expect(after.ownerOf(10)).toBe('s1');
    expect(after.ownerOf(60)).toBe('s2');
    expect(after.ownerOf(140)).toBe('s3');
    expect(keysToMove(range, after, stored).length).toBe(50);
  });

  it('merges a leaving range into its neighbour', () => {
    const range = RangePlacement.evenly(shardNames(3), 0, 300);

    const after = range.withoutShard('s2');

    expect(after.ownerOf(150)).toBe('s1');
    expect(after.ownerOf(250)).toBe('s3');
    expect(range.withoutShard('s1').ownerOf(-5)).toBe('s2');
  });

  it('round-trips every placement through its JSON spec', () => {
    const placements = [
      RangePlacement.evenly(shardNames(3), 1, 1000).withShard('s4', [5, 10, 900, 950, 999]),
      new ModNPlacement(shardNames(5)),
      placementOf('consistent-hashing', shardNames(4), { lo: 1, hi: 2, vnodes: 16 }),
    ];
    for (const p of placements) {
      const copy = placementFromSpec(JSON.parse(JSON.stringify(p.spec())));

      expect(copy.shards).toEqual(p.shards);
      for (let k = -10; k < 1200; k += 7) expect(copy.ownerOf(k)).toBe(p.ownerOf(k));
    }
  });
});
