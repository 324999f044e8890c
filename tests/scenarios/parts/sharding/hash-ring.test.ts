import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashRing } from '../../../../scenarios/parts/sharding/hash-ring.ts';

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}node${i}`);

describe('HashRing', () => {
  it('gives every key to a node on the ring', () => {
    const ring = new HashRing(16, ['a', 'b', 'c']);

    for (let k = 0; k < 1000; k++) expect(['a', 'b', 'c']).toContain(ring.ownerOf(k));
  });

  it('has shares that add up to the whole ring', () => {
    const ring = new HashRing(32, names('', 7));

    const total = [...ring.shares().values()].reduce((a, s) => a + s, 0);

    expect(total).toBeCloseTo(1, 9);
  });

  it('builds the same ring whatever order the nodes join in', () => {
    const a = new HashRing(16, ['x', 'y', 'z']);
    const b = new HashRing(16, ['z', 'x']);
    b.add('y');

    for (let k = 0; k < 500; k++) expect(b.ownerOf(k)).toBe(a.ownerOf(k));
  });

  it('moves keys only onto a node that joins', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 8 }), (vnodes, n) => {
        const before = new HashRing(vnodes, names('m', n));
        const after = new HashRing(vnodes, names('m', n));
        after.add('joiner');
        for (let k = 0; k < 300; k++) {
          const owner = after.ownerOf(k);
          if (owner !== before.ownerOf(k)) expect(owner).toBe('joiner');
        }
      }),
      { seed: 7, numRuns: 50 },
    );
  });

  it('moves only the leaving node’s keys when a node leaves', () => {
    const before = new HashRing(64, names('l', 6));
    const after = new HashRing(64, names('l', 6));

    after.remove('lnode2');

    for (let k = 0; k < 2000; k++) if (before.ownerOf(k) !== 'lnode2') expect(after.ownerOf(k)).toBe(before.ownerOf(k));
  });

  it('spreads load less as virtual nodes grow, as the Beta law of ring arcs predicts', () => {
    // A node's share of a ring with M = N * v points is the sum of v of the M arcs:
    // Beta(v, M - v), whose coefficient of variation is sqrt((M - v) / (v (M + 1))).
    const n = 10;
    const rings = 30;
    const measured: number[] = [];
    for (const v of [1, 4, 16, 64, 256]) {
      let squares = 0;
      for (let r = 0; r < rings; r++) {
        const shares = [...new HashRing(v, names(`ring${r}-`, n)).shares().values()];
        for (const s of shares) squares += ((s - 1 / n) * n) ** 2;
      }
      const cv = Math.sqrt(squares / (rings * n));
      const m = n * v;
      const theory = Math.sqrt((m - v) / (v * (m + 1)));
      expect(Math.abs(cv - theory) / theory).toBeLessThan(0.15);
      measured.push(cv);
    }

    for (let i = 1; i < measured.length; i++) expect(measured[i]).toBeLessThan(measured[i - 1]!);
  });
});
