/**
 * Nodes: named processes with message handlers and timers.
 *
 * A node is written as a `Spawn` function: it receives a `NodeContext` and returns its
 * handlers. The spawn function runs when the simulation starts and again on every restart,
 * so everything it keeps in local variables is volatile state that a crash wipes. What must
 * survive a crash goes on `ctx.disk`, and is durable once forced (`ctx.disk.force()`, the
 * fsync); a restarted node reads it back to recover.
 *
 * A node's context is typed by what the node handles: `M` the messages it sends and receives,
 * `T` the tags of its timers, so a handler needs no casts. A node reads its own clock
 * (`ctx.now`), which clock faults can skew or make drift; timers measure time on that clock.
 */
import type { DurableStore } from './disk.ts';
import { MisuseError } from './errors.ts';
import type { Fault } from './faults.ts';
import type { Stream } from './random.ts';
import type { NoteLevel } from './trace-event.ts';

/** A node's index in its simulation. */
export type NodeId = number;
/** A timer handle, for cancelling it. */
export type TimerId = number;

export type InjectFault = Extract<Fault, { kind: 'inject' }>;

/**
 * What a node does when something happens to it. The simulation reads the handlers when the
 * node starts (spawn returns them): replacing one on the object afterwards has no effect.
 */
export interface NodeHandlers<M = unknown, T = unknown> {
  /** A message from another node (or from itself) arrived. */
  onMessage?(from: NodeId, msg: M): void;
  /** A timer this incarnation set has fired, with the tag it was set with. */
  onTimer?(tag: T): void;
  /** A scenario-defined fault aimed at this node (an `inject` fault with `node`). */
  onInject?(fault: InjectFault): void;
}

/** What a node is: a function from its context to its handlers. */
export type Spawn<M = unknown, T = unknown> = (ctx: NodeContext<M, T>) => NodeHandlers<M, T>;

/** A node's behaviour of any message and timer types (the simulation holds every kind). */
// biome-ignore lint/suspicious/noExplicitAny: a registry of nodes of every protocol; each Spawn is typed where it is written.
export type AnySpawn = Spawn<any, any>;

/** The kernel operations a node context needs; implemented by Simulation. */
export interface NodeHost {
  /** True simulated time, in ms. */
  readonly now: number;
  readonly tracing: boolean;
  /** True while a message handler runs on a copy of a message its node's incarnation already received (see NodeContext.redelivered). */
  readonly redelivery: boolean;
  /** True once the simulation was sealed: nothing may act or read the clock any more. */
  readonly hasEnded: boolean;
  isCurrent(node: NodeId, incarnation: number): boolean;
  rngOf(node: NodeId): Stream;
  /** A node's disk (made on first use). */
  disk(node: NodeId): DurableStore;
  clockOf(node: NodeId): number;
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
export class NodeContext<M = unknown, T = unknown> {
  private stream: Stream | null = null;

  constructor(
    private readonly host: NodeHost,
    /** This node's id. */
    readonly self: NodeId,
    /** This node's name. */
    readonly name: string,
    /** 0 on first start, n after the n-th restart. */
    readonly incarnation: number,
  ) {}

  /** This node's disk: writes survive a crash once forced. */
  get disk(): DurableStore {
    return this.host.disk(this.self);
  }

  /** This node's own random stream (`node/<name>`), independent of every other. */
  get rng(): Stream {
    // The node keeps one stream for life (every incarnation draws on), so it is looked up once.
    return (this.stream ??= this.host.rngOf(this.self));
  }

  /**
   * What this node's clock reads, in ms: simulated time, unless a clock fault skewed it or
   * made it drift. Use it for everything the node computes from "now" (leases, TTLs,
   * timestamps); observers that judge the run use the simulation's true time instead.
   */
  get now(): number {
    const host = this.host;
    if (host.hasEnded) throw new MisuseError('now', this.name, host.now, 'the simulation has ended (a callback outlived its run?)');
    return host.clockOf(this.self);
  }

  /** True when a trace sink listens: build narration strings only then. */
  get tracing(): boolean {
    return this.host.tracing;
  }

  /**
   * True while `onMessage` handles a second copy of a message this incarnation has already
   * received: the network duplicated it (a link's duplicate rate) and the other copy came
   * first. What a transport that delivers each message once (TCP) drops. A message sent twice
   * is two messages, never a copy; after a restart the next copy is the new incarnation's first.
   */
  get redelivered(): boolean {
    return this.host.redelivery;
  }

  /** True while this incarnation is the node's current one (it has not crashed since). */
  get alive(): boolean {
    return this.host.isCurrent(this.self, this.incarnation);
  }

  /**
   * Sends `msg` to a node, by id or by name. Crash points `io:send` and `io:sent` lie just
   * before and just after it.
   */
  send(to: NodeId | string, msg: M): void {
    const host = this.host;
    if (!host.isCurrent(this.self, this.incarnation)) return;
    host.send(this.self, typeof to === 'number' ? to : host.nodeId(to), msg);
  }

  /** The id of the node named `name` (throws, naming the nodes there are, when none). */
  lookup(name: string): NodeId {
    return this.host.nodeId(name);
  }

  /**
   * Fires `onTimer(tag)` after `delayMs` on this node's clock (stretched while the node is
   * slowed). The tag may be left out only when the node's timer type allows undefined.
   */
  setTimer(delayMs: number, ...tag: undefined extends T ? [tag?: T] : [tag: T]): TimerId {
    return this.host.setTimer(this.self, this.incarnation, delayMs, tag[0]);
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
}
