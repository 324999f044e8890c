/**
 * GuardAudit: the promises of the guards the breaker strategies put around Redis and the
 * database, checked as the run goes.
 *
 * - A circuit breaker that is open lets no call through; a half-open one lets through only
 *   its `halfOpenCalls` probes until they are judged (Nygard's state machine).
 * - A connection pool (a bulkhead) of n connections keeps at most n of its process's queries
 *   at the database at once, running or waiting: a connection is not handed back while the
 *   database still works on its query. Counted at the database, per client process (the
 *   application name each query carries), so it holds whatever the app believes.
 * - A token bucket of rate r and burst b lets an app send the database at most b + r·T
 *   queries' worth of cost over any interval T of its own clock — the share of the safe rate
 *   the app promised to stay within. The audit keeps its own bucket per app, written apart
 *   from the one it judges, on the same clock (the app's: a limiter measures time with the
 *   clock it has, and what a fast clock lets through is the database's problem, judged by
 *   the capacity invariant).
 *
 * The app servers report their breakers' transitions and each call they send; the audit is
 * never consulted by the system it judges.
 */
import type { World } from '../framework/scenario.ts';
import { fmtMs } from '../parts/cache/cache-tier.ts';
import type { BreakerState } from '../parts/resilience/circuit-breaker.ts';

export const BREAKER_ADMITS_PROBES = 'breaker-admits-probes';
export const DB_RATE_LIMITED = 'db-rate-limited';
export const DB_POOL_SHARE = 'db-pool-share';

interface BreakerView {
  state: BreakerState;
  since: number;
  probes: number;
}

interface Allowance {
  tokens: number;
  atMs: number;
}

export interface GuardLimits {
  halfOpenCalls: number;
  /** Per app: its share of the database rate, in cost per ms of its clock, and its burst. */
  dbRatePerMs: number;
  dbBurst: number;
  /** Per app process: the connections of its pool. */
  dbPoolSize: number;
}

export class GuardAudit {
  /** Per app, per dependency (two lookups instead of an `app/dependency` key spelt at every call). */
  private readonly breakers = new Map<string, Map<string, BreakerView>>();
  private readonly allowances = new Map<string, Allowance>();
  /** Queries at the database, running or waiting, per client process. */
  private readonly atDb = new Map<string, number>();

  constructor(
    private readonly world: World<unknown>,
    private readonly limits: GuardLimits,
  ) {}

  /** `app`'s breaker on `dependency` moved to `to`. */
  transition(app: string, dependency: string, to: BreakerState): void {
    let ofApp = this.breakers.get(app);
    if (ofApp === undefined) this.breakers.set(app, (ofApp = new Map()));
    ofApp.set(dependency, { state: to, since: this.world.now, probes: 0 });
  }

  /** `app` sent a call to `dependency` through its breaker. */
  breakerCall(app: string, dependency: string): void {
    const b = this.breakers.get(app)?.get(dependency);
    if (b === undefined || b.state === 'closed') return;
    if (b.state === 'half-open' && ++b.probes <= this.limits.halfOpenCalls) return;
    const why =
      b.state === 'open'
        ? `while its breaker had been open since ${fmtMs(b.since)} ms`
        : `as half-open probe ${b.probes}, past the ${this.limits.halfOpenCalls} a half-open breaker allows`;
    this.world.violate(BREAKER_ADMITS_PROBES, `${app} called ${dependency} ${why}`, {
      node: app,
      witnesses: [
        { t: b.since, node: app, what: `${app}'s ${dependency} breaker went ${b.state}` },
        { t: this.world.now, node: app, what: `${app} called ${dependency}` },
      ],
    });
  }

  /** `app` sent the database a query of `cost` tokens, at `clockMs` on its own clock. */
  dbCall(app: string, cost: number, clockMs: number): void {
    const { dbRatePerMs, dbBurst } = this.limits;
    const a = this.allowances.get(app) ?? { tokens: dbBurst, atMs: clockMs };
    // Only forward time refills; a clock that jumps back refills nothing until it catches up.
    if (clockMs > a.atMs) {
      a.tokens = Math.min(dbBurst, a.tokens + (clockMs - a.atMs) * dbRatePerMs);
      a.atMs = clockMs;
    }
    a.tokens -= cost;
    this.allowances.set(app, a);
    if (a.tokens >= -1e-9) return;
    this.world.violate(
      DB_RATE_LIMITED,
      `${app} sent the database more than its share: ${(-a.tokens).toFixed(3)} queries' worth past a burst of ${dbBurst} and ${dbRatePerMs * 1000} per second`,
      {
        node: app,
        witnesses: [{ t: this.world.now, node: app, what: `${app} queried the database beyond its rate limit` }],
      },
    );
    a.tokens = 0;
  }

  /** The database started: it holds no query. */
  dbStarted(): void {
    this.atDb.clear();
  }

  /** A query of `client` (`app#incarnation`) reached the database. */
  dbArrived(client: string): void {
    const n = (this.atDb.get(client) ?? 0) + 1;
    this.atDb.set(client, n);
    if (n <= this.limits.dbPoolSize) return;
    const app = client.split('#')[0]!;
    this.world.violate(DB_POOL_SHARE, `the database holds ${n} queries of ${app}, more than the ${this.limits.dbPoolSize} connections of its pool`, {
      node: app,
      witnesses: [{ t: this.world.now, node: 'db', what: `${n} of ${app}'s queries at the database at once` }],
    });
  }

  /** A query of `client` left the database (answered, refused or timed out waiting). */
  dbLeft(client: string): void {
    const n = this.atDb.get(client) ?? 0;
    if (n > 0) this.atDb.set(client, n - 1);
  }

  /** `app` restarted: its breakers start closed and its bucket full, as a new process's do. */
  restarted(app: string): void {
    this.breakers.delete(app);
    this.allowances.delete(app);
  }
}
