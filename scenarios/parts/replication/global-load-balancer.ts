/**
 * GlobalLoadBalancer: the traffic director in front of several regions (DNS-based or anycast
 * in real life). It health-checks every region on a fixed period, marks a region down after
 * `failAfter` checks in a row go unanswered and up again after `recoverAfter` answered
 * ones, and tells each client which region to use:
 *
 *  - active-passive: everyone goes to the one active region; when it is marked down and
 *    another region is up, the balancer fails over to that one (the caller promotes it).
 *    Each failover opens a new epoch (a fencing token): the active region and its epoch are
 *    one record on the balancer's disk, forced before anyone hears of the failover, so a
 *    balancer that crashes mid-failover never comes back with the new region and the old
 *    epoch, nor hands out an epoch twice. No automatic failback: a recovered region is told
 *    to follow the active one.
 *  - active-active: each client goes to its home region (the nearest), or to another region
 *    that is up while its home is down.
 *
 * It only knows what its health checks tell it. A region cut off from the balancer but
 * still reachable by some clients is "down" to the balancer and "up" to those clients:
 * the seed of split brain. Clients keep the last route they heard until told another.
 */
import { assert, type NodeContext, type NodeId } from '../../../engine/index.ts';

export type GlbMessage =
  | { type: 'glb-ping'; round: number }
  | { type: 'glb-pong'; round: number }
  | { type: 'glb-route'; region: string; node: NodeId }
  | { type: 'glb-where' };

/** The tag of the balancer's health-check timer. */
export type GlbTimer = { kind: 'glb:check' };

export interface GlbRegion {
  name: string;
  /** The node that answers health checks and takes the region's traffic. */
  node: NodeId;
}

export interface GlbClient {
  node: NodeId;
  /** The client's nearest region. */
  home: string;
}

export interface GlobalLoadBalancerConfig {
  policy: 'active-passive' | 'active-active';
  regions: readonly GlbRegion[];
  clients: readonly GlbClient[];
  healthCheckMs: number;
  failAfter: number;
  recoverAfter: number;
  /** Active-passive: `to` is the active region now, writing in `epoch` (already forced). */
  onFailover?: (from: GlbRegion, to: GlbRegion, epoch: number) => void;
  /** A region marked down is up again. */
  onRecovered?: (region: GlbRegion) => void;
  /** A region is marked down. */
  onDown?: (region: GlbRegion) => void;
  /** Called at every round of health checks, after it was scored (a control plane's reconciliation tick). */
  onRound?: () => void;
  /** Every this many rounds each client is told its route again, changed or not (a DNS TTL). */
  refreshRounds: number;
}

/** The active region and its epoch, as one record on the balancer's disk. */
interface ActiveRecord {
  active: string;
  epoch: number;
}

const ACTIVE = 'glb:active';

interface Health {
  region: GlbRegion;
  up: boolean;
  misses: number;
  hits: number;
  answered: boolean;
}

