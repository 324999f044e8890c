/**
 * LagBoard: the scenario's all-seeing dashboard, apart from the nodes. Consumers report their
 * state (active, idle, rebalancing, standby) and the records they finish; the traffic source
 * reports what it publishes, holds back and rejects. A sampler reads each partition's lag —
 * log end offset minus the group's committed offset, from the broker's and the coordinator's
 * disks — every `sampleMs`, and the board keeps the totals the invariant and the metrics are
 * judged on.
 */
import type { Simulation } from '../../engine/index.ts';
import type { ConsumerState } from '../parts/log/consumer.ts';
import { GroupCoordinator } from '../parts/log/group-coordinator.ts';
import { PartitionLog, tpOf } from '../parts/log/partition-log.ts';

export type InstanceState = ConsumerState | 'standby';

export interface LagSample {
  t: number;
  total: number;
  processed: number;
  published: number;
}

export class LagBoard {
  readonly states = new Map<string, InstanceState>();
  readonly samples: LagSample[] = [];
  readonly latencyMs: number[] = [];
  processed = 0;
  published = 0;
  held = 0;
  heldMax = 0;
  rejected = 0;
  lagMax = 0;
  idleMax = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly broker: number,
    private readonly group: string,
    private readonly topic: string,
  ) {}

  state(consumer: string, state: InstanceState): void {
    this.states.set(consumer, state);
  }

  finished(appendedMs: number[]): void {
    this.processed += appendedMs.length;
    for (const t of appendedMs) this.latencyMs.push(this.sim.now - t);
  }

  /** Partitions of the topic now (it may have grown). */
  partitions(): number {
    return this.sim.durable(this.broker).get<Map<string, number>>('topic-partitions')?.get(this.topic) ?? 0;
  }

  /** Lag per partition: records appended and not yet committed by the group. */
  lagPerPartition(): number[] {
    const disk = this.sim.durable(this.broker);
    return Array.from({ length: this.partitions() }, (_, p) => {
      const tp = tpOf(this.topic, p);
      return Math.max(0, PartitionLog.endOffset(disk, tp) - (GroupCoordinator.committed(disk, this.group, tp) ?? 0));
    });
  }

  /** Takes a sample; records time series when the run is traced. */
  sample(nodeUp: (name: string) => boolean): void {
    const lags = this.lagPerPartition();
    const total = lags.reduce((a, b) => a + b, 0);
    this.lagMax = Math.max(this.lagMax, total);
    this.samples.push({ t: this.sim.now, total, processed: this.processed, published: this.published });
    let active = 0;
    let idle = 0;
    let rebalancing = 0;
    let down = 0;
    for (const [name, s] of this.states) {
      if (!nodeUp(name)) down++;
      else if (s === 'active') active++;
      else if (s === 'idle') idle++;
      else if (s === 'rebalancing' || s === 'joining') rebalancing++;
    }
    this.idleMax = Math.max(this.idleMax, idle);
    if (!this.sim.tracing) return;
    const m = this.sim.metrics;
    lags.forEach((lag, p) => {
      m.sample(`lag.p${p}`, lag);
    });
    m.sample('total-lag', total);
    m.sample('consumers.active', active);
    m.sample('consumers.idle', idle);
    m.sample('consumers.rebalancing', rebalancing);
    m.sample('consumers.down', down);
    m.sample('producer.held', this.held);
    m.sample('producer.rejected', this.rejected);
  }

  /** The last sample at or before `t`. */
  at(t: number): LagSample {
    let best = this.samples[0]!;
    for (const s of this.samples) if (s.t <= t) best = s;
    return best;
  }
}
