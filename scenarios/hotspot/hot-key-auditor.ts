/**
 * HotKeyAuditor: the all-seeing record of the celebrity post, kept apart from the nodes.
 * App servers report each like acknowledged and each read of the like count with what it
 * returned; nodes report when their backlog passes the limit. It judges overload (the one
 * invariant here: no node is offered more work than it can serve) and measures what each
 * strategy costs: how stale the count users see is, how many backend requests a view costs.
 */
import type { Histogram, NodeId, Simulation } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';

export class HotKeyAuditor {
  /** Acknowledgement times of the celebrity's likes, in order. */
  private readonly likeAcks: number[] = [];
  readonly readLatencyMs: Histogram;
  readonly likeLatencyMs: Histogram;
  readonly stalenessMs: Histogram;
  reads = 0;
  staleReads = 0;
  backendRequests = 0;
  cacheHits = 0;
  overloads = 0;

  constructor(
    private readonly world: World<unknown>,
    private readonly sim: Simulation,
  ) {
    this.readLatencyMs = sim.metrics.histogram('hotspot:read-latency');
    this.likeLatencyMs = sim.metrics.histogram('hotspot:like-latency');
    this.stalenessMs = sim.metrics.histogram('hotspot:staleness');
  }

  /** Likes acknowledged so far (what a fresh read must show at least). */
  get likesAcked(): number {
    return this.likeAcks.length;
  }

  likeAcked(latencyMs: number): void {
    this.likeAcks.push(this.sim.now);
    this.likeLatencyMs.record(latencyMs);
  }

  /** A view of the celebrity post returned `count`; `ackedAtIssue` likes had been acknowledged when it began. */
  celebrityRead(count: number, ackedAtIssue: number, issuedAt: number, backendRequests: number, fromCache: boolean): void {
    this.reads++;
    this.backendRequests += backendRequests;
    if (fromCache) this.cacheHits++;
    const latencyMs = this.sim.now - issuedAt;
    this.readLatencyMs.record(latencyMs);
    this.sim.metrics.sample('latency.views', latencyMs);
    if (count < ackedAtIssue) {
      this.staleReads++;
      // How long the oldest like it missed had been acknowledged when the view began.
      this.stalenessMs.record(issuedAt - this.likeAcks[count]!);
    }
  }

  overloaded(node: NodeId, backlog: number, limit: number, serviceMs: number): void {
    this.overloads++;
    this.world.violate(
      'no-overloaded-shard',
      `${this.sim.nodeName(node)} has ${backlog} requests queued, past its limit of ${limit}: it is offered more than the ${Math.round(1000 / serviceMs)} requests per second it can serve`,
      node,
    );
  }
}
