/**
 * The incident monitor of redis-outage: the dashboard and the incident channel.
 *
 * Every `sampleMs` it reads the system's gauges (the database's pool, the traffic the users
 * see, the breakers) and keeps the latest reading (`latest`), which the scenario's charts
 * read, and the peaks and recovery time its metrics report. It also narrates
 * the incident as it happens, the way an incident review reads afterwards: Redis stops
 * answering; the database's load climbs past what it can serve; its queue fills; queries
 * start waiting longer than their callers will; retries amplify the load; errors climb;
 * Redis comes back; the service recovers, or does not. Each line carries the numbers that
 * made it true, and each fires once per episode (with hysteresis), not on every sample.
 *
 * It follows the first outage of a run (its recovery time is measured from the moment Redis
 * first answers again), and it judges nothing: the invariant is the database observer's.
 */
import type { World } from '../framework/scenario.ts';
import type { CacheNodeStats } from '../parts/cache/cache-node.ts';
import type { DatabaseLoad } from '../parts/storage/database.ts';
import type { Recent, TrafficMonitor } from '../parts/workload/traffic-monitor.ts';

export interface MonitorConfig {
  sampleMs: number;
  apps: readonly string[];
  /** Redis and the database, by name. */
  redis: string;
  db: string;
  /** Queries per ms the database can serve (connections / mean query time). */
  capacityPerMs: number;
  connections: number;
  queueLimit: number;
  appDbTimeoutMs: number;
  clientTimeoutMs: number;
}

export interface IncidentSummary {
  outageAt: number | null;
  backAt: number | null;
  recoveredAt: number | null;
  baselineHitRatio: number;
  errorRatePeak: number;
  latencyP99PeakMs: number;
  loadPeak: number;
  amplificationPeak: number;
  /** The last 100 ms of the workload: error rate and hit ratio (null: no read answered). */
  errorRateAtEnd: number;
  hitRatioAtEnd: number | null;
}

/** The monitor's last reading of the gauges its charts show. */
export interface IncidentReading {
  offeredPerSec: number;
  errorRate: number;
  latencyP99Ms: number;
  hitRatio: number | null;
  amplification: number;
}

const fmt = (ms: number): string => Math.round(ms).toLocaleString('en-US');
const pct = (x: number): string => `${Math.round(x * 100)}%`;

export class IncidentMonitor {
  readonly summary: IncidentSummary = {
    outageAt: null,
    backAt: null,
    recoveredAt: null,
    baselineHitRatio: 1,
    errorRatePeak: 0,
    latencyP99PeakMs: 0,
    loadPeak: 0,
    amplificationPeak: 0,
    errorRateAtEnd: 0,
    hitRatioAtEnd: null,
  };
  private arrivedBefore = 0;
  private attemptsBefore = 0;
  private requestsSeen = 0;
  /** Per-sample counts of the last 100 ms: database arrivals, attempts, user requests. */
  private readonly recentArrived: number[] = [];
  private readonly recentAttempts: number[] = [];
  private readonly recentRequests: number[] = [];
  /** Episode flags: each narration fires once until its condition clears. */
  private readonly said = new Set<string>();
  private queueMark = 0;
  private errorMark = 0;
  readonly latest: IncidentReading = { offeredPerSec: 0, errorRate: 0, latencyP99Ms: 0, hitRatio: null, amplification: 0 };

  constructor(
    private readonly world: World<unknown>,
    private readonly config: MonitorConfig,
    private readonly db: DatabaseLoad,
    private readonly traffic: TrafficMonitor,
    private readonly cache: CacheNodeStats,
  ) {}

  /** Counts a user request as it arrives (for amplification: attempts and queries per request). */
  requestArrived(): void {
    this.requestsSeen++;
  }

  start(): void {
    this.world.sim.every(this.config.sampleMs, () => this.sample(), this.config.sampleMs, this.world.endMs);
    this.world.atEnd(() => this.closing());
  }

