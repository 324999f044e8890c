import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../../../engine/index.ts';
import { jitteredTtlMs } from '../../../../scenarios/parts/cache/ttl-jitter.ts';

describe('TTL jitter', () => {
  it('draws every TTL within ttl * [1 - jitter, 1 + jitter), spread across the range', () => {
    const rng = new RandomStreams(3).stream('ttl');

    const ttls = Array.from({ length: 1000 }, () => jitteredTtlMs(400, 0.25, rng));

    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...ttls)).toBeLessThan(500);
    expect(Math.max(...ttls) - Math.min(...ttls)).toBeGreaterThan(190);
  });

  it('leaves the TTL as it is with no jitter', () => {
    expect(jitteredTtlMs(400, 0, new RandomStreams(3).stream('ttl'))).toBe(400);
  });
});
