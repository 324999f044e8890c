import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../../../engine/index.ts';
import { ReplicationLag } from '../../../../scenarios/parts/replication/replication-lag.ts';

describe('ReplicationLag', () => {
  it('samples its delay distribution when spikes are off', () => {
    const lag = new ReplicationLag({ delay: { kind: 'constant', ms: 12 }, spikeRate: 0, spike: { kind: 'constant', ms: 500 } });
    const rng = new RandomStreams(1).stream('lag');

    expect(Array.from({ length: 5 }, () => lag.sample(rng))).toEqual([12, 12, 12, 12, 12]);
  });

  it('adds a spike to about spikeRate of the entries, matching its mean', () => {
    const lag = new ReplicationLag({ delay: { kind: 'constant', ms: 10 }, spikeRate: 0.1, spike: { kind: 'constant', ms: 200 } });
    const rng = new RandomStreams(2).stream('lag');

    const samples = Array.from({ length: 20_000 }, () => lag.sample(rng));

    const spiked = samples.filter((s) => s === 210).length / samples.length;
    expect(Math.abs(spiked - 0.1)).toBeLessThan(0.01);
    expect(samples.every((s) => s === 10 || s === 210)).toBe(true);
    expect(lag.meanMs()).toBe(30);
  });

  it('has a lognormal delay with the median it was given', () => {
    const lag = new ReplicationLag({ delay: { kind: 'lognormal', medianMs: 20, sigma: 0.8 }, spikeRate: 0, spike: { kind: 'constant', ms: 0 } });
    const rng = new RandomStreams(3).stream('lag');

    const sorted = Array.from({ length: 20_001 }, () => lag.sample(rng)).sort((a, b) => a - b);

    expect(Math.abs(sorted[10_000]! - 20) / 20).toBeLessThan(0.05);
  });
});
