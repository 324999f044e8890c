/**
 * The space-time diagram's window layer: what depends only on the window shown (not on the
 * cursor) — each node's state strip, fault bands, and, when too many messages are in view
 * to draw one by one, each lane's send density per pixel. Drawn once per window and data
 * change into an off-screen canvas, then shown up to the cursor on every scrub step.
 */
import { FAULT_COLORS, OKABE_ITO } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import type { TraceStore } from '../model/trace-store.ts';
import { hatch } from './canvas-marks.ts';

/** A run's lanes: the top of its block, each node's lane centre (folded nodes share one), the lane height, and the lanes' extent. */
export interface Lane {
  top: number;
  y: number[];
  h: number;
  /** Top of the first lane and bottom of the last. */
  first: number;
  last: number;
}

export interface LayerFrame {
  runs: RunSet;
  lanes: Lane[];
  x: (t: number) => number;
  v0: number;
  v1: number;
  width: number;
  height: number;
  mode: 'arrows' | 'density';
  /** Width of the lane labels left of the plot. */
  gutter: number;
}

export class SpacetimeLayer {
  readonly canvas = document.createElement('canvas');
  private density: Float32Array = new Float32Array(0);

  /** Draws the window's state strips, fault bands and (when crowded) send density into the layer. */
  build(f: LayerFrame): void {
    const { runs, lanes, x } = f;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(f.width * ratio) || this.canvas.height !== Math.round(f.height * ratio)) {
      this.canvas.width = Math.round(f.width * ratio);
      this.canvas.height = Math.round(f.height * ratio);
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, f.width, f.height);
    runs.stores.forEach((store, r) => {
      const lane = lanes[r]!;
      this.drawStates(f, ctx, store, lane, x);
      this.drawBands(f, ctx, store, lane, x);
      if (f.mode === 'density') this.drawDensity(f, ctx, store, lane, x);
    });
  }

  private drawStates(f: LayerFrame, ctx: CanvasRenderingContext2D, store: TraceStore, lane: Lane, x: (t: number) => number): void {
    const runs = f.runs;
    const h = lane.h;
    const until = Math.min(f.v1, store.complete ? f.v1 : store.lastTime);
    const stripH = Math.max(3, Math.min(6, h * 0.22));
    store.nodes.forEach((_n, i) => {
      const y = lane.y[i]!;
      const steps = store.labels[i]!;
      for (let k = Math.max(0, steps.indexAt(f.v0)); k < steps.t.length && steps.t[k]! <= until; k++) {
        const a = Math.max(steps.t[k]!, f.v0);
        const b = Math.min(k + 1 < steps.t.length ? steps.t[k + 1]! : until, until);
        if (b < a) continue;
        const xa = x(a);
        const w = x(b) - xa;
        const color = runs.stateColor.get(store.labelNames[steps.v[k]!]!) ?? '#ccc';
        if (w < 0.4 && color !== OKABE_ITO.vermillion) continue;
        ctx.fillStyle = color;
        ctx.fillRect(xa, y + h / 2 - stripH - 1, Math.max(w, 0.8), stripH);
      }
    });
  }

  private drawBands(f: LayerFrame, ctx: CanvasRenderingContext2D, store: TraceStore, lane: Lane, x: (t: number) => number): void {
    const h = lane.h;
    const until = Math.min(f.v1, store.complete ? f.v1 : store.lastTime);
    const laneTop = lane.first;
    const laneBottom = lane.last;
    for (const span of store.spans) {
      if (span.start > until) continue;
      const end = Number.isNaN(span.end) ? until : Math.min(span.end, until);
      if (end < f.v0) continue;
      const xa = x(Math.max(span.start, f.v0));
      const w = Math.max(2, x(end) - xa);
      const color = span.kind === 'slow' ? FAULT_COLORS.pause! : (FAULT_COLORS[span.kind] ?? OKABE_ITO.grey);
      if (span.node >= 0) {
        const y = lane.y[span.node]!;
        hatch(ctx, xa, y - h / 2 + 1, w, h - 2, color, span.kind === 'crash' ? 0.28 : 0.22);
      } else {
        ctx.globalAlpha = 0.12;
        ctx.fillStyle = color;
        ctx.fillRect(xa, laneTop, w, laneBottom - laneTop);
        ctx.globalAlpha = 1;
        ctx.fillStyle = color;
        ctx.font = '600 10px system-ui, sans-serif';
        ctx.fillText(span.label, xa + 3, laneTop + 10);
      }
    }
  }

  private drawDensity(f: LayerFrame, ctx: CanvasRenderingContext2D, store: TraceStore, lane: Lane, x: (t: number) => number): void {
    const from = store.messagesSentFrom(f.v0);
    const until = f.v1;
    const to = store.messagesSentBy(until);
    const cols = Math.max(1, Math.ceil(f.width - f.gutter));
    const n = store.nodes.length;
    if (this.density.length < cols * n) this.density = new Float32Array(cols * n);
    const counts = this.density;
    counts.fill(0, 0, cols * n);
    let max = 1;
    for (let m = from; m < to; m++) {
      const a = store.messageFrom(m);
      const s = store.messageSend(m);
      if (a < 0 || s < f.v0 || s > until) continue;
      const c = Math.floor(x(s) - f.gutter);
      if (c < 0 || c >= cols) continue;
      const v = ++counts[a * cols + c]!;
      if (v > max) max = v;
    }
    ctx.fillStyle = OKABE_ITO.blue;
    for (let a = 0; a < n; a++) {
      const y = lane.y[a]!;
      const bar = lane.h * 0.5;
      for (let c = 0; c < cols; c++) {
        const v = counts[a * cols + c]!;
        if (v === 0) continue;
        ctx.globalAlpha = 0.15 + 0.75 * Math.sqrt(v / max);
        ctx.fillRect(f.gutter + c, y - bar / 2, 1, bar);
      }
    }
    ctx.globalAlpha = 1;
  }
}
