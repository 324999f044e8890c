/**
 * HotKeyAuditor: the all-seeing record of the posts' likes and views, kept apart from the
 * nodes. The users report each like they make; app servers each like acknowledged, each
 * request they send a shard node, each count they show and each refresh of their cache.
 * It judges, in true time:
 *
 *  - no node is offered more work than it can serve (an OfferedLoad over the shard nodes,
 *    charged when the users made the request, so faults that slow a node do not count;
 *    judged at the end, over the whole run);
 *  - a count a strategy claims is fresh includes every like acknowledged before it was read
 *    from the shards (for a cached count: before the refresh that fetched it began);
 *  - a cache refreshes single-flight: at most one refresh in flight per app server;
 *  - a cached count is served at most `cacheTtlMs` after its refresh began, as the app
 *    server's own clock measures it (the clock the TTL trusts; the auditor reads it itself);
 *
 * keeps the counts for the end checks (every acknowledged like counted, none twice), and
 * measures what each strategy costs: staleness, backend requests per view.
 */
import type { NodeId } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';
import { OfferedLoad } from '../parts/storage/offered-load.ts';
import { CELEBRITY } from './workload.ts';

export interface AuditorConfig {
  /** The shard nodes (primaries and replicas), in the order `offered` indexes them. */
  stores: readonly string[];
  serviceMs: number;
  backlogMax: number;
  cacheTtlMs: number;
}

interface RefreshRecord {
  /** The app server's clock when the refresh began. */
  startedClockMs: number;
  /** Likes acknowledged when it began. */
  ackedAtStart: number;
  inFlight: boolean;
}

export class HotKeyAuditor {
  readonly load: OfferedLoad;
  private readonly storeIndex: Map<string, number>;
  /** Likes sent and acknowledged per post, and when the latest of each happened (for witnesses). */
  readonly sent = new Map<string, number>();
  readonly acked = new Map<string, number>();
  private readonly lastSentAt = new Map<string, number>();
  private readonly lastAckedAt = new Map<string, number>();
  /** True times at which the celebrity's likes were acknowledged, in order. */
  private readonly celebrityAcks: number[] = [];
  private readonly refreshes = new Map<string, RefreshRecord>();
  readonly readLatencyMs: number[] = [];
  readonly likeLatencyMs: number[] = [];
  readonly stalenessMs: number[] = [];
  /** The latency of the latest view, until a chart takes it. */
  private latestViewLatencyMs: number | null = null;
  reads = 0;
  staleReads = 0;
  backendRequests = 0;
  cacheHits = 0;

  constructor(
    private readonly world: World<unknown>,
    private readonly config: AuditorConfig,
  ) {
    this.storeIndex = new Map(config.stores.map((name, i) => [name, i]));
    this.load = new OfferedLoad(config.stores.length, config.serviceMs, config.backlogMax);
  }

  /** Judges the load offered to every shard node over the whole run (an end check): each one overloaded is a violation. */
  judgeLoad(): void {
    for (const { server, backlog, atMs } of this.load.overloads().reports) {
      const node = this.config.stores[server]!;
      this.world.violate(
        'no-overloaded-shard',
        `${node} is offered more than the ${Math.round(1000 / this.config.serviceMs)} requests per second it can serve: ${backlog} requests would be queued at its nominal speed`,
        { node, witnesses: [{ t: atMs, node, what: 'the request that pushed its queue past the limit was made' }] },
      );
    }
  }

  /**
   * Judges the counts the primaries ended with (an end check), per post: every like
   * acknowledged is counted, and no post has more likes counted than users gave it.
   */
  judgeCounts(counted: ReadonlyMap<string, number>): void {
    const lost: { key: string; text: string }[] = [];
    const twice: { key: string; text: string }[] = [];
    for (const [key, sent] of this.sent) {
      const n = counted.get(key) ?? 0;
      const acked = this.acked.get(key) ?? 0;
      if (n < acked) lost.push({ key, text: `${key} counts ${n} of the ${acked} acknowledged` });
      if (n > sent) twice.push({ key, text: `${key} counts ${n}, but users liked it ${sent} time${sent === 1 ? '' : 's'}` });
    }
    for (const [key, n] of counted) if (!this.sent.has(key) && n > 0) twice.push({ key, text: `${key} counts ${n}, but users never liked it` });
    const some = (list: { text: string }[]): string =>
      `${list
        .slice(0, 3)
        .map((x) => x.text)
        .join('; ')}${list.length > 3 ? '; ...' : ''}`;
    const witnesses = (list: { key: string }[], at: ReadonlyMap<string, number>, what: string) =>
      list.slice(0, 3).flatMap(({ key }) => (at.has(key) ? [{ t: at.get(key)!, key, what }] : []));
    if (lost.length > 0) {
      this.world.violate('no-acknowledged-like-lost', `acknowledged likes are missing: ${some(lost)}`, {
        witnesses: witnesses(lost, this.lastAckedAt, 'the latest like of it acknowledged'),
      });
    }
    if (twice.length > 0) {
      this.world.violate('no-like-counted-twice', `likes were counted twice: ${some(twice)}`, {
        witnesses: witnesses(twice, this.lastSentAt, 'the latest like of it made'),
      });
    }
  }