  private sample(): undefined {
    const c = this.config;
    const now = this.world.now;
    const db = this.db;
    const inWorkload = now <= this.world.workloadMs;
    const recent = this.recent(now, (inWorkload && this.world.metricsRead) || this.world.sim.tracing);
    // Rates over the last 100 ms: a 10 ms window of a Poisson stream is mostly noise.
    const windowSamples = Math.max(1, Math.round(100 / c.sampleMs));
    const arrived = this.push(this.recentArrived, db.arrived - this.arrivedBefore, windowSamples);
    const attempts = this.push(this.recentAttempts, this.traffic.attempts - this.attemptsBefore, windowSamples);
    const requests = this.push(this.recentRequests, this.requestsSeen, windowSamples);
    this.arrivedBefore = db.arrived;
    this.attemptsBefore = this.traffic.attempts;
    this.requestsSeen = 0;
    const spanMs = this.recentArrived.length * c.sampleMs;
    const offeredPerMs = arrived / spanMs;
    const load = offeredPerMs / c.capacityPerMs;
    const amplification = requests === 0 ? 0 : arrived / requests;

    const latest = this.latest;
    latest.offeredPerSec = offeredPerMs * 1000;
    latest.errorRate = recent.errorRate;
    latest.latencyP99Ms = recent.latencyP99Ms;
    latest.hitRatio = recent.hitRatio;
    latest.amplification = amplification;

    const s = this.summary;
    if (inWorkload) {
      s.errorRatePeak = Math.max(s.errorRatePeak, recent.errorRate);
      s.latencyP99PeakMs = Math.max(s.latencyP99PeakMs, recent.latencyP99Ms);
      s.loadPeak = Math.max(s.loadPeak, load);
      if (requests >= 10) s.amplificationPeak = Math.max(s.amplificationPeak, amplification);
      s.errorRateAtEnd = recent.errorRate;
      s.hitRatioAtEnd = recent.hitRatio;
    }

    this.followRedis(now, recent.hitRatio, load);
    if (!inWorkload) return undefined;
    this.followDatabase(offeredPerMs, load);
    this.followErrors(recent, attempts, requests, arrived);
    this.followRecovery(now, recent);
    return undefined;
  }

  /**
   * The traffic of the last 100 ms, as `TrafficMonitor.recent` reads it. Its p99 (a sort of the
   * window) is read only where something uses it: during the workload for the peak metric (when
   * the metrics are read: a check skips it), and for the charts and narration when a trace is
   * recorded; otherwise the last one stands. No invariant or goal reads it.
   */
  private recent(now: number, withP99: boolean): Recent {
    const t = this.traffic;
    const reads = t.readsWindow.count(now);
    return {
      hitRatio: reads === 0 ? null : 1 - t.readsWindow.failureRate(now),
      errorRate: t.attemptsWindow.failureRate(now),
      latencyP99Ms: withP99 ? t.attemptsWindow.percentile(now, 99) : this.latest.latencyP99Ms,
      attempts: t.attemptsWindow.count(now),
    };
  }

  /** Appends a per-sample count, keeps the last `n`, returns their sum. */
  private push(counts: number[], value: number, n: number): number {
    counts.push(value);
    if (counts.length > n) counts.shift();
    let sum = 0;
    for (const x of counts) sum += x;
    return sum;
  }

  private followRedis(now: number, hitRatio: number | null, load: number): void {
    const s = this.summary;
    const status = this.world.status(this.config.redis);
    if (status === 'up' && s.outageAt === null && hitRatio !== null) s.baselineHitRatio = hitRatio;
    if (status !== 'up' && s.outageAt === null) {
      s.outageAt = now;
      this.world.note(
        () =>
          `Redis stops answering at ${fmt(now)} ms (${status === 'down' ? 'its process is gone' : 'it is stalled'}). Until now the cache answered ${pct(s.baselineHitRatio)} of reads and the database ran at ${pct(load)} of its capacity; every read Redis would have answered must now come from the database or nowhere.`,
        'warn',
      );
    }
    if (status === 'up' && s.outageAt !== null && s.backAt === null && now > s.outageAt) {
      s.backAt = now;
      const keys = this.cache.store?.size ?? 0;
      const queued = this.db.queued;
      this.world.note(
        () =>
          `Redis answers again at ${fmt(now)} ms, ${fmt(now - s.outageAt!)} ms after it stopped, ${keys === 0 ? 'empty: every read will miss until the cache refills' : `with ${keys} keys (it stalled, it did not lose its memory)`}.${
            queued >= this.config.queueLimit / 4
              ? ` But the database is still drowning, ${queued} queries deep: every miss joins that queue, and a miss refills the cache only if its query comes back in time.`
              : ''
          }`,
        'key',
      );
    }
  }

