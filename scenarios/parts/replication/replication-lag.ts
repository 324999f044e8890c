/**
 * ReplicationLag: how long a replica takes to apply an entry after it arrived. Replay is
 * usually quick but has its own distribution (a lognormal with a long tail is typical) and
 * occasional spikes (a checkpoint, a vacuum, a long query holding replay back). A spike
 * delays one entry, and because replay is in log order, everything behind it waits too.
 * An injected stall (`stallUntil`) holds every apply until a given time: a lag spike on cue.
 */
import { type Latency, LatencyModel, type Stream } from '../../../engine/index.ts';

export interface ReplicationLagSpec {
  /** Apply delay of an ordinary entry. */
  delay: Latency;
  /** Probability that an entry hits a spike. */
  spikeRate: number;
  /** Extra delay of a spike. */
  spike: Latency;
}

export class ReplicationLag {
  private readonly delay: LatencyModel;
  private readonly spike: LatencyModel;

  constructor(readonly spec: ReplicationLagSpec) {
    this.delay = new LatencyModel(spec.delay);
    this.spike = new LatencyModel(spec.spike);
  }

  /** The apply delay of one entry, in ms. */
  sample(rng: Stream): number {
    const base = this.delay.sample(rng);
    return this.spec.spikeRate > 0 && rng.next() < this.spec.spikeRate ? base + this.spike.sample(rng) : base;
  }

  /** Mean apply delay, spikes included. */
  meanMs(): number {
    return this.delay.mean() + this.spec.spikeRate * this.spike.mean();
  }
}
