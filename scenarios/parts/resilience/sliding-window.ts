/**
 * SlidingWindow: the outcomes of the last `windowMs` of simulated time (a time-based sliding
 * window, as a circuit breaker or a dashboard keeps). Each outcome is a time, a duration and
 * whether it failed; older ones fall out as time moves on. It answers the questions a
 * breaker and an incident review ask of "the last 100 ms": how many calls, how many failed,
 * how many were slow, and the latency percentiles.
 *
 * Time is the owner's clock, which may step back (an NTP correction, a clock fault): the window
 * keeps a monotonic view of it, counting an outcome stamped before the latest one as
 * happening at the latest one, so a step back never reorders the past or revives the expired.
 */
import { assert } from '../../../engine/index.ts';

export class SlidingWindow {
  private times: number[] = [];
  private durations: number[] = [];
  private failed: boolean[] = [];
  private head = 0;
  private failures = 0;
  /** Outcomes in the window that took at least `slowMs` (kept as they come and go, when that threshold is set). */
  private slows = 0;
  private scratch = new Float64Array(64);

  constructor(
    readonly windowMs: number,
    /** The slow-call threshold its owner asks about at every outcome (a breaker's): counted as outcomes come and go, not by a scan. */
    readonly slowMs = Number.NaN,
  ) {
    assert(windowMs > 0, 'windowMs is positive');
  }

  add(nowMs: number, durationMs: number, failed: boolean): void {
    assert(Number.isFinite(nowMs), 'an outcome has a finite time');
    const latest = this.times.length === 0 ? nowMs : this.times[this.times.length - 1]!;
    const t = Math.max(nowMs, latest);
    this.prune(t);
    this.times.push(t);
    this.durations.push(durationMs);
    this.failed.push(failed);
    if (failed) this.failures++;
    if (durationMs >= this.slowMs) this.slows++;
  }

  /** Outcomes within the window ending at `nowMs`. */
  count(nowMs: number): number {
    this.prune(nowMs);
    return this.times.length - this.head;
  }

  failureCount(nowMs: number): number {
    this.prune(nowMs);
    return this.failures;
  }

  /** Share of outcomes that failed (0 when there are none). */
  failureRate(nowMs: number): number {
    const n = this.count(nowMs);
    return n === 0 ? 0 : this.failures / n;
  }

  /** Outcomes that took at least `thresholdMs`. */
  slowCount(nowMs: number, thresholdMs: number): number {
    this.prune(nowMs);
    if (thresholdMs === this.slowMs) return this.slows;
    let n = 0;
    for (let i = this.head; i < this.durations.length; i++) if (this.durations[i]! >= thresholdMs) n++;
    return n;
  }

  /** The p-th percentile (nearest rank) of the durations in the window; 0 when empty. */
  percentile(nowMs: number, p: number, onlySucceeded = false): number {
    this.prune(nowMs);
    if (this.scratch.length < this.durations.length - this.head) this.scratch = new Float64Array(2 * (this.durations.length - this.head));
    let n = 0;
    for (let i = this.head; i < this.durations.length; i++) if (!onlySucceeded || !this.failed[i]) this.scratch[n++] = this.durations[i]!;
    if (n === 0) return 0;
    const values = this.scratch.subarray(0, n).sort();
    return values[Math.max(0, Math.ceil((p / 100) * n) - 1)]!;
  }

  clear(): void {
    this.times = [];
    this.durations = [];
    this.failed = [];
    this.head = 0;
    this.failures = 0;
    this.slows = 0;
  }

  private prune(nowMs: number): void {
    const from = nowMs - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= from) {
      if (this.failed[this.head]) this.failures--;
      if (this.durations[this.head]! >= this.slowMs) this.slows--;
      this.head++;
    }
    if (this.head > 512 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.durations = this.durations.slice(this.head);
      this.failed = this.failed.slice(this.head);
      this.head = 0;
    }
  }
}
