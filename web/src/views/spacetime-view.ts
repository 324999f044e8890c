/**
 * The space-time (Lamport) diagram, on canvas: a lane per node, time left to right, an
 * arrow per message from its send to its delivery, dropped messages ending in a cross
 * coloured by the reason, the nodes' ctx.state labels as a strip under each lane, fault
 * bands (crashed, paused, slowed nodes across their lane; partitions and degraded links
 * across every lane), key narration moments, violations and, in compare mode, the first
 * event where the two runs diverge. Only what happened up to the cursor is drawn.
 *
 * Lanes are grouped by role, each group of two or more folding into one lane behind its
 * header (the largest fold by themselves when lanes would be too thin for their labels); the
 * labels are HTML beside the canvas, as wide as the longest name, never cut.
 *
 * Wheel zooms, drag pans, a click seeks, a double click fits the whole run. When more
 * messages are in view than can be read one by one, each lane shows its send density per
 * pixel instead (drops, faults and states stay exact) — zoom in to see every arrow.
 *
 * A click on an arrow shows the message (its payload, its keys) and its causal past and
 * future (happens-before); a focus on a key (a violation's transaction, a write) keeps that
 * key's messages in front and the rest faded, with the witnesses ringed on their lanes.
 */
import * as d3 from 'd3';
import type { TraceEvent } from '../../../engine/index.ts';
import { CAUSAL_FUTURE, CAUSAL_NONE, CAUSAL_SELF, causalMask, keyMask } from '../model/causality.ts';
import type { Focus } from '../model/focus.ts';
import { fixed, fmtTime, timeAxisUnit } from '../model/format.ts';
import { DROP_COLORS, FAULT_COLORS, OKABE_ITO, VERDICT_COLORS } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import { DROP_REASONS, END_DROPPED, END_OPEN, type TraceStore } from '../model/trace-store.ts';
import { arrowHead, diamond, GUTTER, legendItem, lowerBoundBy } from './canvas-marks.ts';
import { LaneGutter } from './lane-gutter.ts';
import { type LaneLayout, layoutLanes } from './lane-layout.ts';
import { MessageCard } from './message-card.ts';
import { type Lane, SpacetimeLayer } from './spacetime-layer.ts';
import { el, type FocusRequest, onResize, panelChrome, sizeCanvas, type View } from './view.ts';

const AXIS_H = 28;
const TOP = 4;
/** Colours of a message's causal past and future, and of the message itself. */
const PAST_COLOR = OKABE_ITO.blue;
const FUTURE_COLOR = OKABE_ITO.orange;
/** Above this many messages in view, lanes show density instead of arrows. */
const ARROWS_MAX = 2500;

export class SpacetimeView implements View {
  private readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private readonly readout: HTMLElement;
  private readonly follow: HTMLInputElement;
  private readonly legend: HTMLElement;
  private readonly fixedLegend: HTMLElement[];
  private runs: RunSet | null = null;
  private width = 600;
  private height = 200;
  private v0 = 0;
  private v1 = 1;
  private t = 0;
  /** States, fault bands and density for the current window, drawn once (see render). */
  private readonly layer = new SpacetimeLayer();
  private layerKey = '';
  private drag: { x: number; v0: number; v1: number; moved: boolean } | null = null;
  /** Width of the lane labels (as wide as the longest name). */
  private gutter = GUTTER;
  private readonly scroller: HTMLElement;
  private readonly laneGutter: LaneGutter;
  private readonly card: MessageCard;
  /** Roles the user folded (true) or unfolded (false). */
  private readonly folded = new Map<string, boolean>();
  private layout: LaneLayout | null = null;
  private layoutKey = '';
  /** Bumped on every load, so a layout is never reused for other runs. */
  private loads = 0;
  /** Height offered to the lanes (the panel's), before they grow and scroll. */
  private available = 200;
  private focused: Focus | null = null;
  /** Per run: what the focus keeps in front (null: everything as usual). */
  private masks: (Uint8Array | null)[] = [];
  /** Messages drawn as arrows on the last render (for tests and the readout). */
  arrowsDrawn = 0;
  mode: 'arrows' | 'density' = 'arrows';

