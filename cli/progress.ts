/**
 * A one-line progress bar on stderr (runs done, runs/s, ETA), redrawn at most ten times a
 * second. It is drawn only on a terminal and never with --json (see `progressAllowed`); when
 * disabled every method is a no-op, so callers need no branches.
 */
import { performance } from 'node:perf_hooks';

const WIDTH = 28;
const REDRAW_MS = 100;

export class ProgressBar {
  private startMs = performance.now();
  private lastDrawMs = 0;
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  /** Restarts the clock (call when the work itself begins, after any start-up). */
  start(): void {
    this.startMs = performance.now();
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDrawMs < REDRAW_MS && done < this.total) return;
    this.lastDrawMs = now;
    const seconds = (now - this.startMs) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const share = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const filled = Math.round(share * WIDTH);
    const eta = rate > 0 ? (this.total - done) / rate : Number.POSITIVE_INFINITY;
    const line =
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ` +
      `${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} runs  ${Math.round(rate).toLocaleString('en-US')} runs/s  ETA ${formatEta(eta)}`;
    process.stderr.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the bar's line. */
  finish(): void {
    if (this.enabled && this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.ceil(seconds - m * 60)).padStart(2, '0')}s`;
}
