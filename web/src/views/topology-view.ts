/**
 * Topology: the nodes, arranged in columns by role, with their state at the cursor — up,
 * crashed or paused, slowed, and the scenario's own ctx.state label (in-doubt, overloaded,
 * open...) — the links that carried messages, messages in flight moving along them, drops
 * flashing where they happened, and partitions drawn as cut links. In compare mode the two
 * runs sit side by side.
 */
import * as d3 from 'd3';
import { fmtTime } from '../model/format.ts';
import { DROP_COLORS, inkOn, OKABE_ITO, STATUS_COLORS } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import { DROP_REASONS, END_DROPPED, STATUS_CRASHED, STATUS_PAUSED, type TraceStore } from '../model/trace-store.ts';
import { el, onResize, panelChrome, type View } from './view.ts';

interface Placed {
  x: number;
  y: number;
}

/** The narrowest pill worth drawing: a state name's first five letters and the ellipsis. */
const PILL_MIN_W = 48;
const PILL_H = 14;
/** Vertical room per node: the disc with its name and state to its right. */
const SLOT_H = 42;

export class TopologyView implements View {
  private readonly body: HTMLElement;
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly legend: HTMLElement;
  private readonly banner: HTMLElement;
  private runs: RunSet | null = null;
  private width = 400;
  private height = 200;
  private layouts: Placed[][] = [];
  private radius = 14;
  private textW = 80;
  private pairsSeen: number[] = [];
  private readonly flight: number[] = [];
  /** The cursor last drawn: a new layout (a resize) draws the nodes' state there at once. */
  private t = 0;

  constructor(section: HTMLElement) {
    const chrome = panelChrome(section, 'Topology', 'Nodes by role, their state at the cursor, messages in flight and partitions');
    this.body = chrome.body;
    this.body.classList.add('topology-body');
    this.banner = el('div', 'topology-banner');
    const holder = el('div', 'topology-svg');
    this.svg = d3.select(holder).append('svg').attr('role', 'img').attr('aria-label', 'Topology');
    this.legend = el('div', 'legend topology-legend');
    this.body.append(this.banner, holder, this.legend);
    onResize(holder, (w, h) => {
      this.width = Math.max(120, w);
      this.height = Math.max(80, h);
      this.svg.attr('width', this.width).attr('height', this.height);
      this.layout();
    });
  }

  load(runs: RunSet | null): void {
    this.runs = runs;
    this.svg.selectAll('*').remove();
    this.pairsSeen = [];
    this.legend.replaceChildren();
    if (runs === null) return;
    this.layout();
    this.drawLegend(runs);
  }

