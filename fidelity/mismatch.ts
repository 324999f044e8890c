/**
 * A mismatch: one place where a model and the live server it stands for disagreed, with
 * everything needed to replay it (the area, the generator's seed, the sequence as data,
 * the step) and both answers. Tallies count sequences, commands and mismatches per area.
 */
export interface Mismatch {
  area: string;
  /** The fast-check seed the sequences came from, and this sequence's index among them. */
  seed: number;
  index: number;
  /** The sequence as generated (or shrunk: the fewest steps that still disagree). */
  sequence: unknown;
  step: number;
  command: unknown;
  model: unknown;
  server: unknown;
  why: string;
}

export interface AreaTally {
  sequences: number;
  /** Commands (Redis) or operations (PostgreSQL) compared. */
  commands: number;
  mismatches: number;
  /** Sequences that could not be judged (the server lagged too far behind the model's clock every time), if any. */
  inconclusive: number;
  firstMismatch?: Mismatch;
}

export const emptyTally = (): AreaTally => ({ sequences: 0, commands: 0, mismatches: 0, inconclusive: 0 });

/** Adds what one sequence found to a tally (keeping the first mismatch seen). */
export function addToTally(tally: AreaTally, commands: number, mismatches: readonly Mismatch[]): void {
  tally.sequences++;
  tally.commands += commands;
  tally.mismatches += mismatches.length;
  if (tally.firstMismatch === undefined && mismatches.length > 0) tally.firstMismatch = mismatches[0];
}
