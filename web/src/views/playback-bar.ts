/**
 * The playback bar: step back, play/pause, step, speed, the time readout and a scrubber
 * over the whole run. The scrubber marks what the run holds before it is played — planned
 * faults, violations, where compared runs diverge — and, as it plays, fault bands and how
 * much of the trace has arrived. Drag or click it to seek.
 */
import * as d3 from 'd3';
import { fmtSpeed, fmtTime, fmtTimePrecise } from '../model/format.ts';
import { FAULT_COLORS, OKABE_ITO, VERDICT_COLORS } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import { type PlaybackState, SPEEDS } from '../source/player.ts';
import { type IconName, icon } from './icons.ts';
import { el, onResize, type View } from './view.ts';

export interface PlaybackActions {
  toggle(): void;
  step(): void;
  stepBack(): void;
  seek(t: number): void;
  speed(simMsPerSec: number): void;
}

const PAD = 10;

export class PlaybackBar implements View {
  private readonly playButton: HTMLButtonElement;
  private readonly speed: HTMLSelectElement;
  private readonly readout: HTMLElement;
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly holder: HTMLElement;
  private runs: RunSet | null = null;
  private width = 600;
  private x = d3.scaleLinear();
  private state: PlaybackState | null = null;
  private dragging = false;
  private spansDrawn = -1;
  /** The cursor last drawn (a resize draws it again). */
  private lastT = 0;

  constructor(
    footer: HTMLElement,
    private readonly actions: PlaybackActions,
  ) {
    footer.replaceChildren();
    const buttons = el('div', 'playback-buttons');
    const back = button('stepBack', 'Step back to the previous event (←)', () => actions.stepBack());
    this.playButton = button('play', 'Play / pause (space)', () => actions.toggle());
    this.playButton.classList.add('play');
    this.playButton.id = 'play-button';
    const fwd = button('stepForward', 'Step to the next event (→)', () => actions.step());
    fwd.id = 'step-button';
    buttons.append(back, this.playButton, fwd);
    this.speed = el('select', 'speed-select');
    this.speed.id = 'speed-select';
    this.speed.title = 'Playback speed: simulated time per second (+/- keys)';
    this.speed.setAttribute('aria-label', 'Playback speed');
    for (const s of SPEEDS) this.speed.append(new Option(fmtSpeed(s), String(s)));
    this.speed.onchange = () => actions.speed(Number(this.speed.value));
    this.readout = el('div', 'time-readout');
    this.readout.id = 'time-readout';
    const holder = el('div', 'scrubber');
    this.holder = holder;
    // A slider a keyboard can reach: arrows step between events (the app's keys), Page Up/Down
    // move a tenth of the run, Home/End go to either end; its value is read out as a time.
    holder.id = 'scrubber';
    holder.tabIndex = 0;
    holder.setAttribute('role', 'slider');
    holder.setAttribute('aria-label', 'Simulated time');
    holder.setAttribute('aria-valuemin', '0');
    holder.setAttribute('aria-valuemax', '0');
    holder.setAttribute('aria-valuenow', '0');
    holder.addEventListener('keydown', (e) => {
      const end = this.runs?.endMs ?? 0;
      const t = this.state?.t ?? 0;
      if (e.key === 'PageUp' || e.key === 'PageDown') {
        this.actions.seek(Math.max(0, Math.min(end, t + (e.key === 'PageUp' ? 1 : -1) * (end / 10))));
        e.preventDefault();
      }
    });
    this.svg = d3.select(holder).append('svg').attr('class', 'scrubber-svg').attr('aria-hidden', 'true');
    this.svg.append('rect').attr('class', 'track');
    this.svg.append('rect').attr('class', 'buffered');
    this.svg.append('g').attr('class', 'spans');
    this.svg.append('g').attr('class', 'planned');
    this.svg.append('g').attr('class', 'marks');
    this.svg.append('rect').attr('class', 'played');
    this.svg.append('circle').attr('class', 'handle').attr('r', 7);
    footer.append(buttons, this.speed, holder, this.readout);
    onResize(holder, (w) => {
      this.width = Math.max(100, w);
      this.svg.attr('width', this.width).attr('height', 36);
      this.layout();
      this.render(this.lastT);
    });
    const seekAt = (e: PointerEvent): void => {
      const rect = holder.getBoundingClientRect();
      this.actions.seek(Math.max(0, this.x.invert(e.clientX - rect.left)));
    };
    holder.addEventListener('pointerdown', (e) => {
      this.dragging = true;
      holder.setPointerCapture(e.pointerId);
      seekAt(e);
    });
    holder.addEventListener('pointermove', (e) => {
      if (this.dragging) seekAt(e);
    });
    holder.addEventListener('pointerup', () => {
      this.dragging = false;
    });
  }

  /** The playback state to show (the player's; null when nothing is loaded). */
  bind(state: PlaybackState | null): void {
    this.state = state;
  }

  load(runs: RunSet | null): void {
    this.runs = runs;
    this.spansDrawn = -1;
    this.layout();
  }

