/**
 * The history view: the clients' operations as the history checkers judged them, on the
 * space-time diagram's time window (the two share the stage's middle row, switched by tabs,
 * and one window: zoom or pan either and the other follows). One lane per client process —
 * a session's threads right under it —, each operation a bar from its invocation to its
 * completion: `ok` solid, `fail` hatched grey (it did not happen), `info` open-ended to the
 * end of the run (it may have happened at any time). Its function and values are its label
 * when the bar is wide enough, and a tooltip always.
 *
 * The operations the violated claim's anomalies name are outlined, the chosen anomaly's
 * filled, the one it is about the strongest; its explanation is beside the lanes. Clicking an
 * operation (or the anomaly) pauses there and focuses every view on it, as clicking a
 * violation does: the diagram keeps its key's messages in front and rings the moments. The
 * cursor is drawn across the lanes; operations not yet invoked at the cursor are faded.
 *
 * SVG, not canvas: a history sent to the page is capped (wire/run-history.ts), so the
 * element count is bounded, and each bar is an element a test, a tooltip and a click can find.
 */
import * as d3 from 'd3';
import type { HistoryAnomalyView, HistoryOperationView } from '../../../wire/index.ts';
import type { Focus, WitnessMark } from '../model/focus.ts';
import { fmtTime, timeAxisUnit } from '../model/format.ts';
import { anomalyMoment, describeOperation, type HistoryLayout, layoutHistory, momentOf } from '../model/history-lanes.ts';
import type { RunSet } from '../model/run-set.ts';
import { type AnomalyChoice, HistoryClaims } from './history-claims.ts';
import { el, type FocusRequest, onResize, panelChrome, type View } from './view.ts';

const LANE_H = 20;
const BAR_H = 14;
const RUN_HEADER_H = 20;
const AXIS_H = 24;
const LABEL_FONT = '10.5px system-ui, sans-serif';
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Room right of the axis for its last tick's label. */
const RIGHT = 20;
/** The narrowest bar drawn (an operation of a few microseconds is still something to point at). */
const BAR_W_MIN = 3;
const AXIS_CAPTION = 'time (ms)';

/** The time window shared with the space-time diagram. */
export interface SharedWindow {
  get(): readonly [number, number];
  set(v0: number, v1: number): void;
}

interface Bar {
  run: number;
  op: HistoryOperationView;
  g: SVGGElement;
  rect: SVGRectElement;
  text: SVGTextElement;
  ahead: boolean;
  /** Its ring while it is one of the chosen anomaly's operations. */
  ring: SVGCircleElement | null;
  /** The next operation on its lane (its label may run on until there), and its label's width. */
  next: Bar | null;
  labelW: number;
  /** Where it was placed (left: +Infinity when out of the window). */
  left: number;
  right: number;
}

export class HistoryView implements View {
  private readonly scroller: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly axisSvg: SVGSVGElement;
  private readonly tooltip: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly claims: HistoryClaims;
  private runs: RunSet | null = null;
  private layout: HistoryLayout | null = null;
  private bars: Bar[] = [];
  /** Each run's operations by id. */
  private ops: Map<number, HistoryOperationView>[] = [];
  private readonly choices = new Map<number, AnomalyChoice>();
  private selectedOp: string | null = null;
  private width = 600;
  private gutter = 80;
  private placedFor = '';
  private rowTops: number[] = [];
  private t = -1;
  private drag: { x: number; v0: number; v1: number; moved: boolean } | null = null;
  /** Rings around the chosen anomaly's operations (bars a few pixels wide are easy to miss). */
  private rings: SVGGElement = svgEl('g');
  private readonly measure = document.createElement('canvas').getContext('2d')!;

