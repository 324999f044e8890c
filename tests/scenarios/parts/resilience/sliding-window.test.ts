import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../../../scenarios/parts/resilience/sliding-window.ts';

describe('SlidingWindow', () => {
  it('counts the outcomes of the last windowMs only', () => {
    const w = new SlidingWindow(100);
    w.add(0, 5, true);
    w.add(50, 5, false);
    w.add(120, 5, false);

    expect(w.count(120)).toBe(2);
    expect(w.failureRate(120)).toBe(0);
    expect(w.count(300)).toBe(0);
  });

  it('answers failure rate, slow count and latency percentiles over the window', () => {
    const w = new SlidingWindow(1000);
    for (let i = 1; i <= 100; i++) w.add(i, i, i % 4 === 0);

    expect(w.failureRate(100)).toBe(0.25);
    expect(w.slowCount(100, 91)).toBe(10);
    expect(w.percentile(100, 99)).toBe(99);
    expect(w.percentile(100, 50)).toBe(50);
    expect(w.percentile(100, 100, true)).toBe(99);
  });

  it('keeps a monotonic view when its owner’s clock steps back: the past is not reordered', () => {
    const w = new SlidingWindow(100);
    w.add(200, 5, true);

    w.add(150, 5, false);

    expect(w.count(200)).toBe(2);
    expect(w.count(299)).toBe(2);
    expect(w.count(300)).toBe(0);
  });
});
