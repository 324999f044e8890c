/**
 * LocalPlayer: plays runs whose whole trace is already in the page (made by the page's Web
 * Worker). The cursor advances with requestAnimationFrame at the chosen speed; wall-clock
 * time lives here, in the web layer, never in the simulation.
 */
import type { RunSet } from '../model/run-set.ts';
import { defaultSpeed, type PlaybackState, type Player } from './player.ts';

export class LocalPlayer implements Player {
  readonly state: PlaybackState;
  private frame = 0;
  private lastWall = 0;

  constructor(
    private readonly runs: RunSet,
    private readonly onChange: () => void,
  ) {
    this.state = { t: 0, playing: false, simMsPerSec: defaultSpeed(runs.endMs), done: false, endMs: runs.endMs };
  }

  play(): void {
    if (this.state.t >= this.state.endMs) this.state.t = 0;
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

  private moveTo(t: number): void {
    this.state.t = Math.max(0, Math.min(this.state.endMs, t));
    this.state.done = this.state.t >= this.state.endMs;
    this.lastWall = performance.now();
    this.onChange();
  }

  private tick = (): void => {
    if (!this.state.playing) return;
    const now = performance.now();
    this.state.t = Math.min(this.state.endMs, this.state.t + ((now - this.lastWall) * this.state.simMsPerSec) / 1000);
    this.lastWall = now;
    if (this.state.t >= this.state.endMs) {
      this.state.playing = false;
      this.state.done = true;
    } else this.frame = requestAnimationFrame(this.tick);
    this.onChange();
  };
}
