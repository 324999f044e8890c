/**
 * LagBoard: the scenario's all-seeing dashboard, apart from the nodes. Consumers report their
 * state (active, idle, rebalancing, standby) and the records they finish; the traffic source
 * reports what it publishes, holds back and rejects. Samples read each partition's lag — log
 * end offset minus the group's committed offset, from the broker's disk — and the board keeps
 * the totals the invariants and the metrics are judged on. Times are true simulated time.
 */
import type { DurableStore, NodeId } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';
import type { ConsumerState } from '../parts/log/consumer.ts';
import { GroupLag } from '../parts/log/group-lag.ts';
import { ReplicaManager } from '../parts/log/replica-manager.ts';

export type InstanceState = ConsumerState | 'standby';

export interface LagSample {
  t: number;
  total: number;
  processed: number;
  published: number;
}

/** Each partition's committed offset, log end and lag at one moment. */
export interface PartitionPositions {
  t: number;
  committed: number[];
  end: number[];
  lag: number[];
}

/**
 * Partitions that had a backlog at `before` and whose committed offset did not move by `now`:
 * nobody is consuming them.
 */
export function starvedPartitions(before: PartitionPositions, now: PartitionPositions): number[] {
  return before.lag.flatMap((lag, i) => (lag > 0 && (now.committed[i] ?? 0) <= before.committed[i]! ? [i] : []));
}

export class LagBoard {
  readonly states = new Map<string, InstanceState>();
  /** Each consumer's node id, looked up once: every sample asks each one's status. */
  private readonly ids = new Map<string, NodeId>();
  readonly samples: LagSample[] = [];
  readonly latencyMs: number[] = [];
  /** When each event (by its number) was published, in true time. */
  private readonly publishedAtMs: number[] = [];
  processed = 0;
  held = 0;
  heldMax = 0;
  rejected = 0;
  lagMax = 0;
  /** The most the lag exceeded what the source published once (a retried batch written twice counts once). */
  uniqueLagMax = 0;
  idleMax = 0;

  private brokerDisk: DurableStore | null = null;
  private readonly lag: GroupLag;

  constructor(
    private readonly world: World<unknown>,
    private readonly broker: string,
    group: string,
    private readonly topic: string,
  ) {
    this.lag = new GroupLag(
      () => this.disk,
      () => this.disk,
      group,
      topic,
    );
  }

  /** The broker's disk (the same store across its crashes), looked up once it exists. */
  private get disk(): DurableStore {
    if (this.brokerDisk === null) this.brokerDisk = this.world.disk(this.broker);
    return this.brokerDisk;
  }

  get published(): number {
    return this.publishedAtMs.length;
  }

  /** An event is published now; returns its number. */
  publish(): number {
    this.publishedAtMs.push(this.world.now);
    return this.publishedAtMs.length - 1;
  }

  state(consumer: string, state: InstanceState): void {
    this.states.set(consumer, state);
    if (!this.ids.has(consumer)) this.ids.set(consumer, this.world.lookup(consumer));
  }

  /** A consumer finished processing the events of records [from, to). */
  finished(records: readonly { value: { n: number } }[], from: number, to: number): void {
    this.processed += to - from;
    const now = this.world.now;
    for (let i = from; i < to; i++) this.latencyMs.push(now - this.publishedAtMs[records[i]!.value.n]!);
  }

  /** Partitions of the topic now (it may have grown), from the broker's disk. */
  partitions(): number {
    return ReplicaManager.partitionCount(this.disk, this.topic);
  }

  /** Records appended to partition `p` and not yet committed by the group. */
  lagOf(p: number): number {
    return this.lag.lag(p);
  }

  /** Every partition's committed offset and lag now. */
  positions(): PartitionPositions {
    const committed: number[] = [];
    const end: number[] = [];
    const lag: number[] = [];
    for (let p = 0, n = this.partitions(); p < n; p++) {
      const c = this.lag.committed(p);
      const e = this.lag.end(p);
      committed.push(c);
      end.push(e);
      lag.push(Math.max(0, e - c));
    }
    return { t: this.world.now, committed, end, lag };
  }

  /** Consumers in each state now (a crashed one counts as down). */
  census(): { active: number; idle: number; rebalancing: number; down: number } {
    const c = { active: 0, idle: 0, rebalancing: 0, down: 0 };
    for (const [name, s] of this.states) {
      if (this.world.status(this.ids.get(name)!) === 'down') c.down++;
      else if (s === 'active') c.active++;
      else if (s === 'idle') c.idle++;
      else if (s === 'rebalancing' || s === 'joining') c.rebalancing++;
    }
    return c;
  }

  /** Takes a sample of the totals the invariants and metrics are judged on. */
  sample(): void {
    let total = 0;
    let appended = 0;
    for (let p = 0, n = this.partitions(); p < n; p++) {
      const end = this.lag.end(p);
      appended += end;
      total += Math.max(0, end - this.lag.committed(p));
    }
    if (total > this.lagMax) this.lagMax = total;
    // Records written twice by a producer retry are lag no credit paid for: the events behind are at most the total less those.
    const unique = total - Math.max(0, appended - this.published);
    if (unique > this.uniqueLagMax) this.uniqueLagMax = unique;
    this.samples.push({ t: this.world.now, total, processed: this.processed, published: this.published });
    const idle = this.idleNow();
    if (idle > this.idleMax) this.idleMax = idle;
  }

  /**
   * Consumers idle now, counted as `census` counts them (a crashed one is down, not idle) but
   * without its object and an [name, state] pair per consumer: every sample asks.
   */
  private idleNow(): number {
    let idle = 0;
    this.states.forEach((s, name) => {
      if (s === 'idle' && this.world.status(this.ids.get(name)!) !== 'down') idle++;
    });
    return idle;
  }

  /** The last sample at or before `t`. */
  at(t: number): LagSample {
    let best = this.samples[0]!;
    for (const s of this.samples) if (s.t <= t) best = s;
    return best;
  }
}
