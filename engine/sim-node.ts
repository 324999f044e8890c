/**
 * SimNode: the kernel's record of one node — its status, incarnation, current handlers,
 * speed, its clock, the events it holds while paused, its armed crash points, its disk and
 * its random streams. Internal to the kernel: scenarios see a node only through its
 * NodeContext.
 *
 * The node's clock is what the node reads as "now": true simulated time until a clock fault
 * moves it. It is kept as a line through (anchorMs, baseMs) with slope `rate`, so a jump moves
 * the line and a drift bends it from the current moment on.
 */
import { type DiskProbe, DurableStore } from './disk.ts';
import type { NodeHandlers, NodeId, Spawn } from './node.ts';
import type { RandomStreams, Stream } from './random.ts';

export type NodeStatus = 'up' | 'down' | 'paused';

export const UP = 0;
export const DOWN = 1;
export const PAUSED = 2;
export const STATUS_NAMES: readonly NodeStatus[] = ['up', 'down', 'paused'];

/** What the kernel does when a node passes one of its disk's crash points with a crash armed. */
export type IoPoint = (node: SimNode, point: string) => void;

/**
 * What every delivery and send reads of a node, for all nodes in dense arrays indexed by node
 * id: the event loop and the send path read these, never the SimNode objects. In a large
 * topology each event lands on a node at random, and every object read on the way (the node's
 * record, its handlers, its context, its streams) is a cache miss waiting on the one before:
 * a byte of status and a word of incarnation in arrays a few kilobytes long stay in cache.
 */
export class NodeTable {
  status = new Uint8Array(16);
  incarnation = new Int32Array(16);
  readonly handlers: (NodeHandlers<unknown> | null)[] = [];
  /**
   * The current handlers' onMessage and onTimer, read once when the node starts: the delivery
   * then calls the function without first reading the handlers object (one cache miss less
   * per event in a large topology).
   */
  readonly onMessage: (((from: NodeId, msg: unknown) => void) | undefined)[] = [];
  readonly onTimer: (((tag: unknown) => void) | undefined)[] = [];
  /** Each node's network stream once made (`network/<name>`), else null. */
  readonly netRng: (Stream | null)[] = [];

  /** Makes room for node `id`. */
  add(id: NodeId): void {
    if (id >= this.status.length) {
      const status = new Uint8Array(2 * this.status.length);
      status.set(this.status);
      this.status = status;
      const incarnation = new Int32Array(2 * this.incarnation.length);
      incarnation.set(this.incarnation);
      this.incarnation = incarnation;
    }
    this.status[id] = UP;
    this.incarnation[id] = 0;
    this.handlers[id] = null;
    this.onMessage[id] = undefined;
    this.onTimer[id] = undefined;
    this.netRng[id] = null;
  }
}

/**
 * The node is its disk's probe (no closures per node: a thousand-node topology built a
 * thousand probe objects and three thousand closures), and the disk is made on first use
 * (its maps cost half a kilobyte a node, and most nodes of a large topology never write).
 */
export class SimNode implements DiskProbe {
  slowFactor = 1;
  /** Slots held while the node is paused, in arrival order. */
  deferred: number[] = [];
  /** Crash points armed by `crash` faults with `when`, in arming order. */
  armed: string[] = [];
  /** For each armed point, how many unforced writes the crash keeps (parallel to `armed`). */
  armedTorn: number[] = [];
  /** The clock reads `clockBaseMs + clockRate * (t - clockAnchorMs)` at true time t. */
  clockBaseMs = 0;
  clockAnchorMs = 0;
  clockRate = 1;
  /** True while the clock reads true time (the fast path). */
  clockTrue = true;
  private rngStream: Stream | null = null;
  private disk: DurableStore | null = null;
  constructor(
    readonly id: NodeId,
    readonly name: string,
    readonly spawn: Spawn<unknown>,
    private readonly random: RandomStreams,
    private readonly ioPoint: IoPoint,
    private readonly table: NodeTable,
  ) {
    table.add(id);
  }

  get status(): number {
    return this.table.status[this.id]!;
  }
  set status(status: number) {
    this.table.status[this.id] = status;
  }

  get incarnation(): number {
    return this.table.incarnation[this.id]!;
  }
  set incarnation(incarnation: number) {
    this.table.incarnation[this.id] = incarnation;
  }

  get handlers(): NodeHandlers<unknown> | null {
    return this.table.handlers[this.id]!;
  }
  set handlers(handlers: NodeHandlers<unknown> | null) {
    this.table.handlers[this.id] = handlers;
    this.table.onMessage[this.id] = handlers?.onMessage;
    this.table.onTimer[this.id] = handlers?.onTimer;
  }

  /** The node's disk: what survives its crashes. */
  get durable(): DurableStore {
    return (this.disk ??= new DurableStore(this));
  }

  /** The disk's side of a crash: returns how many unforced writes were lost (none on a disk never used). */
  crashDisk(kept: number): number {
    return this.disk === null ? 0 : this.disk.crash(kept);
  }

  beforeWrite(): void {
    if (this.armed.length !== 0) this.ioPoint(this, 'io:write');
  }

  beforeForce(): void {
    if (this.armed.length !== 0) this.ioPoint(this, 'io:force');
  }

  afterForce(): void {
    if (this.armed.length !== 0) this.ioPoint(this, 'io:forced');
  }

  /** What the node's clock reads at true time `t`. */
  clockAt(t: number): number {
    return this.clockTrue ? t : this.clockBaseMs + this.clockRate * (t - this.clockAnchorMs);
  }

  /** The clock jumps by `byMs` at true time `t`. */
  skewClock(t: number, byMs: number): void {
    this.clockBaseMs = this.clockAt(t) + byMs;
    this.clockAnchorMs = t;
    this.clockTrue = false;
  }

  /** From true time `t` on, the clock runs `rate` times as fast as real time. */
  driftClock(t: number, rate: number): void {
    this.clockBaseMs = this.clockAt(t);
    this.clockAnchorMs = t;
    this.clockRate = rate;
    this.clockTrue = false;
  }

  /** The clock reads true time again (an NTP step). */
  resyncClock(): void {
    this.clockBaseMs = 0;
    this.clockAnchorMs = 0;
    this.clockRate = 1;
    this.clockTrue = true;
  }

  /** The node's own stream, `node/<name>` (created on first use: seeding costs a little). */
  get rng(): Stream {
    return (this.rngStream ??= this.random.stream(`node/${this.name}`));
  }

  /** The stream its outgoing links draw latency, loss and duplication from, `network/<name>`. */
  get netRng(): Stream {
    return (this.table.netRng[this.id] ??= this.random.stream(`network/${this.name}`));
  }
}
