/**
 * One time-series chart (SVG + d3): a line per series and per run (run B dashed), the
 * simulated-time axis of the whole run, a y axis labelled with the unit, an optional limit
 * line, fault bands, and the cursor. Lines are drawn in full once per data change, reduced
 * to the pixel grid (first, min, max, last per column), and clipped at the cursor: a scrub
 * step only moves a clip rectangle and updates the legend's values at the cursor.
 */
import * as d3 from 'd3';
import { fmtNumber, timeAxisUnit } from '../model/format.ts';
import { FAULT_COLORS, OKABE_ITO, seriesColors } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import { type FaultSpan, upperBound } from '../model/trace-store.ts';
import { el } from './view.ts';

export interface LineSeries {
  name: string;
  run: number;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
  length: number;
}

export interface LineChartSpec {
  id: string;
  title: string;
  unit: string;
  /** Series names in legend order. */
  names: string[];
  yMin: number;
  yMax: number;
  limit?: { value: number; label: string };
  /** Step lines for gauges sampled at intervals; linear otherwise. */
  step?: boolean;
  /** Each series' largest value (the busiest are shown first when there are many). */
  peak?: ReadonlyMap<string, number>;
}

/** Beyond this many series a chart starts with the busiest few shown and the rest one click away. */
const SERIES_SHOWN_MAX = 8;
const SERIES_SHOWN_FIRST = 6;

const M = { left: 46, right: 10, top: 8, bottom: 30 };
let clipIds = 0;

export class LineChart {
  readonly root: HTMLElement;
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly legend: HTMLElement;
  private readonly values = new Map<string, HTMLElement>();
  private readonly clipRect: d3.Selection<SVGRectElement, unknown, null, undefined>;
  private readonly cursor: d3.Selection<SVGLineElement, unknown, null, undefined>;
  private x = d3.scaleLinear();
  private y = d3.scaleLinear();
  private width = 300;
  private series: LineSeries[] = [];
  private spans: readonly FaultSpan[] = [];
  private readonly colors: Map<string, string>;
  /** Series the legend has switched off. */
  private readonly hiddenNames = new Set<string>();
  private readonly legendItems = new Map<string, HTMLElement>();

  constructor(
    readonly spec: LineChartSpec,
    private readonly runs: RunSet,
  ) {
    this.root = el('div', 'chart-card');
    this.root.dataset.chart = spec.id;
    const head = el('div', 'chart-head');
    head.append(el('span', 'chart-title', spec.title), el('span', 'chart-unit', spec.unit));
    this.legend = el('div', 'chart-legend');
    this.colors = seriesColors(spec.names);
    if (spec.names.length > SERIES_SHOWN_MAX) {
      const busiest = [...spec.names].sort((a, b) => (spec.peak?.get(b) ?? 0) - (spec.peak?.get(a) ?? 0));
      for (const name of busiest.slice(SERIES_SHOWN_FIRST)) this.hiddenNames.add(name);
      const all = el('button', 'legend-all', 'all');
      all.title = 'Show every series';
      all.onclick = () => this.showOnly(null);
      const top = el('button', 'legend-all', `busiest ${SERIES_SHOWN_FIRST}`);
      top.title = `Show the ${SERIES_SHOWN_FIRST} series that reach the highest values`;
      top.onclick = () => this.showOnly(busiest.slice(0, SERIES_SHOWN_FIRST));
      this.legend.append(all, top);
    }
    for (const name of spec.names) {
      const item = el('button', 'legend-item legend-toggle');
      item.dataset.series = name;
      item.title = `Show or hide ${name}`;
      item.setAttribute('aria-pressed', String(!this.hiddenNames.has(name)));
      item.onclick = () => {
        if (this.hiddenNames.has(name)) this.hiddenNames.delete(name);
        else this.hiddenNames.add(name);
        this.syncLegend();
        this.draw(this.series, this.spans);
      };
      for (let r = 0; r < runs.stores.length; r++) {
        const sw = el('span', `swatch line${r === 1 ? ' dashed' : ''}`);
        sw.style.borderColor = this.colors.get(name)!;
        const value = el('span', 'legend-value', '');
        item.append(sw, document.createTextNode(runs.compare ? `${runs.labels[r]!.slice(0, 1)} ${name}` : name), value);
        this.values.set(`${r}:${name}`, value);
      }
      this.legendItems.set(name, item);
      this.legend.append(item);
    }
    if (spec.limit !== undefined) {
      const item = el('span', 'legend-item');
      const sw = el('span', 'swatch line dotted');
      item.append(sw, document.createTextNode(spec.limit.label));
      this.legend.append(item);
    }
    const holder = el('div', 'chart-svg');
    this.svg = d3.select(holder).append('svg').attr('class', 'line-chart');
    const id = `clip-${clipIds++}`;
    this.clipRect = this.svg.append('defs').append('clipPath').attr('id', id).append('rect');
    this.svg.append('g').attr('class', 'axis x-axis');
    this.svg.append('g').attr('class', 'axis y-axis');
    this.svg.append('text').attr('class', 'axis-label y-label');
    this.svg.append('text').attr('class', 'axis-label x-label');
    this.svg.append('line').attr('class', 'limit-line');
    this.svg.append('text').attr('class', 'limit-label');
    const clipped = this.svg.append('g').attr('clip-path', `url(#${id})`);
    clipped.append('g').attr('class', 'bands');
    clipped.append('g').attr('class', 'lines');
    this.cursor = this.svg.append('line').attr('class', 'chart-cursor');
    this.root.append(head, holder, this.legend);
  }