  private followDatabase(offeredPerMs: number, load: number): void {
    const c = this.config;
    const db = this.db;
    if (load >= 1.2 && !this.said.has('overload')) {
      this.said.add('overload');
      this.world.note(
        () =>
          `the database is asked for ${fmt(offeredPerMs * 1000)} queries/s, ${pct(load)} of the ${fmt(c.capacityPerMs * 1000)} it can serve (${c.connections} connections): the queue can only grow`,
        'warn',
      );
    } else if (load < 0.8 && this.said.has('overload') && db.queued === 0) {
      this.said.delete('overload');
      this.world.note(() => `the database is back under its capacity: ${fmt(offeredPerMs * 1000)} queries/s, its queue empty`, 'key');
    }
    const marks = [0.25, 0.5, 1];
    const level = marks.filter((m) => db.queued >= Math.max(1, Math.floor(m * c.queueLimit))).length;
    if (level > this.queueMark) {
      const waitMs = db.queued / c.capacityPerMs;
      this.world.note(
        () =>
          level === 3
            ? `the database's queue is full: ${db.queued} queries waiting behind ${db.busy} busy connections; new queries are refused`
            : `the database's queue holds ${db.queued} queries (${pct(db.queued / c.queueLimit)} of its limit of ${c.queueLimit}): a new query waits about ${fmt(waitMs)} ms for a connection`,
        level === 3 ? 'warn' : 'key',
      );
      this.showDb(level === 3 ? 'overloaded' : 'saturated', `${db.busy} busy, ${db.queued} waiting`);
    }
    // Hysteresis: a mark is passed again only after the queue has drained below half of it.
    const drained = marks.filter((m) => db.queued >= Math.max(1, Math.floor((m * c.queueLimit) / 2))).length;
    if (level > this.queueMark) this.queueMark = level;
    else if (drained < this.queueMark) {
      this.queueMark = drained;
      if (drained === 0) this.showDb('ok');
    }
    const waitMs = db.queued / c.capacityPerMs;
    if (waitMs > c.appDbTimeoutMs && !this.said.has('zombies')) {
      this.said.add('zombies');
      this.world.note(
        () =>
          `a query now waits about ${fmt(waitMs)} ms for a connection, longer than the apps wait for an answer (${fmt(c.appDbTimeoutMs)} ms): they give up and report an error, but the database still runs every abandoned query. It is busy working for callers that have left.`,
        'warn',
      );
    } else if (waitMs < c.appDbTimeoutMs / 2) this.said.delete('zombies');
  }

  /** The database's state on the topology (shown only when a trace is recorded). */
  private showDb(state: string, detail?: string): void {
    const sim = this.world.sim;
    if (sim.tracing) sim.state(this.world.lookup(this.config.db), state, detail);
  }

  private followErrors(recent: { errorRate: number; latencyP99Ms: number }, attempts: number, requests: number, arrived: number): void {
    const c = this.config;
    const marks = [0.05, 0.25, 0.5, 0.9];
    const level = marks.filter((m) => recent.errorRate >= m).length;
    if (level > this.errorMark) {
      this.world.note(
        () =>
          `error rate ${pct(recent.errorRate)} over the last 100 ms; p99 latency ${fmt(recent.latencyP99Ms)} ms${recent.latencyP99Ms >= c.clientTimeoutMs ? ' (users are timing out)' : ''}`,
        level >= 3 ? 'warn' : 'key',
      );
    }
    if (level === 0 || level > this.errorMark) this.errorMark = level;
    const amplification = requests === 0 ? 0 : arrived / requests;
    if (requests >= 10 && attempts > requests * 1.3 && !this.said.has('retries')) {
      this.said.add('retries');
      this.world.note(
        () =>
          `users retry: in the last 100 ms ${requests} requests arrived and ${attempts} attempts were made. ${
            amplification > 1
              ? `The database received ${arrived} queries, ${amplification.toFixed(1)} per user request: the retries land on the part that is already failing, and failure feeds itself.`
              : `The database received ${arrived} queries, ${amplification.toFixed(1)} per user request: the retries are turned away before they reach it.`
          }`,
        amplification > 1 ? 'warn' : 'key',
      );
    } else if (attempts <= requests * 1.05) this.said.delete('retries');
  }

  private followRecovery(now: number, recent: { errorRate: number; hitRatio: number | null }): void {
    const s = this.summary;
    if (s.backAt === null || s.recoveredAt !== null) return;
    if (recent.errorRate <= 0.01 && recent.hitRatio !== null && recent.hitRatio >= 0.8 * s.baselineHitRatio) {
      // Healthy over the whole trailing window: the service has been healthy since its start.
      s.recoveredAt = Math.max(s.backAt, now - this.traffic.attemptsWindow.windowMs);
      this.world.note(
        () =>
          `recovered: since ${fmt(s.recoveredAt!)} ms, ${fmt(s.recoveredAt! - s.backAt!)} ms after Redis came back, errors are at ${pct(recent.errorRate)} and the hit ratio at ${pct(recent.hitRatio!)} (${pct(s.baselineHitRatio)} before the outage)`,
        'key',
      );
    }
  }

  private closing(): void {
    const s = this.summary;
    if (s.backAt !== null && s.recoveredAt === null && s.backAt < this.world.workloadMs) {
      this.world.note(
        () =>
          `the workload ended ${fmt(this.world.workloadMs - s.backAt!)} ms after Redis came back and the service had not recovered: ${pct(s.errorRateAtEnd)} of attempts were failing and the hit ratio was ${s.hitRatioAtEnd === null ? 'unknown (no read succeeded)' : pct(s.hitRatioAtEnd)}, against ${pct(s.baselineHitRatio)} before the outage.`,
        'warn',
      );
    }
  }

  /** Time from Redis answering again to recovery; 0 when there was no outage or Redis came back after the workload. */
  recoveryMs(): number {
    const s = this.summary;
    if (s.backAt === null || s.backAt >= this.world.workloadMs) return 0;
    return (s.recoveredAt ?? this.world.workloadMs) - s.backAt;
  }
}