export class GlobalLoadBalancer {
  private readonly health: Health[];
  private round = 0;
  private readonly tag: GlbTimer = { kind: 'glb:check' };
  /** The client's current route (region name), as last told to it. */
  private readonly told = new Map<NodeId, string>();

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: any message type that includes GlbMessage.
    private readonly ctx: NodeContext<any>,
    private readonly config: GlobalLoadBalancerConfig,
  ) {
    assert(config.regions.length >= 2, 'a global load balancer fronts at least two regions');
    this.health = config.regions.map((region) => ({ region, up: this.durableUp(region.name), misses: 0, hits: 0, answered: true }));
    if (this.ctx.disk.get<ActiveRecord>(ACTIVE) === undefined) this.remember({ active: config.regions[0]!.name, epoch: 1 });
    this.check();
  }

  /** Active-passive: the region taking all traffic (on disk: the balancer's config store). */
  get active(): string {
    return this.ctx.disk.get<ActiveRecord>(ACTIVE)!.active;
  }

  /** Active-passive: the epoch the active region writes in; every failover opens the next one. */
  get epoch(): number {
    return this.ctx.disk.get<ActiveRecord>(ACTIVE)!.epoch;
  }

  /** One record, forced before anyone hears of it: after a crash both parts are there, or neither. */
  private remember(record: ActiveRecord): void {
    this.ctx.disk.set(ACTIVE, record);
    this.ctx.disk.force();
  }

  private failover(from: GlbRegion, to: GlbRegion): void {
    const epoch = this.epoch + 1;
    this.remember({ active: to.name, epoch });
    this.config.onFailover?.(from, to, epoch);
  }

  isUp(region: string): boolean {
    return this.healthOf(region).up;
  }

  /** The region a client should use now. */
  routeFor(client: GlbClient): GlbRegion {
    if (this.config.policy === 'active-passive') return this.healthOf(this.active).region;
    const home = this.healthOf(client.home);
    if (home.up) return home.region;
    for (const h of this.health) if (h.up) return h.region;
    return home.region;
  }

  private healthOf(region: string): Health {
    for (const h of this.health) if (h.region.name === region) return h;
    throw new Error(`no region named ${region}`);
  }

  /** Handles a health-check answer or a client's question; false for any other message of the node. */
  onMessage(from: NodeId, message: { readonly type: string }): boolean {
    const msg = message as GlbMessage;
    if (msg.type === 'glb-pong') {
      const h = this.health.find((x) => x.region.node === from);
      if (h !== undefined && msg.round === this.round) h.answered = true;
      return true;
    }
    if (msg.type === 'glb-where') {
      const client = this.config.clients.find((c) => c.node === from);
      if (client !== undefined) this.tell(client, true);
      return true;
    }
    return false;
  }

  onTimer(tag: unknown): boolean {
    if (tag !== this.tag) return false;
    this.check();
    return true;
  }

  /** Scores the last round of checks, acts on changes, and sends the next round. */
  private check(): void {
    for (const h of this.health) {
      if (h.answered) {
        h.hits++;
        h.misses = 0;
      } else {
        h.misses++;
        h.hits = 0;
      }
    }
    // Every region is scored before any acts, so a failover never picks a region this very
    // round finds dead. (Most rounds change nothing: the lists are made only when one does.)
    let changes = false;
    for (const h of this.health) if (this.goesDown(h) || this.comesUp(h)) changes = true;
    if (changes) {
      const down = this.health.filter((h) => this.goesDown(h));
      const up = this.health.filter((h) => this.comesUp(h));
      for (const h of down) h.up = false;
      for (const h of down) this.markDown(h);
      for (const h of up) this.markUp(h);
    }
    // Not at the first round, run from the constructor: the caller does not hold the balancer yet.
    if (this.round > 0) this.config.onRound?.();
    const refresh = this.round % this.config.refreshRounds === 0;
    for (const c of this.config.clients) this.tell(c, refresh);
    this.round++;
    for (const h of this.health) {
      h.answered = false;
      this.ctx.send(h.region.node, { type: 'glb-ping', round: this.round });
    }
    this.ctx.setTimer(this.config.healthCheckMs, this.tag);
  }

  private goesDown(h: Health): boolean {
    return h.up && h.misses >= this.config.failAfter;
  }

  private comesUp(h: Health): boolean {
    return !h.up && h.hits >= this.config.recoverAfter;
  }

  private markDown(h: Health): void {
    this.ctx.disk.set(`glb:up:${h.region.name}`, false);
    this.ctx.state('region-down', h.region.name);
    this.config.onDown?.(h.region);
    if (this.config.policy !== 'active-passive' || this.active !== h.region.name) return;
    const standby = this.health.find((x) => x.up);
    if (standby === undefined) return;
    this.failover(h.region, standby.region);
  }

  private markUp(h: Health): void {
    h.up = true;
    this.ctx.disk.set(`glb:up:${h.region.name}`, true);
    this.ctx.state('region-up', h.region.name);
    this.config.onRecovered?.(h.region);
    // Active-passive with no region up had nowhere to fail over to: the first one back takes over.
    if (this.config.policy === 'active-passive' && !this.isUp(this.active)) {
      this.failover(this.config.regions.find((r) => r.name === this.active)!, h.region);
    }
  }

  private tell(client: GlbClient, always: boolean): void {
    const route = this.routeFor(client);
    if (!always && this.told.get(client.node) === route.name) return;
    this.told.set(client.node, route.name);
    this.ctx.send(client.node, { type: 'glb-route', region: route.name, node: route.node });
  }

  private durableUp(region: string): boolean {
    return this.ctx.disk.get<boolean>(`glb:up:${region}`) ?? true;
  }
}
