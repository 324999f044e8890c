/**
 * The runs on screen: one, or two in compare mode, on one simulated-time axis, with the
 * colour maps every view shares (so a state or a message kind has one colour everywhere).
 *
 * Runs still being computed start from their previews (`fromPreviews`): the axis ends at the
 * planned end, colours follow the states and kinds seen so far (`refresh`), and `settle`
 * puts the complete runs' summaries in place.
 */

import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { Divergence, RunPreview, RunSummary } from '../../../wire/index.ts';
import { categorical, stateColors } from './palette.ts';
import { lowerBound, provisionalSummary, TraceStore, upperBound } from './trace-store.ts';

export class RunSet {
  readonly stores: TraceStore[];
  readonly labels: string[];
  endMs: number;
  readonly stateColor = new Map<string, string>();
  readonly typeColor = new Map<string, string>();
  private colorsFor = '';

  constructor(
    readonly scenario: ScenarioInfo,
    summaries: readonly RunSummary[],
    public divergence: Divergence | null,
    final = true,
  ) {
    this.stores = summaries.map((s) => new TraceStore(s, final));
    this.labels = summaries.length === 1 ? [''] : summaries.map((s, i) => `${i === 0 ? 'A' : 'B'}: ${runName(s, summaries)}`);
    this.endMs = summaries.reduce((m, s) => Math.max(m, s.simTimeMs), 0);
    this.refresh();
  }

  /** Runs still being computed, from their previews. */
  static fromPreviews(scenario: ScenarioInfo, previews: readonly RunPreview[]): RunSet {
    return new RunSet(
      scenario,
      previews.map((p) => provisionalSummary(p)),
      null,
      false,
    );
  }

  /** Every run is complete: their summaries, the end of the longest, and where two differ. */
  settle(summaries: readonly RunSummary[], divergence: Divergence | null): void {
    summaries.forEach((s, i) => {
      this.stores[i]!.settle(s);
    });
    this.endMs = summaries.reduce((m, s) => Math.max(m, s.simTimeMs), 0);
    this.divergence = divergence;
    this.refresh();
  }

  /** True once every run's own summary is in place (its events may still be arriving). */
  get settled(): boolean {
    return this.stores.every((s) => s.final);
  }

  /** Where every run's events are known up to: the last event received of a run still computing (endMs when none is). */
  get frontierMs(): number {
    let frontier = this.endMs;
    for (const s of this.stores) if (!s.final) frontier = Math.min(frontier, s.lastTime);
    return frontier;
  }

  /** Recomputes the colour maps when the runs' states or message kinds have changed (in place: views hold the maps). */
  refresh(): void {
    const states = this.stores.flatMap((s) => s.summary.stats.states);
    const types = this.stores.flatMap((s) => s.summary.stats.messageTypes.map((m) => m.type));
    const key = `${states.map((s) => s.label).join('\u0000')}|${types.join('\u0000')}`;
    if (key === this.colorsFor) return;
    this.colorsFor = key;
    refill(this.stateColor, stateColors(states, this.scenario.alarmStates));
    refill(this.typeColor, categorical(types));
  }

  get compare(): boolean {
    return this.stores.length === 2;
  }

  get complete(): boolean {
    return this.stores.every((s) => s.complete);
  }

  /** The time of the next event after t in any run (or endMs). */
  nextEventTime(t: number): number {
    let next = this.endMs;
    for (const s of this.stores) {
      const i = upperBound(s.times, t, s.length);
      if (i < s.length) next = Math.min(next, s.times[i]!);
    }
    return next;
  }

  /** The time of the last event before t in any run (or 0). */
  previousEventTime(t: number): number {
    let prev = 0;
    for (const s of this.stores) {
      const i = lowerBound(s.times, t, s.length) - 1;
      if (i >= 0) prev = Math.max(prev, s.times[i]!);
    }
    return prev;
  }
}

function refill(target: Map<string, string>, source: Map<string, string>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}

/** What tells two runs apart: the strategy, or the seed when the strategies match. */
function runName(s: RunSummary, all: readonly RunSummary[]): string {
  return all.every((x) => x.strategy === s.strategy) ? `seed ${s.seed}` : s.strategy;
}
