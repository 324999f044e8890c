/**
 * LocalPlayer: plays runs made by the page's Web Worker, whose events arrive in the page as
 * they are computed. The cursor advances with requestAnimationFrame at the chosen speed and
 * never passes the last event received of a run still computing (it waits there, playing,
 * as a video buffers); wall-clock time lives here, in the web layer, never in the simulation.
 */
import type { RunSet } from '../model/run-set.ts';
import { defaultSpeed, type PlaybackState, type Player } from './player.ts';

export class LocalPlayer implements Player {
  readonly state: PlaybackState;
  private frame = 0;
  private lastWall = 0;
  /** A seek past the events computed so far: the cursor follows the computation up to it. */
  private seekT: number | null = null;

  constructor(
    private readonly runs: RunSet,
    private readonly onChange: () => void,
  ) {
    this.state = { t: 0, playing: false, simMsPerSec: defaultSpeed(runs.endMs), done: false, endMs: runs.endMs };
  }

  play(): void {
    this.seekT = null;
    if (this.state.t >= this.state.endMs && this.runs.complete) this.state.t = 0;
    this.state.playing = true;
    this.state.done = false;
    this.lastWall = performance.now();
    this.tick();
    this.onChange();
  }

  pause(): void {
    this.state.playing = false;
    cancelAnimationFrame(this.frame);
    this.onChange();
  }

  step(): void {
    this.pauseQuietly();
    this.moveTo(this.runs.nextEventTime(this.state.t));
  }

  stepBack(): void {
    this.pauseQuietly();
    this.moveTo(this.runs.previousEventTime(this.state.t));
  }

  seek(t: number): void {
    this.moveTo(t);
  }

  setSpeed(simMsPerSec: number): void {
    this.state.simMsPerSec = simMsPerSec;
    this.onChange();
  }

  close(): void {
    this.state.playing = false;
    cancelAnimationFrame(this.frame);
  }

  private pauseQuietly(): void {
    this.state.playing = false;
    cancelAnimationFrame(this.frame);
  }

  /** More events have arrived: a seek past the earlier ones moves on toward its target. */
  progressed(): void {
    const want = this.seekT;
    if (want === null) return;
    this.state.t = Math.max(this.state.t, Math.min(want, this.state.endMs, this.runs.frontierMs));
    if (this.state.t >= Math.min(want, this.state.endMs)) this.seekT = null;
    this.state.done = this.state.t >= this.state.endMs && this.runs.complete;
    this.onChange();
  }

  private moveTo(t: number): void {
    this.seekT = t > this.runs.frontierMs ? t : null;
    this.state.t = Math.max(0, Math.min(this.state.endMs, this.runs.frontierMs, t));
    this.state.done = this.state.t >= this.state.endMs && this.runs.complete;
    this.lastWall = performance.now();
    this.onChange();
  }

  private tick = (): void => {
    if (!this.state.playing) return;
    const now = performance.now();
    this.state.t = Math.min(this.state.endMs, this.runs.frontierMs, this.state.t + ((now - this.lastWall) * this.state.simMsPerSec) / 1000);
    this.lastWall = now;
    if (this.state.t >= this.state.endMs && this.runs.complete) {
      this.state.playing = false;
      this.state.done = true;
    } else this.frame = requestAnimationFrame(this.tick);
    this.onChange();
  };
}
