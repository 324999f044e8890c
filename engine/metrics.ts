/**
 * Metrics on simulated time: counters, gauges, histograms with exact percentiles, and time
 * series of (time, value) points. A series sample is also a trace event, so the browser can
 * chart a run from its trace alone.
 */
import { assert } from './assert.ts';

export class Counter {
  value = 0;
  constructor(readonly name: string) {}
  inc(by = 1): void {
    this.value += by;
  }
}

export class Gauge {
  value = 0;
  max = Number.NEGATIVE_INFINITY;
  constructor(readonly name: string) {}
  set(value: number): void {
    this.value = value;
    if (value > this.max) this.max = value;
  }
}

export interface HistogramSummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The p-th percentile (0..100) of some values by the nearest-rank method (the smallest value
 * with at least p% of the values at or below it); 0 for no values. The one definition every
 * scenario metric and every histogram uses.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  assert(p >= 0 && p <= 100, 'percentile is within 0..100');
  const n = values.length;
  if (n === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(1, Math.ceil((p / 100) * n)) - 1]!;
}

/** Nearest-rank percentile of values already sorted ascending. */
function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

/** Keeps every value (runs are bounded), so percentiles are exact, not approximated. */
export class Histogram {
  private values = new Float64Array(64);
  private sorted: Float64Array | null = null;
  count = 0;
  sum = 0;

  constructor(readonly name: string) {}

  record(value: number): void {
    assert(Number.isFinite(value), `histogram ${this.name} records a finite value`);
    if (this.count === this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.count++] = value;
    this.sum += value;
    this.sorted = null;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The p-th percentile (0..100) by the nearest-rank method; 0 when empty. */
  percentile(p: number): number {
    assert(p >= 0 && p <= 100, 'percentile is within 0..100');
    if (this.count === 0) return 0;
    if (this.sorted === null) this.sorted = this.values.slice(0, this.count).sort();
    return percentileOfSorted(this.sorted, p);
  }

  summary(): HistogramSummary {
    return {
      count: this.count,
      mean: this.mean,
      min: this.percentile(0),
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.percentile(100),
    };
  }

  /** The recorded values, in recording order. */
  toArray(): number[] {
    return Array.from(this.values.subarray(0, this.count));
  }
}

export interface SeriesPoint {
  t: number;
  value: number;
}

export class TimeSeries {
  readonly points: SeriesPoint[] = [];
  constructor(
    readonly name: string,
    private readonly onSample: (name: string, value: number) => void,
  ) {}

  /** Records `value` at the current simulated time. */
  record(t: number, value: number): void {
    this.points.push({ t, value });
    this.onSample(this.name, value);
  }

  get last(): number {
    return this.points.length === 0 ? 0 : this.points[this.points.length - 1]!.value;
  }

  /** The largest value recorded; 0 when empty. */
  get max(): number {
    if (this.points.length === 0) return 0;
    let m = Number.NEGATIVE_INFINITY;
    for (const p of this.points) if (p.value > m) m = p.value;
    return m;
  }
}

/** All the metrics of one run, by name; names are created on first use. */
export class Metrics {
  readonly counters = new Map<string, Counter>();
  readonly gauges = new Map<string, Gauge>();
  readonly histograms = new Map<string, Histogram>();
  readonly series = new Map<string, TimeSeries>();

  constructor(
    private readonly now: () => number,
    private readonly onSample: (name: string, value: number) => void,
  ) {}

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (c === undefined) this.counters.set(name, (c = new Counter(name)));
    return c;
  }

  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (g === undefined) this.gauges.set(name, (g = new Gauge(name)));
    return g;
  }

  histogram(name: string): Histogram {
    let h = this.histograms.get(name);
    if (h === undefined) this.histograms.set(name, (h = new Histogram(name)));
    return h;
  }

  timeSeries(name: string): TimeSeries {
    let s = this.series.get(name);
    if (s === undefined) this.series.set(name, (s = new TimeSeries(name, this.onSample)));
    return s;
  }

  /** Records a time-series sample at the current simulated time. */
  sample(name: string, value: number): void {
    this.timeSeries(name).record(this.now(), value);
  }
}
