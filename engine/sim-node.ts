/**
 * SimNode: the kernel's record of one node — its status, incarnation, current handlers,
 * speed, the events it holds while paused, its armed crash points, its disk and its random
 * streams. Internal to the kernel: scenarios see a node only through its NodeContext.
 */
import type { DurableStore, NodeHandlers, NodeId, Spawn } from './node.ts';
import type { RandomStreams, Stream } from './random.ts';

export type NodeStatus = 'up' | 'down' | 'paused';

export const UP = 0;
export const DOWN = 1;
export const PAUSED = 2;
export const STATUS_NAMES: readonly NodeStatus[] = ['up', 'down', 'paused'];

export class SimNode {
  status = UP;
  incarnation = 0;
  handlers: NodeHandlers<unknown> | null = null;
  slowFactor = 1;
  /** Slots held while the node is paused, in arrival order. */
  deferred: number[] = [];
  /** Crash points armed by `crash` faults with `when`, in arming order. */
  armed: string[] = [];
  private rngStream: Stream | null = null;
  private netStream: Stream | null = null;
  constructor(
    readonly id: NodeId,
    readonly name: string,
    readonly spawn: Spawn<unknown>,
    private readonly random: RandomStreams,
    readonly durable: DurableStore,
  ) {}

  /** The node's own stream, `node/<name>` (created on first use: seeding costs a little). */
  get rng(): Stream {
    return (this.rngStream ??= this.random.stream(`node/${this.name}`));
  }

  /** The stream its outgoing links draw latency, loss and duplication from, `network/<name>`. */
  get netRng(): Stream {
    return (this.netStream ??= this.random.stream(`network/${this.name}`));
  }
}
