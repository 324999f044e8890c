import { describe, expect, it } from 'vitest';
import { type Latency, LatencyModel, LatencySchema, RandomStreams } from '../../engine/index.ts';
import { expectRelative, moments } from './fixtures/stats.ts';

const SAMPLES = 100_000;

/** Sample mean and minimum of a latency model over SAMPLES draws. */
function sampleOf(spec: Latency, seed: number): { mean: number; min: number; model: LatencyModel } {
  const model = new LatencyModel(spec);
  const stream = new RandomStreams(seed).stream('latency');
  let min = Number.POSITIVE_INFINITY;
  const { mean } = moments(SAMPLES, () => {
    const x = model.sample(stream);
    if (x < min) min = x;
    return x;
  });
  return { mean, min, model };
}

describe('LatencyModel', () => {
  it('samples a constant latency as exactly its value', () => {
    const { mean, min, model } = sampleOf({ kind: 'constant', ms: 7 }, 1);

    expect(min).toBe(7);
    expect(mean).toBe(7);
    expect(model.mean()).toBe(7);
  });

  it('samples a uniform latency with the mean it reports', () => {
    const { mean, min, model } = sampleOf({ kind: 'uniform', minMs: 2, maxMs: 10 }, 2);

    expect(model.mean()).toBe(6);
    expect(min).toBeGreaterThanOrEqual(2);
    expectRelative(mean, model.mean(), 0.01, 'uniform sample mean');
  });

  it('samples an exponential latency with the mean it reports, shifted by minMs', () => {
    const { mean, min, model } = sampleOf({ kind: 'exponential', meanMs: 4, minMs: 1 }, 3);

    expect(model.mean()).toBe(5);
    expect(min).toBeGreaterThanOrEqual(1);
    expectRelative(mean, model.mean(), 0.015, 'exponential sample mean');
  });

  it('samples a normal latency with the mean it reports when clipping at minMs is negligible', () => {
    const { mean, min, model } = sampleOf({ kind: 'normal', meanMs: 50, sdMs: 5, minMs: 0 }, 4);

    expect(model.mean()).toBeCloseTo(50, 6);
    expect(min).toBeGreaterThanOrEqual(0);
    expectRelative(mean, model.mean(), 0.01, 'normal sample mean');
  });

  it('never samples a normal latency below minMs, and reports the mean of the clipped distribution', () => {
    const { mean, min, model } = sampleOf({ kind: 'normal', meanMs: 5, sdMs: 5, minMs: 2 }, 5);

    expect(min).toBe(2);
    // A quarter of the draws sit at the floor, which lifts the mean well above 5 (≈ 5.84).
    expect(model.mean()).toBeGreaterThan(5.7);
    expectRelative(mean, model.mean(), 0.01, 'clipped normal sample mean');
  });

  it('samples a lognormal latency with the mean it reports', () => {
    const { mean, min, model } = sampleOf({ kind: 'lognormal', medianMs: 10, sigma: 0.5, minMs: 2 }, 6);

    expect(model.mean()).toBeCloseTo(2 + 10 * Math.exp(0.125), 12);
    expect(min).toBeGreaterThanOrEqual(2);
    expectRelative(mean, model.mean(), 0.015, 'lognormal sample mean');
  });

  it('samples a pareto latency with the mean it reports and never below minMs', () => {
    const { mean, min, model } = sampleOf({ kind: 'pareto', minMs: 2, alpha: 3 }, 7);

    expect(model.mean()).toBe(3);
    expect(min).toBeGreaterThanOrEqual(2);
    expectRelative(mean, model.mean(), 0.02, 'pareto sample mean');
  });

  it('reports an infinite mean for a pareto latency with shape at most 1', () => {
    const model = new LatencyModel({ kind: 'pareto', minMs: 1, alpha: 1 });

    expect(model.mean()).toBe(Number.POSITIVE_INFINITY);
  });

  it('treats a missing minMs as 0', () => {
    const model = new LatencyModel({ kind: 'exponential', meanMs: 4 });

    expect(model.mean()).toBe(4);
  });
});

describe('LatencySchema', () => {
  it('fills in minMs 0 where it is optional', () => {
    const parsed = LatencySchema.parse({ kind: 'lognormal', medianMs: 3, sigma: 1 });

    expect(parsed).toEqual({ kind: 'lognormal', medianMs: 3, sigma: 1, minMs: 0 });
  });

  it('rejects a uniform latency whose maxMs is below its minMs', () => {
    const result = LatencySchema.safeParse({ kind: 'uniform', minMs: 5, maxMs: 1 });

    expect(result.success).toBe(false);
  });

  it('rejects a negative constant latency', () => {
    const result = LatencySchema.safeParse({ kind: 'constant', ms: -1 });

    expect(result.success).toBe(false);
  });

  it('rejects an unknown latency kind', () => {
    const result = LatencySchema.safeParse({ kind: 'gamma', meanMs: 3 });

    expect(result.success).toBe(false);
  });
});