  private layout(): void {
    const runs = this.runs;
    this.x = d3
      .scaleLinear()
      .domain([0, runs?.endMs ?? 1])
      .range([PAD, this.width - PAD])
      .clamp(true);
    this.svg
      .select('.track')
      .attr('x', PAD)
      .attr('y', 16)
      .attr('width', this.width - 2 * PAD)
      .attr('height', 6)
      .attr('rx', 3);
    this.spansDrawn = -1;
    if (runs === null) return;
    const planned = runs.stores[0]!.summary.faults.map((f) => ({ at: f.at, kind: f.kind }));
    this.svg
      .select('g.planned')
      .selectAll('path')
      .data(planned)
      .join('path')
      .attr('d', (f) => `M${this.x(f.at)},4 l4,6 l-8,0 z`)
      .attr('fill', (f) => FAULT_COLORS[f.kind] ?? (f.kind === 'restart' || f.kind === 'heal' || f.kind === 'resume' ? OKABE_ITO.bluishGreen : OKABE_ITO.grey))
      .each(function (f) {
        d3.select(this)
          .selectAll('title')
          .data([`${f.kind} at ${fmtTime(f.at)}`])
          .join('title')
          .text((d) => d);
      });
    const marks: { t: number; color: string; label: string }[] = [];
    runs.stores.forEach((s, r) => {
      for (const inv of s.summary.invariants) {
        for (const v of inv.violations)
          marks.push({ t: v.time, color: VERDICT_COLORS.violated, label: `${runs.labels[r]} ${inv.name} violated at ${fmtTime(v.time)}` });
      }
    });
    if (runs.divergence !== null) marks.push({ t: runs.divergence.t, color: OKABE_ITO.black, label: `runs diverge at ${fmtTime(runs.divergence.t)}` });
    this.svg
      .select('g.marks')
      .selectAll('rect')
      .data(marks)
      .join('rect')
      .attr('class', 'mark')
      .attr('x', (m) => this.x(m.t) - 1.5)
      .attr('y', 12)
      .attr('width', 3)
      .attr('height', 14)
      .attr('fill', (m) => m.color)
      .each(function (m) {
        d3.select(this)
          .selectAll('title')
          .data([m.label])
          .join('title')
          .text((d) => d);
      });
  }

  render(t: number): void {
    this.lastT = t;
    const state = this.state;
    const runs = this.runs;
    if (state === null || runs === null) {
      this.readout.textContent = '';
      this.holder.setAttribute('aria-valuenow', '0');
      this.holder.setAttribute('aria-valuetext', 'no run');
      return;
    }
    const want = state.playing ? 'pause' : 'play';
    if (this.playButton.dataset.icon !== want) {
      this.playButton.dataset.icon = want;
      this.playButton.replaceChildren(icon(want));
    }
    this.playButton.setAttribute('aria-pressed', String(state.playing));
    if (this.speed.value !== String(state.simMsPerSec)) {
      if (![...this.speed.options].some((o) => o.value === String(state.simMsPerSec)))
        this.speed.append(new Option(fmtSpeed(state.simMsPerSec), String(state.simMsPerSec)));
      this.speed.value = String(state.simMsPerSec);
    }
    this.readout.textContent = `${fmtTimePrecise(t)} / ${fmtTime(runs.endMs)}`;
    this.readout.dataset.done = String(state.done);
    const received = Math.min(...runs.stores.map((s) => (s.complete ? runs.endMs : s.lastTime)));
    this.svg
      .select('.buffered')
      .attr('x', PAD)
      .attr('y', 16)
      .attr('height', 6)
      .attr('width', Math.max(0, this.x(received) - PAD));
    this.svg
      .select('.played')
      .attr('x', PAD)
      .attr('y', 16)
      .attr('height', 6)
      .attr('rx', 3)
      .attr('width', Math.max(0, this.x(t) - PAD));
    this.svg.select('.handle').attr('cx', this.x(t)).attr('cy', 19);
    this.holder.setAttribute('aria-valuenow', String(t));
    this.holder.setAttribute('aria-valuemax', String(runs.endMs));
    this.holder.setAttribute('aria-valuetext', `${fmtTime(t)} of ${fmtTime(runs.endMs)}${state.playing ? ', playing' : ''}`);
    const spans = runs.stores[0]!.spans;
    if (spans.length !== this.spansDrawn || runs.stores[0]!.version % 8 === 0) {
      this.spansDrawn = spans.length;
      this.svg
        .select('g.spans')
        .selectAll('rect')
        .data(spans.filter((s) => s.kind !== 'inject'))
        .join('rect')
        .attr('x', (s) => this.x(s.start))
        .attr('y', 26)
        .attr('height', 5)
        .attr('width', (s) => Math.max(2, this.x(Number.isNaN(s.end) ? received : s.end) - this.x(s.start)))
        .attr('fill', (s) => FAULT_COLORS[s.kind] ?? OKABE_ITO.grey)
        .attr('opacity', 0.8);
    }
  }
}

function button(name: IconName, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'icon-button');
  b.dataset.icon = name;
  b.append(icon(name));
  b.title = title;
  b.setAttribute('aria-label', title);
  b.onclick = onClick;
  return b;
}
