/**
 * The metric charts: one chart per ChartSpec the scenario declares (its series resolved
 * against the metric names the run recorded, `prefix.*` giving one line per match), then
 * the network's traffic (messages sent and dropped per second) and the latency histogram.
 * Axes are fixed from the run summary before any event arrives, so lines grow, never jump.
 * Lines always reach the cursor: the rate-limited rebuild while events stream in catches up.
 */
import type { ChartSpec } from '../../../scenarios/index.ts';
import { naturalOrder } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import { LatencyHistogram } from './histogram-chart.ts';
import { LineChart, type LineSeries } from './line-chart.ts';
import { el, onResize, panelChrome, type View } from './view.ts';

const CHART_H = 118;
/** Rebuild lines at most this often while events stream in (ms of wall-clock time). */
const REBUILD_MS = 250;

export class ChartsView implements View {
  private readonly body: HTMLElement;
  private readonly grid: HTMLElement;
  private runs: RunSet | null = null;
  private charts: LineChart[] = [];
  private histogram: LatencyHistogram | null = null;
  private builtVersion = '';
  private builtAt = 0;
  private width = 400;
  private t = 0;
  /** Charts scrolled out of the panel are not redrawn until they come back into view. */
  private readonly hidden = new Set<Element>();
  private readonly visibility: IntersectionObserver;

  /** A catch-up rebuild is due at this timer (data arrived during the rate limit). */
  private catchUp = 0;
  /** Every run's last event time when the lines were last built: a cursor past it needs a rebuild at once. */
  private builtUpTo = 0;

