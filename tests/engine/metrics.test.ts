import { describe, expect, it } from 'vitest';
import { AssertionError, Counter, Gauge, Histogram, MemoryTrace, Metrics, Simulation } from '../../engine/index.ts';

function histogramOf(values: readonly number[]): Histogram {
  const h = new Histogram('h');
  for (const v of values) h.record(v);
  return h;
}

describe('Histogram', () => {
  it('computes percentiles by the nearest-rank method', () => {
    const h = histogramOf([7, 3, 10, 1, 9, 2, 8, 4, 6, 5]);

    const ps = [0, 10, 11, 50, 55, 90, 99, 100].map((p) => h.percentile(p));

    expect(ps).toEqual([1, 1, 2, 5, 6, 9, 10, 10]);
  });

  it('sorts values as numbers, negatives and all', () => {
    const h = histogramOf([10, -2, 100, 3]);

    expect([h.percentile(0), h.percentile(50), h.percentile(100)]).toEqual([-2, 3, 100]);
  });

  it('summarizes count, mean, min, median, tail and max', () => {
    const h = histogramOf(Array.from({ length: 100 }, (_, i) => 100 - i));

    expect(h.summary()).toEqual({ count: 100, mean: 50.5, min: 1, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('reports 0 for every percentile and the mean when empty', () => {
    const h = new Histogram('empty');

    expect([h.percentile(50), h.mean, h.count]).toEqual([0, 0, 0]);
  });

  it('sees values recorded after a percentile was read', () => {
    const h = histogramOf([5]);
    const before = h.percentile(100);

    h.record(9);

    expect([before, h.percentile(100)]).toEqual([5, 9]);
  });

  it('keeps every value in recording order past its initial capacity', () => {
    const values = Array.from({ length: 1_000 }, (_, i) => (i * 37) % 101);

    const h = histogramOf(values);

    expect(h.toArray()).toEqual(values);
    expect(h.sum).toBe(values.reduce((a, b) => a + b, 0));
  });

  it('rejects a percentile outside 0..100', () => {
    const h = histogramOf([1]);

    expect(() => h.percentile(101)).toThrow(AssertionError);
  });

  it('rejects a value that is not finite, naming the histogram', () => {
    const h = new Histogram('latencyMs');

    expect(() => h.record(Number.NaN)).toThrow(/histogram latencyMs records a finite value/);
  });
});

describe('Counter and Gauge', () => {
  it('counts up by one or by a given amount', () => {
    const c = new Counter('requests');

    c.inc();
    c.inc(4);

    expect(c.value).toBe(5);
  });

  it('remembers the latest and the highest value of a gauge', () => {
    const g = new Gauge('queue');

    for (const v of [3, 8, 2]) g.set(v);

    expect([g.value, g.max]).toEqual([2, 8]);
  });
});

describe('Metrics', () => {
  it('returns the same instrument for the same name', () => {
    const metrics = new Metrics(
      () => 0,
      () => {},
    );

    expect(metrics.counter('x')).toBe(metrics.counter('x'));
    expect(metrics.gauge('x')).toBe(metrics.gauge('x'));
    expect(metrics.histogram('x')).toBe(metrics.histogram('x'));
    expect(metrics.timeSeries('x')).toBe(metrics.timeSeries('x'));
  });

  it('records time-series samples at the simulated time, as metric trace events', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    sim.addNode('p1', (ctx) => {
      ctx.setTimer(5, 3);
      ctx.setTimer(9, 7);
      return { onTimer: (tag) => sim.metrics.sample('queueLength', tag as number) };
    });

    sim.run();

    const series = sim.metrics.series.get('queueLength')!;
    expect(series.points).toEqual([
      { t: 5, value: 3 },
      { t: 9, value: 7 },
    ]);
    expect([series.last, series.max]).toEqual([7, 7]);
    expect(trace.events().filter((e) => e.type === 'metric')).toEqual([
      { type: 'metric', t: 5, name: 'queueLength', value: 3 },
      { type: 'metric', t: 9, name: 'queueLength', value: 7 },
    ]);
  });

  it('records time-series samples without a trace too', () => {
    const sim = new Simulation({ seed: 1 });
    sim.at(4, () => sim.metrics.sample('load', 0.5));

    sim.run();

    expect(sim.metrics.series.get('load')!.points).toEqual([{ t: 4, value: 0.5 }]);
  });

  it('reports 0 as the last and highest value of an empty series', () => {
    const metrics = new Metrics(
      () => 0,
      () => {},
    );

    const series = metrics.timeSeries('empty');

    expect([series.last, series.max]).toEqual([0, 0]);
  });
});
