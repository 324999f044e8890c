/**
 * CircuitBreaker: stop calling a dependency that is failing, give it room to recover, and
 * probe before trusting it again (the closed / open / half-open machine of Nygard's
 * "Release It!", with resilience4j's time-based sliding window and thresholds).
 *
 * - closed: calls go through; their outcomes fill a sliding window of `windowMs`. Once the
 *   window holds at least `minCalls`, the breaker opens if the share of failed calls reaches
 *   `failureRateThreshold` or the share of calls slower than `slowCallMs` reaches
 *   `slowCallRateThreshold`.
 * - open: every call is refused at once (the caller takes its fallback without waiting on a
 *   timeout) for `openMs`.
 * - half-open: `halfOpenCalls` probe calls go through, the rest are refused; judged by the
 *   same thresholds, the probes close the breaker (with a fresh window) or open it again.
 *
 * It is a pure state machine over the simulated time its caller passes in: no timers, no I/O.
 */
import { assert } from '../../../engine/index.ts';
import { SlidingWindow } from './sliding-window.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerConfig {
  windowMs: number;
  minCalls: number;
  /** Open when at least this share of calls in the window failed (0..1). */
  failureRateThreshold: number;
  /** A call at least this long counts as slow. */
  slowCallMs: number;
  /** Open when at least this share of calls in the window was slow (0..1; above 1 disables it). */
  slowCallRateThreshold: number;
  openMs: number;
  halfOpenCalls: number;
}

export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  atMs: number;
  /** Why, in plain words with the numbers that decided it. */
  reason: string;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private readonly window: SlidingWindow;
  private openedAt = 0;
  private probesSent = 0;
  private probes: { failed: boolean; slow: boolean }[] = [];
  /** Calls refused while open or past the half-open probes. */
  refused = 0;
  /** Times the breaker opened. */
  opened = 0;

  constructor(
    readonly config: CircuitBreakerConfig,
    private readonly onTransition: (t: BreakerTransition) => void = () => {},
  ) {
    assert(config.minCalls >= 1, 'minCalls is at least 1');
    assert(config.halfOpenCalls >= 1, 'halfOpenCalls is at least 1');
    assert(config.failureRateThreshold > 0 && config.failureRateThreshold <= 1, 'failureRateThreshold is in (0, 1]');
    assert(config.openMs > 0, 'openMs is positive');
    this.window = new SlidingWindow(config.windowMs, config.slowCallMs);
  }

  /** The state at `nowMs` (an open breaker whose wait is over reads as half-open). */
  state(nowMs: number): BreakerState {
    if (this.current === 'open' && nowMs >= this.openedAt + this.config.openMs)
      this.move('half-open', nowMs, `${this.config.openMs} ms have passed since it opened`);
    return this.current;
  }

  /** May a call go through now? A call it allows must report its outcome with `record`. */
  allow(nowMs: number): boolean {
    const s = this.state(nowMs);
    if (s === 'closed') return true;
    if (s === 'half-open' && this.probesSent < this.config.halfOpenCalls) {
      this.probesSent++;
      return true;
    }
    this.refused++;
    return false;
  }

  /** The outcome of a call that `allow` let through. */
  record(nowMs: number, durationMs: number, ok: boolean): void {
    const s = this.state(nowMs);
    const slow = durationMs >= this.config.slowCallMs;
    if (s === 'closed') {
      this.window.add(nowMs, durationMs, !ok);
      this.judgeWindow(nowMs);
    } else if (s === 'half-open') {
      this.probes.push({ failed: !ok, slow });
      if (this.probes.length >= this.config.halfOpenCalls) this.judgeProbes(nowMs);
    }
    // Outcomes of calls that were let through before the breaker opened change nothing.
  }

  private judgeWindow(nowMs: number): void {
    const n = this.window.count(nowMs);
    if (n < this.config.minCalls) return;
    const failures = this.window.failureCount(nowMs);
    const slow = this.window.slowCount(nowMs, this.config.slowCallMs);
    const { windowMs, failureRateThreshold, slowCallRateThreshold, slowCallMs } = this.config;
    if (failures / n >= failureRateThreshold) {
      this.open(
        nowMs,
        `${failures} of the last ${n} calls (in ${windowMs} ms) failed: ${pct(failures / n)}, at or above its ${pct(failureRateThreshold)} threshold`,
      );
    } else if (slow / n >= slowCallRateThreshold) {
      this.open(
        nowMs,
        `${slow} of the last ${n} calls (in ${windowMs} ms) took ${slowCallMs} ms or more: ${pct(slow / n)}, at or above its ${pct(slowCallRateThreshold)} threshold`,
      );
    }
  }

  private judgeProbes(nowMs: number): void {
    const n = this.probes.length;
    const failed = this.probes.filter((p) => p.failed).length;
    const slow = this.probes.filter((p) => p.slow).length;
    if (failed / n >= this.config.failureRateThreshold || slow / n >= this.config.slowCallRateThreshold) {
      this.open(nowMs, `${failed} of ${n} probe calls failed and ${slow} were slow`);
    } else {
      this.window.clear();
      this.move('closed', nowMs, `${n} of ${n} probe calls succeeded`);
    }
  }

  private open(nowMs: number, reason: string): void {
    this.openedAt = nowMs;
    this.opened++;
    this.move('open', nowMs, reason);
  }

  private move(to: BreakerState, nowMs: number, reason: string): void {
    const from = this.current;
    this.current = to;
    this.probesSent = 0;
    this.probes = [];
    this.onTransition({ from, to, atMs: nowMs, reason });
  }
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
