import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../../../engine/index.ts';
import { shouldRefreshEarly } from '../../../../scenarios/parts/cache/early-expiration.ts';

const share = (msBeforeExpiry: number, draws = 10_000): number => {
  const rng = new RandomStreams(7).stream('xfetch');
  let n = 0;
  for (let i = 0; i < draws; i++) if (shouldRefreshEarly({ nowMs: 1000 - msBeforeExpiry, expiresAtMs: 1000, recomputeMs: 40, beta: 1 }, rng)) n++;
  return n / draws;
};

describe('probabilistic early expiration (XFetch)', () => {
  it('refreshes with probability exp(-remaining / (delta * beta))', () => {
    expect(share(40)).toBeCloseTo(Math.exp(-1), 1);
    expect(share(120)).toBeCloseTo(Math.exp(-3), 1);
  });

  it('refreshes more often the closer the key is to expiring, and always once it has', () => {
    expect(share(400)).toBeLessThan(0.001);
    expect(share(80)).toBeLessThan(share(20));
    expect(share(0)).toBe(1);
  });
});