  constructor(
    private readonly section: HTMLElement,
    private readonly window: SharedWindow,
    private readonly seek: (t: number) => void,
    private readonly request: FocusRequest,
    /** Told whether the runs on screen have a history (the app shows the view's tab only then). */
    private readonly available: (has: boolean) => void,
  ) {
    const chrome = panelChrome(section, 'Client history', 'A lane per client process; a bar per operation, from its invocation to its completion');
    this.readout = el('span', 'tool-readout');
    chrome.tools.append(this.readout, legend());
    chrome.body.classList.add('history-body');
    this.scroller = el('div', 'history-scroll');
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'group');
    this.scroller.setAttribute('aria-label', 'Client history lanes (the operations the anomaly names are listed beside them as buttons)');
    this.svg = svgEl('svg', 'history-lanes');
    this.axisSvg = svgEl('svg', 'history-axis');
    this.axisSvg.setAttribute('aria-hidden', 'true');
    this.scroller.append(this.svg);
    const main = el('div', 'history-main');
    main.append(this.scroller, this.axisSvg);
    this.claims = new HistoryClaims({
      choose: (run, choice) => {
        this.choices.set(run, choice);
        this.drawClaims();
        this.highlight();
      },
      openAnomaly: (run, anomaly) => this.openAnomaly(run, anomaly),
      openOperation: (run, op) => this.openOperation(run, op),
    });
    this.tooltip = el('div', 'history-tooltip');
    this.tooltip.hidden = true;
    this.tooltip.setAttribute('role', 'tooltip');
    chrome.body.append(main, this.claims.root, this.tooltip);
    this.measure.font = LABEL_FONT;
    onResize(this.scroller, (w) => {
      if (w <= 0) return;
      this.width = w;
      this.placedFor = '';
      this.render(this.t);
    });
    this.bindPointer();
  }

  load(runs: RunSet | null): void {
    const same = runs !== null && runs === this.runs;
    this.runs = runs;
    this.layout = runs === null ? null : layoutHistory(runs);
    this.ops = runs === null ? [] : runs.stores.map((s) => new Map((s.summary.history?.operations ?? []).map((op) => [op.id, op])));
    if (!same) {
      this.choices.clear();
      this.selectedOp = null;
    }
    this.build();
    this.drawClaims();
    this.available(this.layout !== null);
  }

  focus(focus: Focus | null): void {
    this.selectedOp = focus?.kind === 'operation' ? focus.id : null;
    // A click on a violated claim's violation (in the verdicts) chooses that claim's anomaly here.
    const m = focus?.kind === 'violation' ? /^violation:(\d+):(.+):\d+$/.exec(focus.id) : null;
    if (m !== null && this.layout !== null) {
      const run = Number(m[1]);
      const rows = this.layout.runs.find((x) => x.run === run);
      const c = rows?.claims.findIndex((claim) => claim.invariant === m[2] && claim.anomalies.length > 0) ?? -1;
      if (c >= 0 && this.choices.get(run)?.claim !== c) {
        this.choices.set(run, { claim: c, anomaly: 0 });
        this.drawClaims();
      }
    }
    this.highlight();
  }

  render(t: number): void {
    if (this.section.hidden || this.runs === null || this.layout === null) {
      this.t = t;
      return;
    }
    const [v0, v1] = this.window.get();
    const key = `${v0}:${v1}:${this.width}`;
    if (key !== this.placedFor) {
      this.placedFor = key;
      this.place(v0, v1);
      this.t = -1;
    }
    if (t === this.t) return;
    this.t = t;
    for (const bar of this.bars) {
      const ahead = bar.op.invokeMs > t;
      if (ahead !== bar.ahead) {
        bar.ahead = ahead;
        bar.g.classList.toggle('ahead', ahead);
      }
    }
    const x = this.x(v0, v1);
    const inView = t >= v0 && t <= v1;
    for (const svg of [this.svg, this.axisSvg]) {
      const line = svg.querySelector<SVGLineElement>('.history-cursor')!;
      line.setAttribute('visibility', inView ? 'visible' : 'hidden');
      line.setAttribute('x1', String(x(t)));
      line.setAttribute('x2', String(x(t)));
    }
    this.readout.textContent = `${fmtTime(v0)} – ${fmtTime(v1)}`;
  }

  /** The bars of every run, in lanes; positions come in place(). */
  private build(): void {
    this.svg.replaceChildren();
    this.bars = [];
    this.rowTops = [];
    this.placedFor = '';
    const layout = this.layout;
    if (layout === null) return;
    const labels = layout.lanes.map((l) => (l.first ? l.process : `#${l.process.slice(l.session.length + 1)}`));
    // As wide as the longest lane label, and as the axis's caption (the first tick sits at the gutter).
    const caption = this.measure.measureText(AXIS_CAPTION).width + 22;
    this.gutter = Math.ceil(Math.max(caption, ...labels.map((l, i) => this.measure.measureText(l).width + (layout.lanes[i]!.first ? 14 : 26))));
    const height = this.rowY(layout.rows) + 2;
    this.svg.setAttribute('height', String(height));
    const lanes = svgEl('g', 'history-lane-rows');
    layout.lanes.forEach((lane, i) => {
      const y = this.rowY(lane.row);
      const band = svgEl('rect', `history-lane${i % 2 === 0 ? ' even' : ''}`);
      band.setAttribute('y', String(y));
      band.setAttribute('height', String(LANE_H));
      band.setAttribute('x', '0');
      band.setAttribute('width', '100%');
      const label = svgEl('text', `history-lane-label${lane.first ? ' session' : ' thread'}`);
      label.textContent = labels[i]!;
      label.setAttribute('x', String(lane.first ? 6 : 18));
      label.setAttribute('y', String(y + LANE_H / 2 + 4));
      label.dataset.process = lane.process;
      const title = svgEl('title');
      title.textContent = lane.first
        ? `session ${lane.session}`
        : `${lane.process}: a thread of session ${lane.session} (a request it had in flight beside another)`;
      label.append(title);
      lanes.append(band, label);
    });
    for (const rows of layout.runs) {
      if (rows.headerRow === null) continue;
      const header = svgEl('text', 'history-run-header');
      header.textContent = rows.label;
      header.setAttribute('x', '6');
      header.setAttribute('y', String(this.rowY(rows.headerRow) + RUN_HEADER_H - 6));
      lanes.append(header);
    }
    const bars = svgEl('g', 'history-bars');
    const last = new Map<number, Bar>();
    for (const rows of layout.runs) {
      rows.history.operations.forEach((op, k) => {
        const lane = layout.lanes[rows.laneOf[k]!]!;
        const g = svgEl('g', `hop ${op.type}`);
        g.dataset.op = String(op.id);
        g.dataset.run = String(rows.run);
        g.dataset.process = op.process;
        const rect = svgEl('rect');
        rect.setAttribute('y', String(this.rowY(lane.row) + (LANE_H - BAR_H) / 2));
        rect.setAttribute('height', String(BAR_H));
        rect.setAttribute('rx', '2');
        const text = svgEl('text');
        text.setAttribute('y', String(this.rowY(lane.row) + LANE_H / 2 + 3.5));
        text.textContent = `${op.type === 'fail' ? '✗ ' : op.type === 'info' ? '? ' : ''}${describeOperation(op)}`;
        g.append(rect, text);
        bars.append(g);
        const bar: Bar = {
          run: rows.run,
          op,
          g,
          rect,
          text,
          ahead: false,
          ring: null,
          next: null,
          labelW: this.measure.measureText(text.textContent).width,
          left: 0,
          right: 0,
        };
        const lastOnLane = last.get(rows.laneOf[k]!);
        if (lastOnLane !== undefined) lastOnLane.next = bar;
        last.set(rows.laneOf[k]!, bar);
        this.bars.push(bar);
      });
    }
    const cursor = svgEl('line', 'history-cursor');
    cursor.setAttribute('y1', '0');
    cursor.setAttribute('y2', String(height));
    this.rings = svgEl('g', 'history-rings');
    this.svg.append(defs(), lanes, bars, this.rings, cursor);
    this.highlight();
  }

  /** Positions every bar and its label, and the axis, for the window [v0, v1]. */
  private place(v0: number, v1: number): void {
    const x = this.x(v0, v1);
    this.svg.setAttribute('width', String(this.width));
    const end = this.runs!.endMs;
    for (const bar of this.bars) {
      const { op } = bar;
      const a = x(op.invokeMs);
      const b = x(op.completeMs ?? end);
      const left = Math.max(this.gutter, a);
      const right = Math.min(this.width, b);
      const visible = right >= this.gutter && left <= this.width;
      bar.g.setAttribute('visibility', visible ? 'visible' : 'hidden');
      bar.ring?.setAttribute('visibility', visible ? 'visible' : 'hidden');
      bar.left = visible ? left : Number.POSITIVE_INFINITY;
      if (!visible) continue;
      const w = Math.max(BAR_W_MIN, right - left);
      bar.rect.setAttribute('x', String(left));
      bar.rect.setAttribute('width', String(w));
      bar.right = left + w;
      bar.ring?.setAttribute('cx', String(left + w / 2));
    }
    // A label is shown when it fits: in its bar, else right after it on the free lane before the next operation.
    // (A hidden bar's label is hidden explicitly: in SVG a child's own `visibility` overrides its parent's.)
    for (const bar of this.bars) {
      const inside = bar.labelW <= bar.right - bar.left - 6;
      const after = bar.labelW <= Math.min(bar.next?.left ?? this.width, this.width) - bar.right - 8;
      bar.text.setAttribute('visibility', bar.left !== Number.POSITIVE_INFINITY && (inside || after) ? 'visible' : 'hidden');
      bar.text.setAttribute('x', String(inside ? bar.left + 3 : bar.right + 3));
    }
    this.drawAxis(v0, v1, end);
  }

  private drawAxis(v0: number, v1: number, endMs: number): void {
    const scale = d3
      .scaleLinear()
      .domain([v0, v1])
      .range([this.gutter, this.width - RIGHT]);
    const { unit, scale: per } = timeAxisUnit(endMs);
    const format = d3.format(',~r');
    const axis = d3
      .axisBottom(scale)
      .ticks(Math.max(2, Math.floor((this.width - this.gutter) / 90)))
      .tickFormat((d) => format(Number((Number(d) / per).toPrecision(6))));
    const svg = d3.select(this.axisSvg).attr('width', this.width).attr('height', AXIS_H);
    svg.selectAll('*').remove();
    svg.append('g').attr('class', 'history-axis-ticks').call(axis);
    svg.append('text').attr('class', 'history-axis-label').attr('x', 6).attr('y', 15).text(AXIS_CAPTION.replace('ms', unit));
    svg.append('line').attr('class', 'history-cursor').attr('y1', 0).attr('y2', 6);
  }

  /** The operations the anomalies name (outlined), the chosen anomaly's (filled), the one it is about, and the operation in focus. */
  private highlight(): void {
    const layout = this.layout;
    if (layout === null) return;
    const named = new Set<string>();
    const chosen = new Set<string>();
    const main = new Set<string>();
    for (const rows of layout.runs) {
      const choice = this.choices.get(rows.run) ?? { claim: rows.claims.findIndex((c) => c.anomalies.length > 0), anomaly: 0 };
      rows.claims.forEach((claim, c) => {
        claim.anomalies.forEach((anomaly, a) => {
          const isChosen = c === choice.claim && a === choice.anomaly;
          for (const id of anomaly.operations) {
            named.add(`${rows.run}:${id}`);
            if (isChosen) chosen.add(`${rows.run}:${id}`);
          }
          if (isChosen && anomaly.main !== null) main.add(`${rows.run}:${anomaly.main}`);
        });
      });
    }
    for (const bar of this.bars) {
      const k = `${bar.run}:${bar.op.id}`;
      bar.g.classList.toggle('named', named.has(k));
      bar.g.classList.toggle('chosen', chosen.has(k));
      bar.g.classList.toggle('main', main.has(k));
      bar.g.classList.toggle('selected', this.selectedOp === `op:${k}`);
    }
    // The chosen operations are drawn last, over their neighbours, and ringed.
    this.rings.replaceChildren();
    for (const bar of this.bars) {
      bar.ring = null;
      if (!chosen.has(`${bar.run}:${bar.op.id}`)) continue;
      bar.g.parentNode?.append(bar.g);
      const ring = svgEl('circle', `history-ring${main.has(`${bar.run}:${bar.op.id}`) ? ' main' : ''}`);
      ring.setAttribute('r', '9');
      ring.setAttribute('cy', String(Number(bar.rect.getAttribute('y')) + BAR_H / 2));
      ring.setAttribute('cx', bar.rect.getAttribute('x') ?? '-20');
      bar.ring = ring;
      this.rings.append(ring);
    }
    this.placedFor = '';
  }

  private drawClaims(): void {
    this.claims.draw(this.layout, this.choices, this.ops);
  }

  private openOperation(run: number, op: HistoryOperationView): void {
    const store = this.runs!.stores[run]!;
    const node = store.nodeOf(this.sessionNode(op.process)) >= 0 ? this.sessionNode(op.process) : undefined;
    const key = linkedKey(store.keyIndex, op.key);
    const marks: WitnessMark[] = [
      { t: op.invokeMs, ...(node ? { node } : {}), ...(key ? { key } : {}), what: `${op.process} invokes ${describeOperation(op)}` },
    ];
    if (op.completeMs !== null) marks.push({ t: op.completeMs, ...(node ? { node } : {}), ...(key ? { key } : {}), what: `${op.process}: ${op.type}` });
    this.request({
      kind: 'operation',
      t: momentOf(op),
      key,
      nodes: node ? [node] : [],
      witnesses: marks,
      run: this.runs!.compare ? run : null,
      id: `op:${run}:${op.id}`,
      label: `${op.process} ${describeOperation(op)}`,
    });
  }

  private openAnomaly(run: number, anomaly: HistoryAnomalyView): void {
    const ops = this.ops[run]!;
    const store = this.runs!.stores[run]!;
    const main = anomaly.main === null ? undefined : ops.get(anomaly.main);
    const marks: WitnessMark[] = anomaly.operations.flatMap((id) => {
      const op = ops.get(id);
      if (op === undefined) return [];
      const node = this.sessionNode(op.process);
      return [{ t: momentOf(op), ...(store.nodeOf(node) >= 0 ? { node } : {}), what: `${op.process} ${describeOperation(op)}` }];
    });
    this.zoomTo(anomaly.operations.flatMap((id) => (ops.has(id) ? [ops.get(id)!] : [])));
    this.request({
      kind: 'violation',
      t: anomalyMoment(anomaly, ops),
      key: linkedKey(store.keyIndex, main?.key ?? null),
      nodes: [...new Set(marks.flatMap((m) => (m.node ? [m.node] : [])))],
      witnesses: marks.sort((a, b) => a.t - b.t),
      run: this.runs!.compare ? run : null,
      id: `anomaly:${run}:${anomaly.type}:${anomaly.operations.join(',')}`,
      label: anomaly.type,
    });
  }

  /** Narrows the shared window to these operations when they fill less than a quarter of it (the diagram shows their messages). */
  private zoomTo(ops: readonly HistoryOperationView[]): void {
    if (ops.length === 0) return;
    const end = this.runs!.endMs;
    const lo = Math.min(...ops.map((op) => op.invokeMs));
    const hi = Math.max(...ops.map((op) => op.completeMs ?? end));
    const [v0, v1] = this.window.get();
    const span = Math.max(hi - lo, end / 1000);
    if (span * 4 > v1 - v0 && lo >= v0 && hi <= v1) return;
    this.window.set(lo - span * 0.75, hi + span * 0.75);
  }

  private sessionNode(process: string): string {
    return this.layout?.lanes.find((l) => l.process === process)?.session ?? process;
  }

  private x(v0: number, v1: number): (t: number) => number {
    const k = (this.width - RIGHT - this.gutter) / Math.max(1e-9, v1 - v0);
    return (t) => this.gutter + (t - v0) * k;
  }

  /** Top of a row: lanes are LANE_H tall, run headers RUN_HEADER_H (computed once per layout). */
  private rowY(row: number): number {
    const layout = this.layout!;
    if (this.rowTops.length !== layout.rows + 1) {
      const headers = new Set(layout.runs.flatMap((r) => (r.headerRow === null ? [] : [r.headerRow])));
      this.rowTops = [0];
      for (let i = 0; i < layout.rows; i++) this.rowTops.push(this.rowTops[i]! + (headers.has(i) ? RUN_HEADER_H : LANE_H));
    }
    return this.rowTops[row]!;
  }

  private bindPointer(): void {
    const svg = this.svg;
    const timeAt = (clientX: number): number => {
      const [v0, v1] = this.window.get();
      const px = clientX - svg.getBoundingClientRect().left;
      return v0 + ((px - this.gutter) / Math.max(1, this.width - RIGHT - this.gutter)) * (v1 - v0);
    };
    svg.addEventListener(
      'wheel',
      (e) => {
        if (this.layout === null || e.shiftKey) return;
        e.preventDefault();
        const [v0, v1] = this.window.get();
        const at = timeAt(e.clientX);
        const k = e.deltaY > 0 ? 1.25 : 0.8;
        this.window.set(at - (at - v0) * k, at + (v1 - at) * k);
      },
      { passive: false },
    );
    svg.addEventListener('pointerdown', (e) => {
      const [v0, v1] = this.window.get();
      this.drag = { x: e.clientX, v0, v1, moved: false };
    });
    svg.addEventListener('pointermove', (e) => {
      this.hover(e);
      const d = this.drag;
      if (d === null || (e.buttons & 1) === 0) return;
      const dx = e.clientX - d.x;
      if (Math.abs(dx) > 3) d.moved = true;
      if (!d.moved) return;
      const dt = (dx / Math.max(1, this.width - RIGHT - this.gutter)) * (d.v1 - d.v0);
      this.window.set(d.v0 - dt, d.v1 - dt);
    });
    svg.addEventListener('pointerleave', () => {
      this.tooltip.hidden = true;
    });
    svg.addEventListener('click', (e) => {
      const moved = this.drag?.moved ?? false;
      this.drag = null;
      if (moved) return;
      const bar = this.barAt(e.target);
      if (bar !== null) this.openOperation(bar.run, bar.op);
      else if (e.clientX - svg.getBoundingClientRect().left > this.gutter) this.seek(Math.max(0, timeAt(e.clientX)));
    });
  }

  private barAt(target: EventTarget | null): Bar | null {
    const g = (target as Element | null)?.closest?.('g.hop');
    if (!g) return null;
    const run = Number((g as SVGGElement).dataset.run);
    const id = Number((g as SVGGElement).dataset.op);
    return this.bars.find((b) => b.run === run && b.op.id === id) ?? null;
  }

  private hover(e: PointerEvent): void {
    const bar = this.barAt(e.target);
    if (bar === null) {
      this.tooltip.hidden = true;
      return;
    }
    const { op } = bar;
    const took =
      op.completeMs === null
        ? 'no completion: it may take effect at any time after its invocation'
        : `completed ${fmtTime(op.completeMs)} (${fmtTime(op.completeMs - op.invokeMs)})`;
    const lines = [
      `${op.process} · ${describeOperation(op)}`,
      `${op.type}${op.type === 'fail' ? ' (did not take effect)' : op.type === 'info' ? ' (indeterminate)' : ''} · invoked ${fmtTime(op.invokeMs)}, ${took}`,
      `operation ${op.name}${bar.g.classList.contains('named') ? ' · named by an anomaly' : ''}`,
    ];
    this.tooltip.replaceChildren(...lines.map((line, i) => el('div', i === 0 ? 'history-tooltip-head' : '', line)));
    this.tooltip.hidden = false;
    const body = this.tooltip.parentElement!.getBoundingClientRect();
    const left = Math.min(e.clientX - body.left + 12, body.width - this.tooltip.offsetWidth - 4);
    const top = e.clientY - body.top + 14;
    this.tooltip.style.left = `${Math.max(4, left)}px`;
    this.tooltip.style.top = `${top + this.tooltip.offsetHeight > body.height ? Math.max(0, e.clientY - body.top - this.tooltip.offsetHeight - 8) : top}px`;
  }
}

