import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../../scenarios/parts/resilience/token-bucket.ts';

describe('TokenBucket', () => {
  it('admits a burst up to its capacity at once, then refuses', () => {
    const bucket = new TokenBucket(0.1, 3);

    const admitted = [1, 2, 3, 4].map(() => bucket.tryTake(0));

    expect(admitted).toEqual([true, true, true, false]);
    expect(bucket.refused).toBe(1);
  });

  it('refills at its rate: one token per 1 / rate ms', () => {
    const bucket = new TokenBucket(0.1, 1);
    bucket.tryTake(0);

    expect(bucket.tryTake(9)).toBe(false);
    expect(bucket.tryTake(10)).toBe(true);
  });

  it('never admits more than capacity + rate * T over an interval of T, however hard it is pushed', () => {
    const bucket = new TokenBucket(0.2, 5);
    let admitted = 0;

    for (let t = 0; t <= 1000; t += 0.25) if (bucket.tryTake(t)) admitted++;

    expect(admitted).toBeLessThanOrEqual(5 + 0.2 * 1000);
    expect(admitted).toBeGreaterThanOrEqual(0.2 * 1000);
  });

  it('a reservation goes into debt and says how long to wait; others are refused until it is repaid', () => {
    const bucket = new TokenBucket(0.1, 2);

    const waitMs = bucket.reserve(0, 4);

    expect(waitMs).toBeCloseTo(20);
    expect(bucket.tryTake(15)).toBe(false);
    expect(bucket.tryTake(30)).toBe(true);
  });

  it('refills nothing while its owner’s clock steps back, and counts that in a reservation’s wait', () => {
    const bucket = new TokenBucket(0.1, 2);
    bucket.tryTake(100, 2);

    const waitMs = bucket.reserve(70, 1);

    expect(bucket.available(99)).toBeCloseTo(-1);
    expect(waitMs).toBeCloseTo(30 + 10);
  });
});
