/**
 * The space-time diagram's lane labels, as HTML over the canvas's left edge: each node's
 * name with its status at the cursor (up, crashed, paused), each role group's header (a
 * button that folds or unfolds it), and in compare mode each run's name. The gutter is as
 * wide as the longest label, so no name is ever cut; being HTML, the labels can be read by
 * assistive technology and measured by tests.
 */
import type { RunSet } from '../model/run-set.ts';
import { STATUS_CRASHED, STATUS_PAUSED } from '../model/trace-store.ts';
import { GUTTER } from './canvas-marks.ts';
import type { LaneLayout } from './lane-layout.ts';
import { el } from './view.ts';

const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const GUTTER_MAX = 240;

export class LaneGutter {
  readonly root: HTMLElement;
  private dots: { run: number; node: number; dot: HTMLElement; status: number }[] = [];

  constructor(private readonly toggle: (role: string) => void) {
    this.root = el('div', 'lane-gutter');
  }

  /** Sizes the gutter for the runs' labels; returns its width in CSS px. */
  load(runs: RunSet | null): number {
    this.root.replaceChildren();
    this.dots = [];
    if (runs === null) return GUTTER;
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `600 ${FONT}`;
    let widest = 0;
    for (const store of runs.stores) {
      for (const name of store.nodes) widest = Math.max(widest, ctx.measureText(name).width + 22);
      for (const role of new Set(store.roles)) {
        const n = store.roles.filter((r) => r === role).length;
        widest = Math.max(widest, ctx.measureText(`▾ ${role} · ${n}`).width + 12);
      }
    }
    for (const label of runs.compare ? runs.labels : []) widest = Math.max(widest, ctx.measureText(label).width + 12);
    const width = Math.ceil(Math.min(GUTTER_MAX, Math.max(GUTTER - 10, widest + 8)));
    this.root.style.width = `${width}px`;
    return width;
  }

  /** Puts the labels where the layout put the lanes. */
  place(layout: LaneLayout, width: number, runs?: RunSet): void {
    this.root.replaceChildren();
    this.dots = [];
    this.root.style.width = `${width}px`;
    this.root.style.height = `${layout.height + 8}px`;
    const labels = runs?.labels ?? [];
    if (runs?.compare) {
      layout.runTops.forEach((top, r) => {
        const head = el('div', 'lane-run', labels[r] ?? '');
        head.style.top = `${top}px`;
        this.root.append(head);
      });
    }
    for (const g of layout.groups) {
      const lane = layout.lanes[g.run]!;
      const store = runs?.stores[g.run];
      if (g.header) {
        const head = el('button', 'lane-group', `${g.collapsed ? '▸' : '▾'} ${g.role} · ${g.nodes.length}`);
        head.style.top = `${g.top}px`;
        head.setAttribute('aria-expanded', String(!g.collapsed));
        head.title = `${g.collapsed ? 'Unfold' : 'Fold'} the ${g.nodes.length} ${g.role} lanes`;
        head.dataset.role = g.role;
        head.onclick = () => this.toggle(g.role);
        this.root.append(head);
      }
      if (g.collapsed) {
        const label = el('div', 'lane-label folded', `${g.nodes.length} × ${g.role}`);
        label.style.top = `${lane.y[g.nodes[0]!]! - 8}px`;
        label.title = g.nodes.map((n) => store?.nodes[n] ?? '').join(', ');
        this.root.append(label);
        continue;
      }
      for (const n of g.nodes) {
        const label = el('div', 'lane-label');
        label.style.top = `${lane.y[n]! - 8}px`;
        const dot = el('span', 'lane-dot');
        const name = store?.nodes[n] ?? '';
        label.append(dot, el('span', 'lane-name', name));
        label.dataset.node = name;
        label.title = `${name} (${g.role})`;
        this.root.append(label);
        this.dots.push({ run: g.run, node: n, dot, status: -1 });
      }
    }
  }

  /** Colours each node's dot by its status at t. */
  status(runs: RunSet, t: number): void {
    for (const d of this.dots) {
      const status = runs.stores[d.run]!.statusAt(d.node, t);
      if (status === d.status) continue;
      d.status = status;
      d.dot.dataset.status = status === STATUS_CRASHED ? 'crashed' : status === STATUS_PAUSED ? 'paused' : 'up';
    }
  }
}