  private layout(): void {
    const runs = this.runs;
    if (runs === null) return;
    this.svg.selectAll('*').remove();
    this.pairsSeen = runs.stores.map(() => -1);
    const groups = runs.stores.length;
    const groupW = this.width / groups;
    this.layouts = runs.stores.map((store, g) => placeByRole(store.roles, g * groupW, groupW, this.height, runs.compare ? 16 : 0));
    const columnsMax = Math.max(...this.layouts.map((l) => new Set(l.map((p) => p.x)).size));
    this.radius = Math.max(7, Math.min(14, groupW / columnsMax / 7));
    // From the disc's right edge to the column's end: the disc sits at the column's start.
    this.textW = Math.max(30, groupW / columnsMax - 2 * this.radius - 13);
    runs.stores.forEach((store, g) => {
      const root = this.svg.append('g').attr('class', 'run-group').attr('data-run', g);
      if (runs.compare) {
        root
          .append('text')
          .attr('class', 'run-label')
          .attr('x', g * groupW + 8)
          .attr('y', 12)
          .text(runs.labels[g]!);
        if (g === 1)
          root
            .append('line')
            .attr('class', 'run-divider')
            .attr('x1', groupW)
            .attr('x2', groupW)
            .attr('y1', 4)
            .attr('y2', this.height - 4);
      }
      root.append('g').attr('class', 'links');
      root.append('g').attr('class', 'drops');
      root.append('g').attr('class', 'flight');
      const nodes = root
        .append('g')
        .attr('class', 'nodes')
        .selectAll('g.node')
        .data(store.nodes)
        .join('g')
        .attr('class', 'node')
        .attr('data-node', (d) => d)
        .attr('transform', (_d, i) => `translate(${this.layouts[g]![i]!.x},${this.layouts[g]![i]!.y})`);
      // Names beside their discs when every name fits there; else under them (never cut), and
      // the state pill takes the place beside the disc (cut to the column, whole in the tooltip).
      // A column too narrow for a pill to say anything ("o…") leaves the state to the disc's
      // colour, the legend and the tooltip.
      const compact = store.nodes.some((n) => textWidth(n, 700) > this.textW);
      const colW = groupW / columnsMax;
      const tx = this.radius + 5;
      nodes
        .append('text')
        .attr('class', `node-name${compact ? ' compact' : ''}`)
        .attr('x', compact ? 0 : tx)
        .attr('y', compact ? this.radius + 10 : -3)
        .text((d) => (compact ? fitText(d, colW - 4, 600) : d));
      nodes.append('title').text((d, i) => `${d} (${store.roles[i]})`);
      nodes.append('circle').attr('class', 'node-disc').attr('r', this.radius);
      nodes
        .append('path')
        .attr('class', 'node-cross')
        .attr('d', crossPath(this.radius * 0.55));
      const pill = nodes
        .append('g')
        .attr('class', 'node-pill')
        .attr('transform', `translate(${tx},${compact ? -PILL_H / 2 : 1})`)
        .attr('visibility', this.textW < PILL_MIN_W ? 'hidden' : null);
      pill.append('rect').attr('height', PILL_H).attr('rx', 7);
      pill
        .append('text')
        .attr('x', 5)
        .attr('y', PILL_H / 2 + 1)
        .attr('dominant-baseline', 'middle');
    });
    this.render(this.t);
  }

  render(t: number): void {
    this.t = t;
    const runs = this.runs;
    if (runs === null) return;
    runs.stores.forEach((store, g) => {
      this.renderRun(store, g, t);
    });
    const parts = runs.stores.map((s) => s.cutAt(t).fault).filter((f) => f !== null);
    this.banner.textContent = parts.length > 0 ? `✂ ${describePartition(parts[0]!)}` : '';
    this.banner.classList.toggle('visible', parts.length > 0);
  }

