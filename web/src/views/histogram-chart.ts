/**
 * A histogram (SVG + d3): how long delivered messages spent in flight, up to the cursor,
 * per run (run B as an outline). It shows the network's latency distribution and how a
 * fault stretches its tail.
 */
import * as d3 from 'd3';
import { fmtNumber } from '../model/format.ts';
import { OKABE_ITO } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import { END_DELIVERED, type TraceStore, upperBound } from '../model/trace-store.ts';
import { el } from './view.ts';

const M = { left: 46, right: 10, top: 8, bottom: 30 };
const BINS = 28;
/** Cumulative bin counts are kept every this many deliveries, so a histogram at any t costs at most this many steps. */
const CHECKPOINT = 512;

/** Delivered messages by delivery time, with their latency bin and cumulative counts at checkpoints. */
interface Deliveries {
  version: number;
  ends: Float64Array;
  bins: Uint8Array;
  checkpoints: Int32Array[];
}

export class LatencyHistogram {
  readonly root: HTMLElement;
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly note: HTMLElement;
  private width = 300;
  private height = 120;
  private lastKey = '';
  private readonly maxMs: number;
  private deliveries: Deliveries[] = [];

  constructor(private readonly runs: RunSet) {
    this.root = el('div', 'chart-card');
    this.root.dataset.chart = 'message-latency';
    const head = el('div', 'chart-head');
    head.append(el('span', 'chart-title', 'Message latency (delivered so far)'), el('span', 'chart-unit', 'messages per bin'));
    const holder = el('div', 'chart-svg');
    this.svg = d3.select(holder).append('svg').attr('class', 'histogram');
    this.svg.append('g').attr('class', 'bars');
    this.svg.append('g').attr('class', 'axis x-axis');
    this.svg.append('g').attr('class', 'axis y-axis');
    this.svg.append('text').attr('class', 'axis-label x-label');
    this.note = el('div', 'chart-legend');
    this.root.append(head, holder, this.note);
    this.maxMs = Math.max(1, ...runs.stores.map((s) => s.summary.stats.flightMsMax));
  }

  /** Sorts a run's deliveries by time and keeps cumulative bin counts every CHECKPOINT of them. */
  private index(store: TraceStore): Deliveries {
    const order: number[] = [];
    for (let m = 0; m < store.messageCount; m++) if (store.messageEndKind(m) === END_DELIVERED) order.push(m);
    order.sort((a, b) => store.messageEnd(a) - store.messageEnd(b));
    const ends = new Float64Array(order.length);
    const bins = new Uint8Array(order.length);
    const checkpoints: Int32Array[] = [new Int32Array(BINS)];
    const running = new Int32Array(BINS);
    order.forEach((m, i) => {
      ends[i] = store.messageEnd(m);
      const b = Math.min(BINS - 1, Math.floor(((store.messageEnd(m) - store.messageSend(m)) / this.maxMs) * BINS));
      bins[i] = b;
      running[b]!++;
      if ((i + 1) % CHECKPOINT === 0) checkpoints.push(running.slice());
    });
    return { version: store.version, ends, bins, checkpoints };
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.svg.attr('width', width).attr('height', height);
    this.lastKey = '';
  }

  render(t: number): void {
    const key = `${Math.round((t / Math.max(1, this.runs.endMs)) * 400)}:${this.runs.stores.map((s) => s.version).join(',')}:${this.width}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    const x = d3
      .scaleLinear()
      .domain([0, this.maxMs])
      .range([M.left, this.width - M.right]);
    const counts = this.runs.stores.map((store, r) => {
      let d = this.deliveries[r];
      if (d === undefined || d.version !== store.version) d = this.deliveries[r] = this.index(store);
      const n = upperBound(d.ends, t);
      const c = Math.floor(n / CHECKPOINT);
      const bins = Array.from(d.checkpoints[c]!);
      for (let i = c * CHECKPOINT; i < n; i++) bins[d.bins[i]!]!++;
      return bins;
    });
    const top = Math.max(1, ...counts.flat());
    const y = d3
      .scaleLinear()
      .domain([0, top])
      .nice(3)
      .range([this.height - M.bottom, M.top]);
    const w = (this.width - M.left - M.right) / BINS;
    const bars = counts.flatMap((bins, r) => bins.map((c, i) => ({ key: `${r}:${i}`, r, i, c })));
    this.svg
      .select('g.bars')
      .selectAll<SVGRectElement, (typeof bars)[number]>('rect')
      .data(bars, (d) => d.key)
      .join('rect')
      .attr('x', (d) => M.left + d.i * w + 1)
      .attr('width', Math.max(1, w - 2))
      .attr('y', (d) => y(d.c))
      .attr('height', (d) => y(0) - y(d.c))
      .attr('fill', (d) => (d.r === 0 ? OKABE_ITO.skyBlue : 'none'))
      .attr('stroke', (d) => (d.r === 0 ? 'none' : OKABE_ITO.blue))
      .attr('stroke-dasharray', (d) => (d.r === 0 ? null : '3 2'));
    this.svg
      .select<SVGGElement>('.x-axis')
      .attr('transform', `translate(0,${this.height - M.bottom})`)
      .call(d3.axisBottom(x).ticks(5).tickSizeOuter(0));
    this.svg
      .select<SVGGElement>('.y-axis')
      .attr('transform', `translate(${M.left},0)`)
      .call(d3.axisLeft(y).ticks(3).tickFormat(d3.format('~s')).tickSizeOuter(0));
    this.svg
      .select('.x-label')
      .attr('x', this.width - M.right)
      .attr('y', this.height - 3)
      .attr('text-anchor', 'end')
      .text('time in flight (ms)');
    const total = counts.map((b) => b.reduce((a, c) => a + c, 0));
    this.note.textContent = this.runs.compare
      ? `A (filled): ${fmtNumber(total[0]!)} delivered · B (outline): ${fmtNumber(total[1]!)} delivered`
      : `${fmtNumber(total[0]!)} messages delivered`;
  }
}
