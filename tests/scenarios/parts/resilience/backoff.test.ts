import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../../../engine/index.ts';
import { type Backoff, backoffCeilingMs, backoffDelayMs } from '../../../../scenarios/parts/resilience/backoff.ts';

const doubling: Backoff = { baseMs: 10, factor: 2, capMs: 100, jitter: 'none' };

describe('Exponential backoff', () => {
  it('doubles the wait on each retry until it reaches the cap', () => {
    const waits = [1, 2, 3, 4, 5, 6].map((retry) => backoffCeilingMs(doubling, retry));

    expect(waits).toEqual([10, 20, 40, 80, 100, 100]);
  });

  it('stays at the cap however many retries there have been', () => {
    expect(backoffCeilingMs(doubling, 10_000)).toBe(100);
  });

  it('waits exactly the exponential time without jitter', () => {
    const rng = new RandomStreams(1).stream('t');

    expect(backoffDelayMs(doubling, 3, rng)).toBe(40);
  });

  it('draws full jitter uniformly below the exponential wait', () => {
    const rng = new RandomStreams(1).stream('t');
    const waits = Array.from({ length: 500 }, () => backoffDelayMs({ ...doubling, jitter: 'full' }, 3, rng));

    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThan(40);
    expect(Math.min(...waits)).toBeLessThan(4);
    expect(Math.max(...waits)).toBeGreaterThan(36);
  });

  it('never waits less than half the exponential time with equal jitter', () => {
    const rng = new RandomStreams(1).stream('t');
    const waits = Array.from({ length: 500 }, () => backoffDelayMs({ ...doubling, jitter: 'equal' }, 3, rng));

    expect(Math.min(...waits)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...waits)).toBeLessThan(40);
  });

  it('draws the same jitter from the same seeded stream', () => {
    const draw = () => {
      const rng = new RandomStreams(7).stream('node/a');
      return [1, 2, 3, 4].map((retry) => backoffDelayMs({ ...doubling, jitter: 'full' }, retry, rng));
    };

    expect(draw()).toEqual(draw());
  });

  it('rejects a retry number below 1', () => {
    const rng = new RandomStreams(1).stream('t');

    expect(() => backoffDelayMs(doubling, 0, rng)).toThrow(/retry is a positive integer/);
  });
});