  /** Lays the chart out at a width and height (CSS px). */
  resize(width: number, height: number): void {
    this.width = width;
    const h = height;
    this.svg
      .attr('width', width)
      .attr('height', h)
      .attr('data-domain', `0,${this.runs.endMs}`)
      .attr('data-range', `${M.left},${width - M.right}`);
    this.x = d3
      .scaleLinear()
      .domain([0, this.runs.endMs])
      .range([M.left, width - M.right]);
    const top = Math.max(this.spec.yMax, this.spec.limit?.value ?? Number.NEGATIVE_INFINITY);
    this.y = d3
      .scaleLinear()
      .domain([Math.min(0, this.spec.yMin), top <= this.spec.yMin ? this.spec.yMin + 1 : top * 1.05])
      .nice(4)
      .range([h - M.bottom, M.top]);
    const { unit, scale } = timeAxisUnit(this.runs.endMs);
    this.svg
      .select<SVGGElement>('.x-axis')
      .attr('transform', `translate(0,${h - M.bottom})`)
      .call(
        d3
          .axisBottom(this.x)
          .ticks(Math.max(2, Math.floor(width / 80)))
          .tickFormat((d) => d3.format(',~r')(Number((Number(d) / scale).toPrecision(6))))
          .tickSizeOuter(0),
      );
    this.svg
      .select<SVGGElement>('.y-axis')
      .attr('transform', `translate(${M.left},0)`)
      .call(
        d3
          .axisLeft(this.y)
          .ticks(4)
          .tickFormat(d3.format(top >= 1000 ? '~s' : '~g'))
          .tickSizeOuter(0),
      );
    this.svg
      .select('.x-label')
      .attr('x', width - M.right)
      .attr('y', h - 3)
      .attr('text-anchor', 'end')
      .text(`simulated time (${unit})`);
    this.svg
      .select('.y-label')
      .attr('transform', `translate(11,${(h - M.bottom + M.top) / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .text(this.spec.unit);
    const limit = this.spec.limit;
    this.svg
      .select('.limit-line')
      .attr('display', limit ? null : 'none')
      .attr('x1', M.left)
      .attr('x2', width - M.right)
      .attr('y1', limit ? this.y(limit.value) : 0)
      .attr('y2', limit ? this.y(limit.value) : 0);
    this.svg
      .select('.limit-label')
      .attr('display', limit ? null : 'none')
      .attr('x', width - M.right - 2)
      .attr('y', limit ? this.y(limit.value) - 3 : 0)
      .attr('text-anchor', 'end')
      .text(limit?.label ?? '');
    this.clipRect.attr('x', 0).attr('y', 0).attr('height', h).attr('width', M.left);
    this.cursor.attr('y1', M.top).attr('y2', h - M.bottom);
    this.draw(this.series, this.spans);
  }

  /** Shows only these series (null: all of them). */
  private showOnly(names: readonly string[] | null): void {
    this.hiddenNames.clear();
    if (names !== null) for (const n of this.spec.names) if (!names.includes(n)) this.hiddenNames.add(n);
    this.syncLegend();
    this.draw(this.series, this.spans);
  }

  private syncLegend(): void {
    for (const [name, item] of this.legendItems) item.setAttribute('aria-pressed', String(!this.hiddenNames.has(name)));
  }

  /** Redraws every line (after data arrived) and the fault bands. */
  draw(allSeries: LineSeries[], spans: readonly FaultSpan[]): void {
    this.series = allSeries;
    this.spans = spans;
    const series = allSeries.filter((s) => !this.hiddenNames.has(s.name));
    const line = d3
      .line<[number, number]>()
      .x((d) => d[0])
      .y((d) => this.y(d[1]))
      .curve(this.spec.step ? d3.curveStepAfter : d3.curveLinear);
    const paths = series.map((s) => ({ key: `${s.run}:${s.name}`, s, d: line(reduceToPixels(s, this.x)) ?? '' }));
    this.svg
      .select('g.lines')
      .selectAll<SVGPathElement, (typeof paths)[number]>('path')
      .data(paths, (p) => p.key)
      .join('path')
      .attr('class', (p) => `series${p.s.run === 1 ? ' dashed' : ''}`)
      .attr('data-series', (p) => p.s.name)
      .attr('data-run', (p) => p.s.run)
      .attr('data-last-t', (p) => (p.s.length > 0 ? p.s.t[p.s.length - 1]! : -1))
      .attr('stroke', (p) => this.colors.get(p.s.name) ?? OKABE_ITO.grey)
      .attr('d', (p) => p.d);
    const bands = spans.filter((s) => s.kind !== 'inject');
    this.svg
      .select('g.bands')
      .selectAll<SVGRectElement, FaultSpan>('rect')
      .data(bands)
      .join('rect')
      .attr('x', (s) => this.x(s.start))
      .attr('width', (s) => Math.max(1.5, this.x(Number.isNaN(s.end) ? this.runs.endMs : s.end) - this.x(s.start)))
      .attr('y', M.top)
      .attr('height', Math.max(0, Number(this.svg.attr('height')) - M.bottom - M.top))
      .attr('fill', (s) => FAULT_COLORS[s.kind] ?? OKABE_ITO.grey)
      .attr('opacity', 0.14)
      .each(function (s) {
        // One tooltip per band, however often the bands are redrawn.
        const title = d3.select(this).selectAll('title').data([s.label]).join('title');
        title.text((d) => d);
      });
  }

  /** Moves the cursor: clip the lines at t and show each series' value there. */
  render(t: number): void {
    const px = this.x(t);
    this.svg.attr('data-cursor', t);
    this.clipRect.attr('width', Math.max(0, px));
    this.cursor.attr('x1', px).attr('x2', px);
    for (const s of this.series) {
      const i = upperBound(s.t, t, s.length) - 1;
      const cell = this.values.get(`${s.run}:${s.name}`);
      const text = i >= 0 ? fmtNumber(s.v[i]!) : '–';
      if (cell !== undefined && cell.textContent !== text) cell.textContent = text;
    }
  }

  get chartWidth(): number {
    return this.width;
  }
}

/** Keeps the first, lowest, highest and last point of each pixel column, in time order. */
export function reduceToPixels(s: LineSeries, x: d3.ScaleLinear<number, number>): [number, number][] {
  const out: [number, number][] = [];
  let col = Number.NaN;
  let first = -1;
  let lo = -1;
  let hi = -1;
  let last = -1;
  const flush = (): void => {
    if (first < 0) return;
    const idx = [first, lo, hi, last].filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b);
    for (const i of idx) out.push([x(s.t[i]!), s.v[i]!]);
  };
  for (let i = 0; i < s.length; i++) {
    const c = Math.round(x(s.t[i]!));
    if (c !== col) {
      flush();
      col = c;
      first = lo = hi = last = i;
      continue;
    }
    if (s.v[i]! < s.v[lo]!) lo = i;
    if (s.v[i]! > s.v[hi]!) hi = i;
    last = i;
  }
  flush();
  return out;
}
