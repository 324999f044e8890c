/**
 * Playback: where the shared simulated-time cursor is and whether it moves. Two players
 * implement it: StreamPlayer (the server plays, over /ws) and LocalPlayer (the page plays a
 * run it made in its Web Worker). Views only read `state.t`.
 */
export interface PlaybackState {
  t: number;
  playing: boolean;
  /** Simulated milliseconds per wall-clock second. */
  simMsPerSec: number;
  /** The cursor reached the end and every event has arrived. */
  done: boolean;
  endMs: number;
}

export interface Player {
  readonly state: PlaybackState;
  play(): void;
  pause(): void;
  step(): void;
  stepBack(): void;
  seek(t: number): void;
  setSpeed(simMsPerSec: number): void;
  close(): void;
}

/** Speeds offered: simulated ms per second on a 1-2-5 ladder. */
export const SPEEDS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
];

/** The ladder speed that plays `endMs` in about 20 s. */
export function defaultSpeed(endMs: number): number {
  const want = endMs / 20;
  let best = SPEEDS[0]!;
  for (const s of SPEEDS) if (Math.abs(Math.log(s / want)) < Math.abs(Math.log(best / want))) best = s;
  return best;
}
