/**
 * Nodes: named processes with message handlers and timers.
 *
 * A node is written as a `Spawn` function: it receives a `NodeContext` and returns its
 * handlers. The spawn function runs when the simulation starts and again on every restart,
 * so everything it keeps in local variables is volatile state that a crash wipes. What must
 * survive a crash goes in `ctx.durable`, the node's disk: a write there is durable the moment
 * it returns (as if fsync'd). A restarted node reads it back to recover.
 */

import { MisuseError } from './errors.ts';
import type { Fault } from './faults.ts';
import type { Metrics } from './metrics.ts';
import type { Stream } from './random.ts';
import type { NoteLevel } from './trace-event.ts';

/** A node's index in its simulation. */
export type NodeId = number;
/** A timer handle, for cancelling it. */
export type TimerId = number;

export type InjectFault = Extract<Fault, { kind: 'inject' }>;

export interface NodeHandlers<M = unknown> {
  /** A message from another node (or from itself) arrived. */
  onMessage?(from: NodeId, msg: M): void;
  /** A timer this incarnation set has fired, with the tag it was set with. */
  onTimer?(tag: unknown): void;
  /** A scenario-defined fault aimed at this node (an `inject` fault with `node`). */
  onInject?(fault: InjectFault): void;
}

/** What a node is: a function from its context to its handlers. */
export type Spawn<M = unknown> = (ctx: NodeContext<M>) => NodeHandlers<M>;

/** A node's disk: a key-value store that survives crashes. Iteration is in insertion order. */
export class DurableStore {
  private readonly map = new Map<string, unknown>();
  writes = 0;

  get<T = unknown>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, value: unknown): void {
    this.writes++;
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.writes++;
    this.map.delete(key);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
  /**
   * An append-only log on disk under `name`, created empty on first use. Entries pushed to
   * it are durable at once (a forced log write); the array survives crashes.
   */
  log<T>(name: string): T[] {
    let log = this.map.get(name) as T[] | undefined;
    if (log === undefined) {
      log = [];
      this.map.set(name, log);
    }
    return log;
  }
  get size(): number {
    return this.map.size;
  }
}

/** The kernel operations a node context needs; implemented by Simulation. */
export interface NodeHost {
  readonly now: number;
  readonly tracing: boolean;
  /** True once the simulation was sealed: nothing may act or read the clock any more. */
  readonly hasEnded: boolean;
  readonly metrics: Metrics;
  isCurrent(node: NodeId, incarnation: number): boolean;
  rngOf(node: NodeId): Stream;
  send(from: NodeId, to: NodeId, msg: unknown): void;
  setTimer(node: NodeId, incarnation: number, delayMs: number, tag: unknown): TimerId;
  cancelTimer(id: TimerId): void;
  crashPoint(node: NodeId, incarnation: number, point: string): void;
  note(text: string | (() => string), level: NoteLevel, node: NodeId): void;
  state(node: NodeId, state: string, detail?: string): void;
  nodeName(node: NodeId): string;
  nodeId(name: string): NodeId;
}

/**
 * The node's view of the world. One context per incarnation: after a crash, calls through an
 * old context do nothing (a stale callback cannot act for the restarted node).
 */
export class NodeContext<M = unknown> {
  constructor(
    private readonly host: NodeHost,
    /** This node's id. */
    readonly self: NodeId,
    /** This node's name. */
    readonly name: string,
    /** 0 on first start, n after the n-th restart. */
    readonly incarnation: number,
    /** This node's disk. */
    readonly durable: DurableStore,
  ) {}

  /** This node's own random stream (`node/<name>`), independent of every other. */
  get rng(): Stream {
    return this.host.rngOf(this.self);
  }

  /** Current simulated time in ms. */
  get now(): number {
    const host = this.host;
    if (host.hasEnded) throw new MisuseError('now', this.name, host.now, 'the simulation has ended (a callback outlived its run?)');
    return host.now;
  }

  /** True when a trace sink listens: build narration strings only then. */
  get tracing(): boolean {
    return this.host.tracing;
  }

  get metrics(): Metrics {
    return this.host.metrics;
  }

  /** True while this incarnation is the node's current one (it has not crashed since). */
  get alive(): boolean {
    return this.host.isCurrent(this.self, this.incarnation);
  }

  send(to: NodeId, msg: M): void {
    if (this.host.isCurrent(this.self, this.incarnation)) this.host.send(this.self, to, msg);
  }

  /** Fires `onTimer(tag)` after `delayMs` (stretched while the node is slowed). */
  setTimer(delayMs: number, tag?: unknown): TimerId {
    return this.host.setTimer(this.self, this.incarnation, delayMs, tag);
  }

  cancelTimer(id: TimerId): void {
    this.host.cancelTimer(id);
  }

  /**
   * A named point in the protocol where a planned crash may strike (a `crash` fault with
   * `when: point`). If one is armed, the node crashes here and this call does not return.
   */
  crashPoint(point: string): void {
    this.host.crashPoint(this.self, this.incarnation, point);
  }

  /** Narration: a plain-words note for the UI and CLI. Pass a function to build the text only when traced. */
  note(text: string | (() => string), level: NoteLevel = 'info'): void {
    if (this.host.tracing && this.host.isCurrent(this.self, this.incarnation)) this.host.note(text, level, this.self);
  }

  /** Records that this node entered a protocol state (e.g. `in-doubt`), for the UI. */
  state(state: string, detail?: string): void {
    if (this.host.tracing && this.host.isCurrent(this.self, this.incarnation)) this.host.state(this.self, state, detail);
  }

  nameOf(node: NodeId): string {
    return this.host.nodeName(node);
  }

  idOf(name: string): NodeId {
    return this.host.nodeId(name);
  }
}