  constructor(
    section: HTMLElement,
    private readonly invalidate: () => void,
  ) {
    const chrome = panelChrome(section, 'Metrics over time', "The scenario's time series, network traffic and latency");
    this.body = chrome.body;
    this.body.classList.add('charts-body');
    this.grid = el('div', 'chart-grid');
    this.body.append(this.grid);
    onResize(this.body, (w) => {
      this.width = w;
      this.layout();
    });
    this.visibility = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          if (e.isIntersecting) this.hidden.delete(e.target);
          else this.hidden.add(e.target);
        }
        this.render(this.t);
      },
      { root: this.body },
    );
  }

  load(runs: RunSet | null): void {
    this.runs = runs;
    this.grid.replaceChildren();
    this.visibility.disconnect();
    this.hidden.clear();
    this.charts = [];
    this.histogram = null;
    this.builtVersion = '';
    this.builtUpTo = 0;
    if (runs === null) return;
    const first = runs.stores[0]!.summary;
    const names = [...new Set(runs.stores.flatMap((s) => s.summary.stats.series.map((x) => x.name)))];
    for (const spec of first.charts) {
      const matched = resolveSeries(spec, names);
      matched.sort(naturalOrder);
      const stats = runs.stores.flatMap((s) => s.summary.stats.series.filter((x) => matched.includes(x.name)));
      const yMin = Math.min(0, ...stats.map((s) => s.min));
      const yMax = Math.max(1, ...stats.map((s) => s.max));
      const peak = new Map<string, number>();
      for (const x of stats) peak.set(x.name, Math.max(peak.get(x.name) ?? Number.NEGATIVE_INFINITY, x.max));
      this.charts.push(new LineChart({ id: spec.id, title: spec.title, unit: spec.unit, names: matched, yMin, yMax, limit: spec.limit, peak }, runs));
    }
    const traffic = runs.stores.map((s) => s.summary.stats);
    const perSec = (count: number, bucketMs: number): number => (count * 1000) / bucketMs;
    this.charts.push(
      new LineChart(
        {
          id: 'network-traffic',
          title: 'Network traffic',
          unit: 'messages/s',
          names: ['sent', 'dropped'],
          yMin: 0,
          yMax: Math.max(1, ...traffic.map((s) => perSec(Math.max(s.sentPerBucketMax, s.droppedPerBucketMax), s.bucketMs))),
          step: true,
        },
        runs,
      ),
    );
    this.histogram = new LatencyHistogram(runs);
    for (const c of this.charts) this.grid.append(c.root);
    this.grid.append(this.histogram.root);
    for (const c of [...this.charts.map((x) => x.root), this.histogram.root]) this.visibility.observe(c);
    if (first.charts.length === 0) {
      this.grid.prepend(el('div', 'chart-empty', 'This scenario declares no time-series charts; network traffic and latency are derived from the trace.'));
    }
    this.layout();
  }

  private layout(): void {
    const columns = this.width >= 620 ? 2 : 1;
    this.grid.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    const w = Math.floor((this.width - 12 - (columns - 1) * 10) / columns);
    for (const c of this.charts) c.resize(w, CHART_H);
    this.histogram?.resize(w, CHART_H);
    this.builtVersion = '';
    // A new size (the sidebar folded, the window resized) is drawn at once, at the cursor.
    this.render(this.t);
  }

  render(t: number): void {
    this.t = t;
    const runs = this.runs;
    if (runs === null) return;
    const version = runs.stores.map((s) => s.version).join(',');
    const now = performance.now();
    if (version !== this.builtVersion) {
      // Rebuilding every line costs more than a frame on a big run, so it is rate-limited while
      // events stream in; but never at the cost of a line that stops short of the cursor: a
      // cursor past what was built rebuilds now, and a skipped rebuild is caught up later.
      if (runs.complete || now - this.builtAt > REBUILD_MS || t > this.builtUpTo) {
        clearTimeout(this.catchUp);
        this.catchUp = 0;
        this.builtVersion = version;
        this.builtAt = now;
        this.builtUpTo = Math.min(...runs.stores.map((s) => (s.complete ? Number.POSITIVE_INFINITY : s.lastTime)));
        this.rebuild(runs);
      } else if (this.catchUp === 0) {
        this.catchUp = window.setTimeout(
          () => {
            this.catchUp = 0;
            this.invalidate();
          },
          REBUILD_MS - (now - this.builtAt) + 1,
        );
      }
    }
    for (const c of this.charts) if (!this.hidden.has(c.root)) c.render(t);
    if (this.histogram !== null && !this.hidden.has(this.histogram.root)) this.histogram.render(t);
  }

  private rebuild(runs: RunSet): void {
    const spans = runs.stores[0]!.spans;
    for (const chart of this.charts) {
      const series: LineSeries[] = [];
      runs.stores.forEach((store, r) => {
        if (chart.spec.id === 'network-traffic') {
          const bucketMs = store.summary.stats.bucketMs;
          for (const [name, counts] of [
            ['sent', store.sentPerBucket],
            ['dropped', store.droppedPerBucket],
          ] as const) {
            const n = Math.ceil(store.summary.simTimeMs / bucketMs) + 1;
            const t = new Float64Array(n);
            const v = new Float64Array(n);
            for (let i = 0; i < n; i++) {
              t[i] = i * bucketMs;
              v[i] = ((counts[i] ?? 0) * 1000) / bucketMs;
            }
            const length = Math.min(n, Math.floor(store.lastTime / bucketMs) + 1);
            series.push({ name, run: r, t, v, length });
          }
          return;
        }
        for (const name of chart.spec.names) {
          const s = store.series.get(name);
          if (s !== undefined) series.push({ name, run: r, t: s.t, v: s.v, length: s.t.length });
        }
      });
      chart.draw(series, spans);
    }
  }
}

/** Series names a chart spec selects: exact names, or every name with a `prefix.*` prefix. */
export function resolveSeries(spec: ChartSpec, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const pattern of spec.series) {
    if (pattern.endsWith('*')) {
      const prefix = pattern.slice(0, -1);
      for (const n of names) if (n.startsWith(prefix) && !out.includes(n)) out.push(n);
    } else if (!out.includes(pattern)) out.push(pattern);
  }
  return out;
}