/** The key the diagram knows an operation's key by: the key itself, or one of its `/`-separated parts (`list23/us-6` → `us-6`). */
function linkedKey(index: ReadonlyMap<string, unknown>, key: string | null): string | null {
  if (key === null) return null;
  if (index.has(key)) return key;
  for (const part of key.split('/').reverse()) if (index.has(part)) return part;
  return null;
}

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, className?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  if (className !== undefined) node.setAttribute('class', className);
  return node;
}

/** The hatch a failed operation's bar is filled with, and the fade of an indeterminate one's. */
function defs(): SVGDefsElement {
  const d = svgEl('defs');
  d.innerHTML =
    '<pattern id="history-fail-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#eef0f3"/><line x1="0" y1="0" x2="0" y2="5" stroke="#a3abb5" stroke-width="1.5"/></pattern>' +
    '<linearGradient id="history-info-fade"><stop offset="0" stop-color="#f5d98b"/><stop offset="1" stop-color="#f5d98b" stop-opacity="0.08"/></linearGradient>';
  return d;
}

function legend(): HTMLElement {
  const box = el('span', 'history-legend');
  for (const [cls, label] of [
    ['ok', 'ok'],
    ['fail', 'fail'],
    ['info', 'info (open-ended)'],
    ['named', 'named by the anomaly'],
  ] as const) {
    const item = el('span', 'legend-item');
    item.append(el('span', `history-swatch ${cls}`), document.createTextNode(label));
    box.append(item);
  }
  return box;
}