  private renderRun(store: TraceStore, g: number, t: number): void {
    const runs = this.runs!;
    const place = this.layouts[g]!;
    const root = this.svg.select<SVGGElement>(`g.run-group[data-run="${g}"]`);
    const n = store.nodes.length;
    const cut = store.cutAt(t).matrix;

    if (this.pairsSeen[g] !== store.pairs.size) {
      this.pairsSeen[g] = store.pairs.size;
      const links: [number, number][] = [];
      const seen = new Set<string>();
      for (const key of store.pairs) {
        const [a, b] = key.split('>').map(Number) as [number, number];
        if (a < 0 || b < 0 || a === b) continue;
        const k = a < b ? `${a}-${b}` : `${b}-${a}`;
        if (seen.has(k)) continue;
        seen.add(k);
        links.push(a < b ? [a, b] : [b, a]);
      }
      root
        .select('g.links')
        .selectAll<SVGLineElement, [number, number]>('line')
        .data(links, (d) => `${d[0]}-${d[1]}`)
        .join('line')
        .attr('x1', (d) => place[d[0]]!.x)
        .attr('y1', (d) => place[d[0]]!.y)
        .attr('x2', (d) => place[d[1]]!.x)
        .attr('y2', (d) => place[d[1]]!.y);
    }
    root
      .select('g.links')
      .selectAll<SVGLineElement, [number, number]>('line')
      .classed('cut', (d) => cut[d[0] * n + d[1]] === 1 || cut[d[1] * n + d[0]] === 1);

    const textW = this.textW;
    root
      .select('g.nodes')
      .selectAll<SVGGElement, string>('g.node')
      .each(function (_d, i) {
        const status = store.statusAt(i, t);
        const label = store.labelAt(i, t);
        const slow = store.slowAt(i, t);
        const stateName = label === null ? '' : store.labelNames[label.label]!;
        const color = status === STATUS_CRASHED ? STATUS_COLORS.crashed : label === null ? '#ffffff' : (runs.stateColor.get(stateName) ?? '#ddd');
        const node = d3.select(this);
        node.attr('data-status', status === STATUS_CRASHED ? 'crashed' : status === STATUS_PAUSED ? 'paused' : 'up').attr('data-state', stateName);
        node
          .select('circle')
          .attr('fill', color)
          .classed('paused', status === STATUS_PAUSED);
        node.select('.node-cross').attr('display', status === STATUS_CRASHED ? null : 'none');
        let text = status === STATUS_CRASHED ? 'crashed' : status === STATUS_PAUSED ? `paused · ${stateName}` : stateName;
        if (slow !== 1 && status !== STATUS_CRASHED) text += ` · ${slow}x slow`;
        const detail = status !== STATUS_CRASHED && label?.detail !== undefined ? ` ${label.detail}` : '';
        const pill = node.select('.node-pill');
        const pillColor = status === STATUS_CRASHED ? STATUS_COLORS.crashed : status === STATUS_PAUSED ? STATUS_COLORS.paused : color;
        pill.attr('display', text === '' ? 'none' : null);
        const shown = fitText(`${text}${detail}`, textW - 10, 600);
        const width = Math.min(textW, 10 + textWidth(shown, 600));
        pill
          .select('rect')
          .attr('width', width)
          .attr('fill', pillColor)
          .attr('stroke', pillColor === '#ffffff' ? '#999' : 'none');
        pill.select('text').attr('fill', inkOn(pillColor)).text(shown);
        node.select('title').text(`${store.nodes[i]} (${store.roles[i]})${text ? `: ${text}${detail}` : ''}${label ? ` since ${fmtTime(label.since)}` : ''}`);
      });

    // Messages in flight.
    store.inFlightAt(t, this.flight, 300);
    const dots = this.flight.map((m) => {
      const from = place[store.messageFrom(m)];
      const to = place[store.messageTo(m)];
      const send = store.messageSend(m);
      const end = store.messageEnd(m);
      const span = Number.isFinite(end) ? end - send : Math.max(1, store.summary.stats.flightMsMax);
      const f = Math.max(0, Math.min(1, span <= 0 ? 1 : (t - send) / span));
      return {
        m,
        x: from && to ? from.x + (to.x - from.x) * f : -99,
        y: from && to ? from.y + (to.y - from.y) * f : -99,
        type: store.messageTypes[store.messageType(m)]!,
      };
    });
    root
      .select('g.flight')
      .selectAll<SVGCircleElement, (typeof dots)[number]>('circle')
      .data(dots, (d) => d.m)
      .join('circle')
      .attr('r', 4)
      .attr('cx', (d) => d.x)
      .attr('cy', (d) => d.y)
      .attr('fill', (d) => runs.typeColor.get(d.type) ?? OKABE_ITO.grey);

    // Drops in the recent past, fading.
    const recentMs = Math.max(store.summary.stats.flightMsMax * 3, runs.endMs / 150);
    const drops = recentDrops(store, t, recentMs).map((m) => {
      const from = place[store.messageFrom(m)];
      const to = place[store.messageTo(m)];
      const reason = DROP_REASONS[store.messageReason(m)]!;
      const f = reason === 'node-down' ? 0.8 : 0.5;
      const age = (t - store.messageEnd(m)) / recentMs;
      return { m, reason, x: from && to ? from.x + (to.x - from.x) * f : -99, y: from && to ? from.y + (to.y - from.y) * f : -99, opacity: 1 - age * 0.8 };
    });
    root
      .select('g.drops')
      .selectAll<SVGPathElement, (typeof drops)[number]>('path')
      .data(drops, (d) => d.m)
      .join('path')
      .attr('d', crossPath(5))
      .attr('transform', (d) => `translate(${d.x},${d.y})`)
      .attr('stroke', (d) => DROP_COLORS[d.reason] ?? OKABE_ITO.vermillion)
      .attr('opacity', (d) => d.opacity);
  }

