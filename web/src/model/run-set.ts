/**
 * The runs on screen: one, or two in compare mode, on one simulated-time axis, with the
 * colour maps every view shares (so a state or a message kind has one colour everywhere).
 */

import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { Divergence, RunSummary } from '../../../wire/index.ts';
import { categorical, stateColors } from './palette.ts';
import { lowerBound, TraceStore, upperBound } from './trace-store.ts';

export class RunSet {
  readonly stores: TraceStore[];
  readonly labels: string[];
  readonly endMs: number;
  readonly stateColor: Map<string, string>;
  readonly typeColor: Map<string, string>;

  constructor(
    readonly scenario: ScenarioInfo,
    summaries: readonly RunSummary[],
    readonly divergence: Divergence | null,
  ) {
    this.stores = summaries.map((s) => new TraceStore(s));
    this.labels = summaries.length === 1 ? [''] : summaries.map((s, i) => `${i === 0 ? 'A' : 'B'}: ${runName(s, summaries)}`);
    this.endMs = summaries.reduce((m, s) => Math.max(m, s.simTimeMs), 0);
    this.stateColor = stateColors(
      summaries.flatMap((s) => s.stats.states),
      scenario.alarmStates,
    );
    this.typeColor = categorical(summaries.flatMap((s) => s.stats.messageTypes.map((m) => m.type)));
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

/** What tells two runs apart: the strategy, or the seed when the strategies match. */
function runName(s: RunSummary, all: readonly RunSummary[]): string {
  return all.every((x) => x.strategy === s.strategy) ? `seed ${s.seed}` : s.strategy;
}