  /** The shard node `name` is sent a request the users made at `atMs` (a first attempt). */
  offered(name: string, atMs: number): void {
    this.load.charge(this.storeIndex.get(name)!, atMs);
  }

  /** Requests offered to the shard node `name` so far. */
  offeredTo(name: string): number {
    return this.load.offeredTo(this.storeIndex.get(name)!);
  }

  likeSent(key: string): void {
    this.sent.set(key, (this.sent.get(key) ?? 0) + 1);
    this.lastSentAt.set(key, this.world.now);
  }

  /** A like of `key` (the post, whatever piece it went to) the users made at `madeAtMs` was acknowledged. */
  likeAcked(key: string, madeAtMs: number): void {
    this.acked.set(key, (this.acked.get(key) ?? 0) + 1);
    this.lastAckedAt.set(key, this.world.now);
    this.likeLatencyMs.push(this.world.now - madeAtMs);
    if (key === CELEBRITY) this.celebrityAcks.push(this.world.now);
  }

  /** The celebrity's likes acknowledged so far (what a count read from now on must include). */
  get celebrityAcked(): number {
    return this.celebrityAcks.length;
  }

  /**
   * A view of the celebrity's post showed `count`; `ackedAtRead` likes had been acknowledged
   * when the count was read from the shards, `issuedAt` is when the view began.
   */
  celebrityView(app: string, count: number, ackedAtRead: number, issuedAt: number, backendRequests: number, fromCache: boolean): void {
    const now = this.world.now;
    this.reads++;
    this.backendRequests += backendRequests;
    if (fromCache) this.cacheHits++;
    this.readLatencyMs.push(now - issuedAt);
    this.latestViewLatencyMs = now - issuedAt;
    const ackedNow = this.celebrityAcks.length;
    if (count < ackedNow) {
      this.staleReads++;
      // How long the oldest like it missed had been acknowledged.
      this.stalenessMs.push(Math.max(0, now - this.celebrityAcks[Math.max(0, count)]!));
    }
    if (count < ackedAtRead) {
      this.world.violate(
        'counts-include-acknowledged-likes',
        `${app} showed ${count} likes on the celebrity’s post, but ${ackedAtRead} had been acknowledged before that count was read`,
        { node: app, witnesses: [{ t: this.celebrityAcks[count]!, key: CELEBRITY, what: `like #${count + 1} acknowledged` }] },
      );
    }
  }

  /** The latency of the latest view since the last call (null: none), for the latency chart. */
  takeLatestViewLatency(): number | null {
    const v = this.latestViewLatencyMs;
    this.latestViewLatencyMs = null;
    return v;
  }

  /** `app` (re)started: whatever it had in flight died with it. */
  appStarted(app: string): void {
    this.refreshes.delete(app);
  }

  /** `app` sends a refresh of its cached count to the shards. */
  refreshStarted(app: string, appNode: NodeId): void {
    const r = this.refreshes.get(app);
    if (r?.inFlight) {
      this.world.violate('single-flight', `${app} starts a second refresh of the celebrity’s count while one is still in flight`, {
        node: app,
        witnesses: [{ t: this.world.now, node: app, key: CELEBRITY, what: 'the second refresh began' }],
      });
    }
    this.refreshes.set(app, { startedClockMs: this.world.sim.clockOf(appNode), ackedAtStart: this.celebrityAcks.length, inFlight: true });
  }

  /** The refresh `app` had in flight ended (filled the cache, or abandoned). */
  refreshEnded(app: string): void {
    const r = this.refreshes.get(app);
    if (r !== undefined) r.inFlight = false;
  }

  /** Likes acknowledged when `app`'s latest refresh began. */
  ackedAtRefresh(app: string): number {
    return this.refreshes.get(app)?.ackedAtStart ?? 0;
  }

  /** `app` answers a view from its cache. */
  cacheServed(app: string, appNode: NodeId): void {
    const r = this.refreshes.get(app);
    if (r === undefined) return;
    const ageMs = this.world.sim.clockOf(appNode) - r.startedClockMs;
    if (ageMs > this.config.cacheTtlMs) {
      this.world.violate(
        'cache-ttl-honoured',
        `${app} answers a view from a count it began fetching ${Math.round(ageMs).toLocaleString('en-US')} ms ago by its own clock, past the ${this.config.cacheTtlMs} ms TTL`,
        { node: app, witnesses: [{ t: this.world.now, node: app, key: CELEBRITY, what: 'the expired count was served' }] },
      );
    }
  }
}
