/**
 * The fault plan on a timeline: a row per node a fault names (and one for the network), a
 * marker per fault at its time, a bar from each crash, pause or partition to the fault that
 * ends it. Drag a marker to move its fault; the plan is updated as plain data.
 */
import * as d3 from 'd3';
import { type Fault, type FaultPlan, nodesOfFault } from '../../../engine/index.ts';
import { fmtTime } from '../model/format.ts';
import { FAULT_COLORS, OKABE_ITO } from '../model/palette.ts';
import { el } from '../views/view.ts';

const ROW_H = 18;
const LEFT = 70;
const RIGHT = 10;

const ENDS: Partial<Record<Fault['kind'], Fault['kind']>> = { crash: 'restart', pause: 'resume', partition: 'heal', bridge: 'heal', degrade: 'restore' };

export function faultColor(kind: Fault['kind']): string {
  if (kind === 'restart' || kind === 'resume' || kind === 'heal' || kind === 'restore') return OKABE_ITO.bluishGreen;
  if (kind === 'bridge') return FAULT_COLORS.partition!;
  return FAULT_COLORS[kind] ?? OKABE_ITO.grey;
}

export class FaultTimeline {
  readonly root: HTMLElement;
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private width = 280;

  constructor(private readonly onMove: (index: number, at: number) => void) {
    this.root = el('div', 'fault-timeline');
    this.svg = d3.select(this.root).append('svg');
  }

  draw(plan: FaultPlan, horizonMs: number, width: number): void {
    this.width = Math.max(160, width);
    const rows: string[] = [];
    for (const f of plan) {
      const names = nodesOfFault(f);
      const key =
        f.kind === 'partition' || f.kind === 'bridge' || f.kind === 'heal' || f.kind === 'degrade' || f.kind === 'restore' || names.length === 0
          ? 'network'
          : names[0]!;
      if (!rows.includes(key)) rows.push(key);
    }
    if (rows.length === 0) rows.push('no faults');
    const height = rows.length * ROW_H + 24;
    const end = Math.max(horizonMs, ...plan.map((f) => f.at * 1.1), 10);
    const x = d3
      .scaleLinear()
      .domain([0, end])
      .range([LEFT, this.width - RIGHT]);
    const svg = this.svg.attr('width', this.width).attr('height', height);
    svg.selectAll('*').remove();
    const rowOf = (f: Fault): number => {
      const names = nodesOfFault(f);
      const key =
        f.kind === 'partition' || f.kind === 'bridge' || f.kind === 'heal' || f.kind === 'degrade' || f.kind === 'restore' || names.length === 0
          ? 'network'
          : names[0]!;
      return rows.indexOf(key);
    };
    rows.forEach((name, i) => {
      svg
        .append('line')
        .attr('class', 'timeline-row')
        .attr('x1', LEFT)
        .attr('x2', this.width - RIGHT)
        .attr('y1', i * ROW_H + ROW_H / 2 + 2)
        .attr('y2', i * ROW_H + ROW_H / 2 + 2);
      svg
        .append('text')
        .attr('class', 'timeline-label')
        .attr('x', LEFT - 6)
        .attr('y', i * ROW_H + ROW_H / 2 + 6)
        .attr('text-anchor', 'end')
        .text(name.length > 10 ? `${name.slice(0, 9)}…` : name);
    });
    // Bars from a fault to the one that ends it.
    plan.forEach((f, i) => {
      const endKind = ENDS[f.kind];
      if (endKind === undefined) return;
      const row = rowOf(f);
      const closer = plan.findIndex((g, j) => j !== i && g.kind === endKind && g.at >= f.at && rowOf(g) === row);
      const stop = closer >= 0 ? plan[closer]!.at : end;
      svg
        .append('rect')
        .attr('class', 'timeline-bar')
        .attr('x', x(f.at))
        .attr('y', row * ROW_H + ROW_H / 2 - 1)
        .attr('width', Math.max(1, x(stop) - x(f.at)))
        .attr('height', 6)
        .attr('fill', faultColor(f.kind))
        .attr('opacity', 0.35);
    });
    const axis = svg
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${rows.length * ROW_H + 4})`);
    axis.call(
      d3
        .axisBottom(x)
        .ticks(Math.max(2, Math.floor((this.width - LEFT) / 60)))
        .tickFormat((d) => `${d3.format(',~r')(Number(d))}`)
        .tickSizeOuter(0),
    );
    axis
      .append('text')
      .attr('class', 'axis-label')
      .attr('x', LEFT - 6)
      .attr('y', 13)
      .attr('text-anchor', 'end')
      .text('ms');
    const markers = svg
      .selectAll<SVGCircleElement, { f: Fault; i: number }>('circle.fault-marker')
      .data(plan.map((f, i) => ({ f, i })))
      .join('circle')
      .attr('class', 'fault-marker')
      .attr('data-index', (d) => d.i)
      .attr('r', 6)
      .attr('cx', (d) => x(d.f.at))
      .attr('cy', (d) => rowOf(d.f) * ROW_H + ROW_H / 2 + 2)
      .attr('fill', (d) => faultColor(d.f.kind));
    markers.append('title').text((d) => `${d.f.kind} at ${fmtTime(d.f.at)} — drag to move`);
    markers.call(
      d3
        .drag<SVGCircleElement, { f: Fault; i: number }>()
        .on('drag', function (event, d) {
          const at = Math.round(Math.max(0, Math.min(end, x.invert(event.x))));
          d3.select(this).attr('cx', x(at));
          d3.select(this)
            .select('title')
            .text(`${d.f.kind} at ${fmtTime(at)}`);
        })
        .on('end', (event, d) => {
          const at = Math.round(Math.max(0, Math.min(end, x.invert(event.x))));
          this.onMove(d.i, at);
        }),
    );
  }
}
