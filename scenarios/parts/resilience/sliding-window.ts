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

/** A window's first ring length (a power of two). */
const INITIAL = 16;

export class SlidingWindow {
  /**
   * The outcomes in the window, oldest first, in a ring of typed columns (a power of two long,
   * doubled when full): an outcome is added and expires at every call of a busy breaker, and a
   * ring does that without growing arrays and slicing them down again.
   */
  private times = new Float64Array(INITIAL);
  private durations = new Float64Array(INITIAL);
  private failed = new Uint8Array(INITIAL);
  private mask = INITIAL - 1;
  /** Ring index of the oldest outcome, and how many there are. */
  private head = 0;
  private size = 0;
  private failures = 0;
  /** Outcomes in the window that took at least `slowMs` (kept as they come and go, when that threshold is set). */
  private slows = 0;
  private scratch: Float64Array | null = null;

  constructor(
    readonly windowMs: number,
    /** The slow-call threshold its owner asks about at every outcome (a breaker's): counted as outcomes come and go, not by a scan. */
    readonly slowMs = Number.NaN,
  ) {
    assert(windowMs > 0, 'windowMs is positive');
  }

  add(nowMs: number, durationMs: number, failed: boolean): void {
    assert(Number.isFinite(nowMs), 'an outcome has a finite time');
    const latest = this.size === 0 ? nowMs : this.times[(this.head + this.size - 1) & this.mask]!;
    const t = Math.max(nowMs, latest);
    this.prune(t);
    if (this.size === this.times.length) this.grow();
    const i = (this.head + this.size) & this.mask;
    this.times[i] = t;
    this.durations[i] = durationMs;
    this.failed[i] = failed ? 1 : 0;
    this.size++;
    if (failed) this.failures++;
    if (durationMs >= this.slowMs) this.slows++;
  }

  /** Outcomes within the window ending at `nowMs`. */
  count(nowMs: number): number {
    this.prune(nowMs);
    return this.size;
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
    for (let k = 0; k < this.size; k++) if (this.durations[(this.head + k) & this.mask]! >= thresholdMs) n++;
    return n;
  }

  /** The p-th percentile (nearest rank) of the durations in the window; 0 when empty. */
  percentile(nowMs: number, p: number, onlySucceeded = false): number {
    this.prune(nowMs);
    if (this.scratch === null || this.scratch.length < this.size) this.scratch = new Float64Array(Math.max(64, 2 * this.size));
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & this.mask;
      if (!onlySucceeded || this.failed[i] === 0) this.scratch[n++] = this.durations[i]!;
    }
    if (n === 0) return 0;
    const values = this.scratch.subarray(0, n).sort();
    return values[Math.max(0, Math.ceil((p / 100) * n) - 1)]!;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.failures = 0;
    this.slows = 0;
  }

  private prune(nowMs: number): void {
    const from = nowMs - this.windowMs;
    while (this.size > 0 && this.times[this.head]! <= from) {
      if (this.failed[this.head] === 1) this.failures--;
      if (this.durations[this.head]! >= this.slowMs) this.slows--;
      this.head = (this.head + 1) & this.mask;
      this.size--;
    }
  }

  /** Doubles the ring, the oldest outcome first. */
  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    const durations = new Float64Array(capacity);
    const failed = new Uint8Array(capacity);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & this.mask;
      times[k] = this.times[i]!;
      durations[k] = this.durations[i]!;
      failed[k] = this.failed[i]!;
    }
    this.times = times;
    this.durations = durations;
    this.failed = failed;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
