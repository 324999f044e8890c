/**
 * TrafficMonitor: what a dashboard shows about user traffic, kept by the side of the system.
 * It listens to the clients' outcomes (it is a `RequestLog`) and keeps totals, the latency
 * of every answered request and, when asked to (`windows`), sliding windows of recent
 * attempts (error rate, p99) and recent reads (hit ratio: the share answered from the cache).
 *
 * The windows feed charts and narration only, so a scenario keeps them when a trace is
 * recorded and a property check (thousands of untraced runs) does not pay for them.
 */
import { SlidingWindow } from '../resilience/sliding-window.ts';
import type { AttemptOutcome, RequestOutcome } from './open-loop-clients.ts';

export interface Recent {
  /** Share of the reads answered from the cache (null: no read finished in the window). */
  hitRatio: number | null;
  errorRate: number;
  latencyP99Ms: number;
  attempts: number;
}

export class TrafficMonitor {
  readonly attemptsWindow: SlidingWindow;
  readonly readsWindow: SlidingWindow;
  readonly readLatencyMs: number[] = [];
  readonly writeLatencyMs: number[] = [];
  requests = 0;
  reads = 0;
  writes = 0;
  failed = 0;
  readsFromCache = 0;
  readsOk = 0;
  attempts = 0;
  attemptsFailed = 0;

  constructor(
    windowMs: number,
    /** Keep the sliding windows (for charts and narration); `recent` needs them. */
    readonly windows = true,
  ) {
    this.attemptsWindow = new SlidingWindow(windowMs);
    this.readsWindow = new SlidingWindow(windowMs);
  }

  attemptDone(o: AttemptOutcome, nowMs: number): void {
    this.attempts++;
    if (!o.ok) this.attemptsFailed++;
    if (this.windows) this.attemptsWindow.add(nowMs, o.latencyMs, !o.ok);
  }

  finished(o: RequestOutcome, nowMs: number): void {
    this.requests++;
    if (o.request.kind === 'read') this.reads++;
    else this.writes++;
    if (!o.ok) {
      this.failed++;
      return;
    }
    if (o.request.kind !== 'read') {
      this.writeLatencyMs.push(o.latencyMs);
      return;
    }
    this.readsOk++;
    this.readLatencyMs.push(o.latencyMs);
    const fromCache = o.response?.detail === 'cache';
    if (fromCache) this.readsFromCache++;
    // The window's "failures" are misses: its failure rate is the miss ratio.
    if (this.windows) this.readsWindow.add(nowMs, o.latencyMs, !fromCache);
  }

  /** Share of answered reads served from the cache, over the run. */
  get hitRatio(): number {
    return this.readsOk === 0 ? 0 : this.readsFromCache / this.readsOk;
  }

  get errorRate(): number {
    return this.requests === 0 ? 0 : this.failed / this.requests;
  }

  /**
   * The hit ratio over the recent window alone (null when no read finished): what a hit-ratio
   * chart samples, without the p99 that `recent` sorts the window for (a traced run's samplers
   * ran about 5% of a large cache-strategies run sorting for a p99 no chart read).
   */
  recentHitRatio(nowMs: number): number | null {
    return this.readsWindow.count(nowMs) === 0 ? null : 1 - this.readsWindow.failureRate(nowMs);
  }

  /** Over the recent window: hit ratio (null when no read finished), error rate of attempts, p99 of attempts. */
  recent(nowMs: number): Recent {
    return {
      hitRatio: this.recentHitRatio(nowMs),
      errorRate: this.attemptsWindow.failureRate(nowMs),
      latencyP99Ms: this.attemptsWindow.percentile(nowMs, 99),
      attempts: this.attemptsWindow.count(nowMs),
    };
  }
}