  constructor(
    section: HTMLElement,
    private readonly seek: (t: number) => void,
    private readonly request: FocusRequest,
  ) {
    const chrome = panelChrome(section, 'Space-time diagram', 'A lane per node; an arrow per message; bands for faults');
    const fit = el('button', 'tool-button', 'Fit');
    fit.title = 'Show the whole run (double-click the diagram)';
    fit.onclick = () => this.fit();
    const label = el('label', 'tool-toggle');
    this.follow = el('input');
    this.follow.type = 'checkbox';
    this.follow.checked = true;
    label.append(this.follow, document.createTextNode('follow cursor'));
    this.readout = el('span', 'tool-readout');
    chrome.tools.append(this.readout, label, fit);
    this.canvas = el('canvas', 'spacetime-canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Space-time diagram: a lane per node, an arrow per message; the event log lists the same events as text');
    chrome.body.classList.add('spacetime-body');
    this.scroller = el('div', 'spacetime-scroll');
    // It scrolls when unfolded lanes do not fit, so the keyboard must reach it.
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'group');
    this.scroller.setAttribute('aria-label', 'Space-time diagram lanes (scroll when many lanes are unfolded)');
    this.laneGutter = new LaneGutter((role) => {
      const box = this.layout?.groups.find((g) => g.role === role);
      this.folded.set(role, !(box?.collapsed ?? false));
      this.render(this.t);
    });
    this.card = new MessageCard((key) => {
      if (this.focused === null) return;
      this.request({ ...this.focused, kind: 'violation', key, message: undefined, id: `key:${key}`, label: key, witnesses: [] });
    });
    this.scroller.append(this.canvas, this.laneGutter.root);
    const legend = el('div', 'legend spacetime-legend');
    this.legend = legend;
    this.fixedLegend = [
      legendItem('cross', DROP_COLORS.loss!, 'lost'),
      legendItem('cross', DROP_COLORS.partition!, 'cut by partition'),
      legendItem('cross', DROP_COLORS['node-down']!, 'to a down node'),
      legendItem('band', FAULT_COLORS.crash!, 'crashed'),
      legendItem('band', FAULT_COLORS.pause!, 'paused / slow'),
      legendItem('band', FAULT_COLORS.partition!, 'partition'),
      legendItem('diamond', OKABE_ITO.black, 'key moment'),
      legendItem('tri', VERDICT_COLORS.violated, 'violation'),
    ];
    legend.append(...this.fixedLegend);
    chrome.body.append(this.scroller, legend, this.card.root);
    this.ctx = this.canvas.getContext('2d')!;
    onResize(chrome.body, (w, h) => {
      this.width = Math.max(200, w);
      this.available = Math.max(80, h - legend.offsetHeight);
      this.scroller.style.height = `${this.available}px`;
      this.resizeCanvas();
      this.render(this.t);
    });
    this.bindPointer();
  }

  load(runs: RunSet | null): void {
    this.runs = runs;
    this.masks = [];
    this.focused = null;
    this.card.hide();
    this.gutter = this.laneGutter.load(runs);
    this.layout = null;
    this.loads++;
    const kinds = [...(runs?.typeColor.entries() ?? [])].slice(0, 10).map(([type, color]) => legendItem('line', color, type));
    if (kinds.length > 0) kinds.unshift(el('span', 'legend-caption', 'messages'));
    this.legend.replaceChildren(...kinds, ...this.fixedLegend);
    this.fit();
  }

  /** The window shown [v0, v1] (simulated ms). */
  get window(): readonly [number, number] {
    return [this.v0, this.v1];
  }

  /** Shows the window [v0, v1] (simulated ms). */
  setWindow(v0: number, v1: number): void {
    const end = this.runs?.endMs ?? 1;
    const span = Math.max(end / 200_000, 0.05, v1 - v0);
    this.v0 = Math.max(0, Math.min(v0, end - span));
    this.v1 = Math.min(end, this.v0 + span);
    this.render(this.t);
  }

  fit(): void {
    this.setWindow(0, this.runs?.endMs ?? 1);
  }

  /** Keeps a focus in front: its key's messages, or a message's causal past and future. */
  focus(focus: Focus | null): void {
    this.focused = focus;
    const runs = this.runs;
    this.card.hide();
    if (runs === null || focus === null) {
      this.masks = [];
      this.render(this.t);
      return;
    }
    this.masks = runs.stores.map((store, r) => {
      if (focus.run !== null && focus.run !== r && focus.kind === 'message') return new Uint8Array(store.messageCount);
      if (focus.kind === 'message' && focus.message !== undefined && focus.run === r) {
        this.card.show(store, focus.message, runs.labels[r] ?? '');
        return causalMask(store, focus.message);
      }
      if (focus.key !== null) return keyMask(store, focus.key);
      return null;
    });
    // Bring the moment into view.
    if (focus.t < this.v0 || focus.t > this.v1) {
      const span = this.v1 - this.v0;
      this.v0 = Math.max(0, focus.t - span / 2);
      this.v1 = this.v0 + span;
    }
    this.render(this.t);
  }

  /** Lays the lanes out for the runs on screen and sizes the canvas to them. */
  private resizeCanvas(): void {
    const runs = this.runs;
    const lanesH = this.available - TOP - AXIS_H;
    const key = `${this.loads}:${lanesH}:${[...this.folded].join()}`;
    if (key === this.layoutKey && this.layout !== null) return;
    this.layoutKey = key;
    this.layout = runs === null ? null : layoutLanes(runs, TOP, lanesH, this.folded);
    const height = Math.max(this.available, (this.layout?.height ?? 0) + TOP + AXIS_H);
    if (height !== this.height || this.canvas.width !== Math.round(this.width * (window.devicePixelRatio || 1))) {
      this.height = height;
      this.ctx = sizeCanvas(this.canvas, this.width, this.height);
      this.layerKey = '';
    }
  }

  render(t: number): void {
    this.t = t;
    const ctx = this.ctx;
    ctx.clearRect(0, 0, this.width, this.height);
    const runs = this.runs;
    if (runs === null) return;
    if (this.follow.checked && (t > this.v1 || t < this.v0) && this.v1 - this.v0 < runs.endMs) {
      const span = this.v1 - this.v0;
      this.v0 = Math.max(0, Math.min(runs.endMs - span, t - span * 0.75));
      this.v1 = this.v0 + span;
    }
    const G = this.gutter;
    const scale = d3
      .scaleLinear()
      .domain([this.v0, this.v1])
      .range([G, this.width - 10]);
    // A plain linear map for the hot loops (a d3 scale call costs more than the drawing it feeds).
    const k = (this.width - 10 - G) / Math.max(1e-9, this.v1 - this.v0);
    const x0 = G - this.v0 * k;
    const x = (t: number): number => x0 + t * k;
    const before = this.layout;
    this.resizeCanvas();
    const layout = this.layout!;
    if (layout !== before) this.laneGutter.place(layout, G, runs);
    const lanes = layout.lanes;
    this.arrowsDrawn = 0;
    this.mode = runs.stores.every((store) => store.messagesSentBy(this.v1) - store.messagesSentFrom(this.v0 - store.summary.stats.flightMsMax) <= ARROWS_MAX)
      ? 'arrows'
      : 'density';
    runs.stores.forEach((store, r) => {
      this.drawLanes(store, lanes[r]!);
    });
    // What depends only on the window (states, fault bands, density) is drawn once into a
    // layer and shown up to the cursor; what moves with the cursor is drawn live.
    const key = `${this.v0}:${this.v1}:${this.width}:${this.height}:${this.mode}:${G}:${layout.height}:${layout.groups.map((g) => g.collapsed).join()}:${runs.stores.map((s) => s.version).join(',')}`;
    if (key !== this.layerKey) {
      this.layerKey = key;
      this.layer.build({ runs, lanes, x, v0: this.v0, v1: this.v1, width: this.width, height: this.height, mode: this.mode, gutter: G });
    }
    const until = Math.min(t, this.v1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(G, 0, Math.max(0, x(until) - G), this.height - AXIS_H);
    ctx.clip();
    ctx.drawImage(this.layer.canvas, 0, 0, this.width, this.height);
    ctx.restore();
    ctx.save();
    ctx.beginPath();
    ctx.rect(G, 0, this.width - G, this.height - AXIS_H);
    ctx.clip();
    runs.stores.forEach((store, r) => {
      this.drawLive(store, lanes[r]!, x, until, this.masks[r] ?? null);
    });
    this.drawDivergence(runs, x);
    this.drawWitnesses(runs, lanes, x);
    ctx.restore();
    this.drawCursor(x, t);
    this.drawAxis(scale, runs.endMs);
    this.laneGutter.status(runs, t);
    this.readout.textContent = `${fmtTime(this.v0)} – ${fmtTime(this.v1)} · ${this.mode === 'arrows' ? `${fixed(this.arrowsDrawn, 0)} arrows` : 'density (zoom in for arrows)'}`;
  }

  /** Lane backgrounds and centre lines, across the whole width. */
  private drawLanes(store: TraceStore, lane: Lane): void {
    const ctx = this.ctx;
    const h = lane.h;
    store.nodes.forEach((_n, i) => {
      const y = lane.y[i]!;
      ctx.fillStyle = i % 2 === 0 ? '#f7f8fa' : '#ffffff';
      ctx.fillRect(this.gutter, y - h / 2, this.width - this.gutter, h);
    });
    ctx.strokeStyle = '#d5d9e0';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const y of lane.y) {
      ctx.moveTo(this.gutter, y);
      ctx.lineTo(this.width, y);
    }
    ctx.stroke();
  }

  /** What moves with the cursor: arrows up to it (and the ones in flight, part way), drops, key moments, violations. */
  private drawLive(store: TraceStore, lane: Lane, x: (t: number) => number, until: number, mask: Uint8Array | null): void {
    if (this.mode === 'arrows') {
      const from = store.messagesSentFrom(this.v0 - store.summary.stats.flightMsMax);
      this.drawArrows(store, lane, x, from, store.messagesSentBy(until), until, mask);
    } else if (mask !== null) {
      // Too many to draw one by one, but the few in focus still are.
      const from = store.messagesSentFrom(this.v0 - store.summary.stats.flightMsMax);
      this.drawArrows(store, lane, x, from, store.messagesSentBy(until), until, mask, true);
    }
    this.drawDrops(store, lane, x, until);
    this.drawMarks(store, lane, x, until);
  }

  private drawArrows(
    store: TraceStore,
    lane: Lane,
    x: (t: number) => number,
    from: number,
    to: number,
    until: number,
    mask: Uint8Array | null,
    focusedOnly = false,
  ): void {
    const ctx = this.ctx;
    const runs = this.runs!;
    const heads = to - from <= 600;
    const byType = new Map<number, number[]>();
    const front: number[] = [];
    for (let m = from; m < to; m++) {
      const kind = store.messageEndKind(m);
      if (kind === END_DROPPED && store.messageEnd(m) <= until) continue;
      if (mask !== null && mask[m] !== CAUSAL_NONE) {
        front.push(m);
        continue;
      }
      if (focusedOnly) continue;
      const type = store.messageType(m);
      let list = byType.get(type);
      if (list === undefined) byType.set(type, (list = []));
      list.push(m);
    }
    ctx.lineWidth = 1.1;
    for (const [type, list] of byType) {
      const color = runs.typeColor.get(store.messageTypes[type]!) ?? OKABE_ITO.grey;
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.globalAlpha = mask === null ? 0.75 : 0.13;
      ctx.beginPath();
      for (const m of list) {
        const a = store.messageFrom(m);
        const b = store.messageTo(m);
        if (a < 0 || b < 0) continue;
        const s = store.messageSend(m);
        const e = store.messageEnd(m);
        const open = store.messageEndKind(m) === END_OPEN || e > until;
        const end = open ? until : e;
        const x0 = x(s);
        const y0 = lane.y[a]!;
        const f = open ? Math.min(1, (until - s) / Math.max(1e-9, (Number.isFinite(e) ? e : until + 1) - s)) : 1;
        const x1 = x(end);
        const y1 = y0 + (lane.y[b]! - y0) * f;
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        this.arrowsDrawn++;
      }
      ctx.stroke();
      if (heads) {
        ctx.beginPath();
        for (const m of list) {
          const a = store.messageFrom(m);
          const b = store.messageTo(m);
          const e = store.messageEnd(m);
          if (a < 0 || b < 0 || store.messageEndKind(m) === END_OPEN || e > until) continue;
          arrowHead(ctx, x(store.messageSend(m)), lane.y[a]!, x(e), lane.y[b]!);
        }
        ctx.fill();
      }
      ctx.globalAlpha = 1;
    }
    if (mask !== null) this.drawFront(store, lane, x, front, until, mask);
  }

  /** The messages in focus, over the faded rest: the key's, or a message's past (blue) and future (orange). */
  private drawFront(store: TraceStore, lane: Lane, x: (t: number) => number, list: readonly number[], until: number, mask: Uint8Array): void {
    const ctx = this.ctx;
    const runs = this.runs!;
    const causal = this.focused?.kind === 'message';
    for (const m of list) {
      const a = store.messageFrom(m);
      const b = store.messageTo(m);
      if (a < 0 || b < 0) continue;
      const s = store.messageSend(m);
      const e = store.messageEnd(m);
      const open = store.messageEndKind(m) === END_OPEN || e > until;
      const f = open ? Math.min(1, (until - s) / Math.max(1e-9, (Number.isFinite(e) ? e : until + 1) - s)) : 1;
      const x0 = x(s);
      const y0 = lane.y[a]!;
      const x1 = x(open ? until : e);
      const y1 = y0 + (lane.y[b]! - y0) * f;
      const v = mask[m]!;
      const color =
        v === CAUSAL_SELF
          ? '#1d2733'
          : causal
            ? v === CAUSAL_FUTURE
              ? FUTURE_COLOR
              : PAST_COLOR
            : (runs.typeColor.get(store.messageTypes[store.messageType(m)]!) ?? OKABE_ITO.grey);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = v === CAUSAL_SELF ? 3 : 2;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      if (!open) {
        ctx.beginPath();
        arrowHead(ctx, x0, y0, x1, y1);
        ctx.fill();
      }
      this.arrowsDrawn++;
    }
    ctx.lineWidth = 1.1;
  }

  /** Rings where the focus's witnesses happened, on their nodes' lanes. */
  private drawWitnesses(runs: RunSet, lanes: readonly Lane[], x: (t: number) => number): void {
    const f = this.focused;
    if (f === null || f.witnesses.length === 0) return;
    const ctx = this.ctx;
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#1d2733';
    runs.stores.forEach((store, r) => {
      if (f.run !== null && f.run !== r) return;
      const lane = lanes[r]!;
      for (const w of f.witnesses) {
        if (w.t < this.v0 || w.t > this.v1) continue;
        const n = store.nodeOf(w.node);
        const y = n >= 0 ? lane.y[n]! : lane.first + 6;
        ctx.beginPath();
        ctx.arc(x(w.t), y, 7, 0, Math.PI * 2);
        ctx.stroke();
      }
    });
    ctx.lineWidth = 1;
  }

  private drawDrops(store: TraceStore, lane: Lane, x: (t: number) => number, until: number): void {
    const ctx = this.ctx;
    const drops = store.drops;
    ctx.lineWidth = 1.6;
    let drawn = 0;
    for (let i = lowerBoundBy(drops, (m) => store.messageEnd(m), this.v0); i < drops.length && drawn < 3000; i++) {
      const m = drops[i]!;
      const end = store.messageEnd(m);
      if (end > until) break;
      const a = store.messageFrom(m);
      const b = store.messageTo(m);
      if (a < 0 || b < 0) continue;
      const reason = DROP_REASONS[store.messageReason(m)]!;
      const color = DROP_COLORS[reason]!;
      const x0 = x(store.messageSend(m));
      const y0 = lane.y[a]!;
      let x1 = x(end);
      let y1 = lane.y[b]!;
      if (x1 - x0 < 6) {
        // Dropped at once (cut or lost on sending): a short stub towards the receiver.
        x1 = x0 + 8;
        y1 = y0 + (y1 - y0) * 0.35;
      }
      ctx.strokeStyle = color;
      ctx.setLineDash([3, 2]);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(x1 - 3.5, y1 - 3.5);
      ctx.lineTo(x1 + 3.5, y1 + 3.5);
      ctx.moveTo(x1 - 3.5, y1 + 3.5);
      ctx.lineTo(x1 + 3.5, y1 - 3.5);
      ctx.stroke();
      drawn++;
    }
  }

  private drawMarks(store: TraceStore, lane: Lane, x: (t: number) => number, until: number): void {
    const ctx = this.ctx;
    // Key narration moments, as one path.
    ctx.fillStyle = OKABE_ITO.black;
    ctx.beginPath();
    const first = lowerBoundBy(store.noteTimes, (v) => v, this.v0);
    let shown = 0;
    for (let i = first; i < store.notes.length && shown < 400; i++) {
      if (store.noteTimes[i]! > until) break;
      const e = store.events[store.notes[i]!]!;
      if (e.type !== 'note' || e.level !== 'key') continue;
      const node = store.nodeOf(e.node);
      const y = node >= 0 ? lane.y[node]! - lane.h * 0.28 : lane.first + 5;
      diamond(ctx, x(e.t), y, 3.5);
      shown++;
    }
    ctx.fill();
    // Violations.
    for (const i of store.violations) {
      const e = store.events[i]!;
      if (e.type !== 'violation' || e.t > until || e.t < this.v0) continue;
      const node = store.nodeOf(e.node);
      const px = x(e.t);
      ctx.strokeStyle = VERDICT_COLORS.violated;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.moveTo(px, lane.first);
      ctx.lineTo(px, lane.last);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = VERDICT_COLORS.violated;
      const y = node >= 0 ? lane.y[node]! : lane.first + lane.h / 2;
      ctx.beginPath();
      ctx.moveTo(px, y - 7);
      ctx.lineTo(px + 6, y + 4);
      ctx.lineTo(px - 6, y + 4);
      ctx.closePath();
      ctx.fill();
    }
  }

  private drawDivergence(runs: RunSet, x: (t: number) => number): void {
    const d = runs.divergence;
    if (d === null || d.t < this.v0 || d.t > this.v1) return;
    const ctx = this.ctx;
    const px = x(d.t);
    ctx.strokeStyle = OKABE_ITO.black;
    ctx.setLineDash([2, 3]);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px, TOP);
    ctx.lineTo(px, this.height - AXIS_H);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = OKABE_ITO.black;
    ctx.font = '600 10px system-ui, sans-serif';
    ctx.fillText(`runs diverge (event #${d.index})`, px + 4, this.height - AXIS_H - 4);
  }

  private drawCursor(x: (t: number) => number, t: number): void {
    if (t < this.v0 || t > this.v1) return;
    const ctx = this.ctx;
    const px = x(t);
    ctx.strokeStyle = '#1d2733';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px, TOP);
    ctx.lineTo(px, this.height - AXIS_H);
    ctx.stroke();
  }

  private drawAxis(x: d3.ScaleLinear<number, number>, endMs: number): void {
    const ctx = this.ctx;
    const { unit, scale } = timeAxisUnit(endMs);
    const y = this.height - AXIS_H;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, y, this.width, AXIS_H);
    ctx.strokeStyle = '#8a93a0';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(this.gutter, y + 0.5);
    ctx.lineTo(this.width - 10, y + 0.5);
    ctx.stroke();
    ctx.fillStyle = '#4a5563';
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'center';
    const format = d3.format(',~r');
    for (const tick of x.ticks(Math.max(2, Math.floor((this.width - this.gutter) / 90)))) {
      const px = x(tick);
      ctx.beginPath();
      ctx.moveTo(px, y);
      ctx.lineTo(px, y + 4);
      ctx.stroke();
      ctx.fillText(format(Number((tick / scale).toPrecision(6))), px, y + 14);
    }
    ctx.textAlign = 'left';
    ctx.fillText(`simulated time (${unit})`, 6, y + 14);
  }

  private bindPointer(): void {
    const c = this.canvas;
    const timeAt = (px: number): number => this.v0 + ((px - this.gutter) / (this.width - 10 - this.gutter)) * (this.v1 - this.v0);
    c.addEventListener(
      'wheel',
      (e) => {
        if (this.runs === null) return;
        e.preventDefault();
        const rect = c.getBoundingClientRect();
        const at = timeAt(e.clientX - rect.left);
        const k = e.deltaY > 0 ? 1.25 : 0.8;
        this.setWindow(at - (at - this.v0) * k, at + (this.v1 - at) * k);
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (e) => {
      this.drag = { x: e.clientX, v0: this.v0, v1: this.v1, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (d === null) return;
      const dx = e.clientX - d.x;
      if (Math.abs(dx) > 3) d.moved = true;
      if (!d.moved) return;
      const dt = (dx / (this.width - 10 - this.gutter)) * (d.v1 - d.v0);
      this.follow.checked = false;
      this.setWindow(d.v0 - dt, d.v1 - dt);
    });
    c.addEventListener('pointerup', (e) => {
      const d = this.drag;
      this.drag = null;
      if (d === null || d.moved) return;
      const rect = c.getBoundingClientRect();
      const px = e.clientX - rect.left;
      const py = e.clientY - rect.top;
      if (px < this.gutter) return;
      const hit = this.messageAt(px, py);
      if (hit !== null) {
        const store = this.runs!.stores[hit.run]!;
        const send = store.events[store.messageEvent(hit.m)] as TraceEvent;
        this.request({
          kind: 'message',
          t: this.t,
          key: null,
          nodes: 'from' in send ? [send.from, send.to] : [],
          witnesses: [],
          run: hit.run,
          message: hit.m,
          id: `message:${hit.run}:${hit.m}`,
          label: `message #${hit.m}`,
        });
        return;
      }
      this.seek(Math.max(0, timeAt(px)));
    });
    c.addEventListener('dblclick', () => this.fit());
  }

  /** For tests: the page coordinates of the middle of the first whole arrow of a message type in view (null: none). */
  messagePoint(run: number, type: string): { x: number; y: number } | null {
    const store = this.runs?.stores[run];
    const lane = this.layout?.lanes[run];
    if (store === undefined || lane === undefined) return null;
    const k = (this.width - 10 - this.gutter) / Math.max(1e-9, this.v1 - this.v0);
    const x = (t: number): number => this.gutter + (t - this.v0) * k;
    const until = Math.min(this.t, this.v1);
    const rect = this.canvas.getBoundingClientRect();
    for (let m = store.messagesSentFrom(this.v0); m < store.messagesSentBy(until); m++) {
      if (store.messageTypes[store.messageType(m)] !== type || store.messageEnd(m) > until) continue;
      const a = store.messageFrom(m);
      const b = store.messageTo(m);
      if (a < 0 || b < 0 || lane.y[a] === lane.y[b]) continue;
      return { x: rect.left + (x(store.messageSend(m)) + x(store.messageEnd(m))) / 2, y: rect.top + (lane.y[a]! + lane.y[b]!) / 2 };
    }
    return null;
  }

  /** For tests: how many messages the focus puts in the past and future, and in how many runs. */
  focusSummary(): { past: number; future: number; runsInFocus: number } {
    let past = 0;
    let future = 0;
    for (const mask of this.masks) {
      if (mask === null) continue;
      for (const v of mask) {
        if (v === 1) past++;
        else if (v === CAUSAL_FUTURE) future++;
      }
    }
    return { past, future, runsInFocus: this.masks.filter((m) => m?.some((v) => v !== CAUSAL_NONE)).length };
  }

  /** The arrow drawn nearest to a point (within 5 px), if arrows are drawn. */
  private messageAt(px: number, py: number): { run: number; m: number } | null {
    const runs = this.runs;
    const layout = this.layout;
    if (runs === null || layout === null) return null;
    const k = (this.width - 10 - this.gutter) / Math.max(1e-9, this.v1 - this.v0);
    const x = (t: number): number => this.gutter + (t - this.v0) * k;
    const until = Math.min(this.t, this.v1);
    let best: { run: number; m: number } | null = null;
    let bestD = 5;
    runs.stores.forEach((store, r) => {
      const lane = layout.lanes[r]!;
      const from = store.messagesSentFrom(this.v0 - store.summary.stats.flightMsMax);
      const to = store.messagesSentBy(until);
      if (to - from > 20_000) return;
      for (let m = from; m < to; m++) {
        const a = store.messageFrom(m);
        const b = store.messageTo(m);
        if (a < 0 || b < 0) continue;
        const s = store.messageSend(m);
        const e = Math.min(store.messageEnd(m), until);
        const d = distanceToSegment(px, py, x(s), lane.y[a]!, x(Number.isFinite(e) ? e : until), lane.y[b]!);
        if (d < bestD) {
          bestD = d;
          best = { run: r, m };
        }
      }
    });
    return best;
  }
}

function distanceToSegment(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = dx * dx + dy * dy;
  const u = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len));
  return Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
}