  private drawLegend(runs: RunSet): void {
    this.legend.replaceChildren();
    const states = [...runs.stateColor.entries()];
    const group = el('span', 'legend-group');
    group.append(el('span', 'legend-caption', 'node state'));
    for (const [label, color] of states) {
      const item = el('span', 'legend-item');
      const sw = el('span', 'swatch pill');
      sw.style.background = color;
      item.append(sw, document.createTextNode(label));
      group.append(item);
    }
    const crashed = el('span', 'legend-item');
    const sw = el('span', 'swatch pill');
    sw.style.background = STATUS_COLORS.crashed;
    crashed.append(sw, document.createTextNode('crashed'));
    const dropped = el('span', 'legend-item', '✕ dropped');
    dropped.style.color = '#a84300';
    const cut = el('span', 'legend-item cut-sample', '╌ cut link');
    const flight = el('span', 'legend-item', '● message in flight');
    group.append(crashed, flight, dropped, cut);
    this.legend.append(group);
  }
}

/** Nodes in columns by role (first appearance order), each column's nodes spread vertically. */
function placeByRole(roles: readonly string[], x0: number, width: number, height: number, top: number): Placed[] {
  const order: string[] = [];
  for (const r of roles) if (!order.includes(r)) order.push(r);
  const perRole = order.map((r) => roles.map((x, i) => (x === r ? i : -1)).filter((i) => i >= 0));
  const rowsMax = Math.max(1, Math.floor((height - top) / SLOT_H));
  const columns: number[][] = [];
  for (const members of perRole) for (let i = 0; i < members.length; i += rowsMax) columns.push(members.slice(i, i + rowsMax));
  const out: Placed[] = roles.map(() => ({ x: 0, y: 0 }));
  const colW = width / columns.length;
  columns.forEach((col, c) => {
    const rowH = (height - top) / col.length;
    col.forEach((node, j) => {
      out[node] = { x: x0 + colW * c + 18, y: top + rowH * (j + 0.5) };
    });
  });
  return out;
}

let measurer: CanvasRenderingContext2D | null = null;

/** The width of a label at the topology's 11 px, as the browser draws it. */
function textWidth(text: string, weight: number): number {
  measurer ??= document.createElement('canvas').getContext('2d')!;
  measurer.font = `${weight} 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
  return measurer.measureText(text).width;
}

/** The text, shortened with … only if it is wider than `width` px. */
function fitText(text: string, width: number, weight: number): string {
  if (textWidth(text, weight) <= width) return text;
  let n = text.length;
  while (n > 1 && textWidth(`${text.slice(0, n - 1)}…`, weight) > width) n--;
  return `${text.slice(0, Math.max(1, n - 1))}…`;
}

function crossPath(s: number): string {
  return `M${-s},${-s}L${s},${s}M${-s},${s}L${s},${-s}`;
}

/** Dropped message records whose drop happened in (t - windowMs, t]. */
function recentDrops(store: TraceStore, t: number, windowMs: number): number[] {
  const drops = store.drops;
  let lo = 0;
  let hi = drops.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (store.messageEnd(drops[mid]!) <= t) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo - 1; i >= 0 && out.length < 60; i--) {
    const m = drops[i]!;
    if (store.messageEnd(m) <= t - windowMs) break;
    if (store.messageEndKind(m) === END_DROPPED) out.push(m);
  }
  return out;
}

function describePartition(fault: NonNullable<ReturnType<TraceStore['cutAt']>['fault']>): string {
  if (fault.kind === 'partition') {
    const groups = fault.groups.map((g) => `{${g.join(', ')}}`);
    if (fault.groups.length === 1) groups.push('{everyone else}');
    return `partition ${groups.join(fault.oneWay ? ' → ' : ' | ')}`;
  }
  if (fault.kind === 'bridge') return `split {${fault.groups[0].join(', ')}} | {${fault.groups[1].join(', ')}}, bridged by ${fault.via}`;
  return 'partition';
}
