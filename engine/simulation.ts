/**
 * Simulation: the world of one run. It owns the virtual clock, the event queue, the seeded
 * random streams, the nodes, the network, the fault plan, the metrics and the trace.
 *
 * `step()` runs exactly one event; `run()` only calls `step()` until a stop condition or a
 * bound. Events are records in parallel arrays indexed by a slot number (no object or
 * closure per event on the hot path); the queue orders slots by (time, seq). Everything is
 * synchronous and deterministic: the same seed, nodes and fault plan give the same trace.
 */
import { assert } from './assert.ts';
import type { DurableStore } from './disk.ts';
import { BoundExceededError, CrashSignal, HandlerError, InputError, MisuseError } from './errors.ts';
import { EventQueue } from './event-queue.ts';
import { describeFault, type Fault, type FaultPlan, nodesOfFault, parseFaultPlan } from './faults.ts';
import { Metrics } from './metrics.ts';
import { type LinkModel, type LinkPatch, type LinkSpec, linkModel, Network } from './network.ts';
import { type AnySpawn, type InjectFault, NodeContext, type NodeHost, type NodeId, type Spawn, type TimerId } from './node.ts';
import { RandomStreams, type Stream } from './random.ts';
import { DOWN, type IoPoint, type NodeStatus, NodeTable, PAUSED, SimNode, STATUS_NAMES, UP } from './sim-node.ts';
import { DROP_LOSS, DROP_NODE_DOWN, DROP_PARTITION, Row, type TraceSink } from './trace.ts';
import type { NoteLevel } from './trace-event.ts';

// Event record kinds.
const TIMER = 0;
const DELIVER = 1;
const FAULT = 2;
const CALL = 3;
const CANCELLED = 4;

/** Initial capacity of the event queue and the event records. */
const INITIAL_EVENTS = 128;

/** Slots per generation in a timer handle: handle = generation * SLOT_SPACE + slot. */
const SLOT_SPACE = 2 ** 24;

export interface SimulationOptions {
  /** The run's seed; every random stream derives from it. */
  seed: number;
  /** Where trace events go; null (the default) records nothing and costs nothing. */
  trace?: (TraceSink & { names: readonly string[] }) | null;
  /** The default link between any two nodes. */
  network?: LinkSpec;
}

export interface RunOptions {
  /** Stop (normally) before the first event later than this time. */
  untilMs?: number;
  /** Bound: a run that processes more events than this is a runaway (error). Default 50,000,000. */
  eventsMax?: number;
  /** Bound: a run whose clock passes this time is a runaway (error). Default: untilMs if set, else 1e12. */
  timeMaxMs?: number;
  /** Stop (normally) once this many events have been processed in total (benchmarks, stepping). */
  stopAfterEvents?: number;
}

export interface RunOutcome {
  /** `until`: reached untilMs; `idle`: nothing left to do; `events`: reached stopAfterEvents. */
  reason: 'until' | 'idle' | 'events';
  timeMs: number;
  events: number;
}

export interface Violation {
  t: number;
  invariant: string;
  message: string;
  node?: string;
}

/** Message accounting: sent + duplicated = delivered + dropped + inFlight at every moment. */
export interface MessageStats {
  sent: number;
  duplicated: number;
  delivered: number;
  dropped: number;
  inFlight: number;
}

export class Simulation implements NodeHost {
  private clockMs = 0;
  readonly seed: number;
  readonly random: RandomStreams;
  readonly network: Network;
  readonly metrics: Metrics;
  readonly violations: Violation[] = [];
  readonly trace: (TraceSink & { names: readonly string[] }) | null;
  /** True when a trace sink listens. */
  readonly tracing: boolean;
  /** True when the sink keeps sent messages by reference (see recordSend). */
  private readonly freezeSent: boolean;
  /** See NodeHost.redelivery: true only inside deliverCopyAware's handler call. */
  redelivery = false;
  /**
   * Messages a link duplicated, by id: the incarnation of the receiver that got a copy first
   * (-1 before any did). Null until a link duplicates, so that a run without duplicates pays
   * one test per delivery.
   */
  private duplicated: Map<number, number> | null = null;

  // Small to start (a property check builds thousands of simulations); both grow by doubling.
  private readonly queue = new EventQueue(INITIAL_EVENTS);
  private readonly nodes: SimNode[] = [];
  /** The nodes' status, incarnation, handlers and network streams, which the hot paths read. */
  private readonly table = new NodeTable();
  private readonly names: string[] = [];
  private readonly ids = new Map<string, NodeId>();
  private readonly injectors = new Map<string, (fault: InjectFault) => void>();
  private started = false;
  private ended = false;
  private processed = 0;
  private nextMessageId = 0;
  /** Timers are numbered in the order they are set; the trace shows this number, never a slot. */
  private nextTimerNumber = 0;
  private readonly stats: MessageStats = { sent: 0, duplicated: 0, delivered: 0, dropped: 0, inFlight: 0 };
  /** Faults scheduled and not yet applied, by time (a plan holds dozens at most). */
  private readonly faultsPending = new Map<number, number>();
  /** Crash points armed on all nodes together: while there are none, a send looks at no node's. */
  private armedPoints = 0;
  private readonly onIoPoint: IoPoint = (node, point) => this.ioPoint(node, point);

  // Event records, indexed by slot: columns carved from one buffer (see `columns`).
  private ident!: Float64Array;
  private target!: Int32Array;
  private source!: Int32Array;
  private incarnation!: Int32Array;
  private generation!: Uint32Array;
  private free!: Int32Array;
  private kind!: Uint8Array;
  private payload: unknown[] = new Array(INITIAL_EVENTS).fill(undefined);
  private freeCount = 0;
  private slotCount = 0;

  constructor(options: SimulationOptions) {
    this.columns(INITIAL_EVENTS);
    this.seed = options.seed;
    this.random = new RandomStreams(options.seed);
    this.network = new Network(linkModel(options.network));
    this.trace = options.trace ?? null;
    this.tracing = this.trace !== null;
    this.freezeSent = this.trace !== null && this.trace.keepsPayloads !== false;
    if (this.trace !== null) this.trace.names = this.names;
    this.metrics = new Metrics(
      () => this.clockMs,
      (name, value) => {
        if (this.trace !== null) this.trace.record(this.clockMs, Row.Metric, -1, -1, value, name);
      },
    );
  }

  /** Current simulated time in ms (only the kernel moves it). */
  get now(): number {
    return this.clockMs;
  }

  /** True once `end()` sealed the simulation: nothing may be scheduled or sent any more. */
  get hasEnded(): boolean {
    return this.ended;
  }

  /**
   * Seals the simulation: from now on every call that would schedule, send or run throws a
   * MisuseError (a stale callback acting after the run was judged is a bug, not an event).
   */
  end(): void {
    this.ended = true;
  }

  // ---------------------------------------------------------------- topology

  /** Adds a node. Its spawn function runs when the run starts (or at once if it has). */
  addNode(name: string, spawn: AnySpawn): NodeId {
    this.assertOpen('addNode', null);
    if (this.ids.has(name)) throw new InputError(`node '${name}' already exists`);
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) throw new InputError(`node name '${name}' must be 1-64 letters, digits or _ . : -`);
    const id = this.nodes.length;
    const node = new SimNode(id, name, spawn as Spawn<unknown>, this.random, this.onIoPoint, this.table);
    this.nodes.push(node);
    this.names.push(name);
    this.ids.set(name, id);
    this.network.resize(this.nodes.length);
    if (this.started) this.spawn(node);
    return id;
  }

  nodeId(name: string): NodeId {
    const id = this.ids.get(name);
    if (id === undefined) throw new InputError(`no node named '${name}'; nodes are: ${this.names.join(', ')}`);
    return id;
  }

  nodeName(node: NodeId): string {
    return this.names[node]!;
  }

  get nodeNames(): readonly string[] {
    return this.names;
  }

  status(node: NodeId): NodeStatus {
    return STATUS_NAMES[this.nodes[node]!.status]!;
  }

  /** A node's disk (for recovery code and for checkers that read what survived). */
  disk(node: NodeId): DurableStore {
    return this.nodes[node]!.durable;
  }

  /** What a node's clock reads now (true time unless a clock fault moved it). */
  clockOf(node: NodeId): number {
    return this.nodes[node]!.clockAt(this.clockMs);
  }

  rngOf(node: NodeId): Stream {
    return this.nodes[node]!.rng;
  }

  isCurrent(node: NodeId, incarnation: number): boolean {
    const table = this.table;
    return table.incarnation[node] === incarnation && table.status[node] !== DOWN;
  }

  /**
   * Sets the base link between two nodes (part of the topology, like a cross-region link):
   * faults may degrade it, and `restore` and heals return to it, never to the default.
   */
  setLink(from: NodeId, to: NodeId, link: LinkPatch): void {
    this.network.setBase(from, to, link);
  }

  /** Registers the handler of a scenario-defined fault (`inject` without a node). */
  onInject(name: string, handler: (fault: InjectFault) => void): void {
    this.injectors.set(name, handler);
  }

  // ---------------------------------------------------------------- scheduling

  /** Calls `fn` at simulated time `timeMs`, now or later (not a node event: it survives any crash). */
  at(timeMs: number, fn: () => void): void {
    this.assertOpen(`at(${timeMs})`, null);
    if (!Number.isFinite(timeMs)) throw new MisuseError(`at(${timeMs})`, null, this.clockMs, 'the time must be a finite number of ms');
    if (timeMs < this.clockMs) throw new MisuseError(`at(${timeMs})`, null, this.clockMs, 'the time is in the past: the simulation cannot go back');
    const slot = this.allocate(CALL, -1, -1, 0, 0, fn);
    this.queue.push(timeMs, slot);
  }

  after(delayMs: number, fn: () => void): void {
    if (!(delayMs >= 0)) throw new MisuseError(`after(${delayMs})`, null, this.clockMs, 'the delay must be a non-negative number of ms');
    this.at(this.clockMs + delayMs, fn);
  }

  /** Calls `fn` every `periodMs`, first at `startMs`, while `fn` returns anything but false and the time is below `untilMs`. */
  every(periodMs: number, fn: () => boolean | undefined, startMs = this.clockMs, untilMs = Number.POSITIVE_INFINITY): void {
    if (!(periodMs > 0 && Number.isFinite(periodMs)))
      throw new MisuseError(`every(${periodMs})`, null, this.clockMs, 'the period must be a positive, finite number of ms');
    const tick = (): void => {
      if (fn() === false) return;
      const next = this.clockMs + periodMs;
      if (next <= untilMs) this.at(next, tick);
    };
    if (startMs <= untilMs) this.at(startMs, tick);
  }

  /**
   * Schedules every fault of a plan and returns the plan as scheduled. The plan is validated
   * by the one fault schema (traced or not, the same plans are accepted) and put in canonical
   * form (schema key order, defaults filled in), so the trace and its hash depend on the
   * plan's value, not on how its objects were built. Node names are checked here, with a
   * clear error.
   */
  schedulePlan(plan: FaultPlan): FaultPlan {
    this.assertOpen('schedulePlan', null);
    return this.scheduleCanonicalPlan(parseFaultPlan(plan));
  }

  /**
   * Schedules a plan already in canonical form: the value `parseFaultPlan` returned, or a plan
   * generated canonical by construction (the checker's). Parsing it again would cost a small
   * scenario's check several percent of every run for nothing; what depends on this
   * simulation (node names, injects, the clock) is still checked.
   */
  scheduleCanonicalPlan(faults: FaultPlan): FaultPlan {
    this.assertOpen('schedulePlan', null);
    faults.forEach((fault, index) => {
      for (const name of nodesOfFault(fault)) {
        if (!this.ids.has(name)) {
          throw new InputError(`faults[${index}] (${fault.kind}) names node '${name}', which does not exist; nodes are: ${this.names.join(', ')}`);
        }
      }
      if (fault.kind === 'inject' && fault.node === undefined && !this.injectors.has(fault.name)) {
        const known = [...this.injectors.keys()];
        throw new InputError(
          `faults[${index}] injects '${fault.name}', which this simulation does not define; it defines: ${known.length ? known.join(', ') : 'none'}`,
        );
      }
      if (fault.at < this.clockMs)
        throw new InputError(`faults[${index}] (${fault.kind}) is at ${fault.at} ms, before the simulation's clock (${this.clockMs} ms)`);
    });
    faults.forEach((fault, index) => {
      const slot = this.allocate(FAULT, -1, -1, 0, index, fault);
      this.queue.push(fault.at, slot);
      this.faultsPending.set(fault.at, (this.faultsPending.get(fault.at) ?? 0) + 1);
    });
    return faults;
  }

  /** True while some scheduled fault is still to be applied at `timeMs`. */
  faultsPendingAt(timeMs: number): boolean {
    return this.faultsPending.has(timeMs);
  }

  // ---------------------------------------------------------------- node operations (NodeHost)

  send(from: NodeId, to: NodeId, msg: unknown): void {
    if (to >>> 0 !== to || to >= this.network.size) this.misuseSend(from, to);
    if (this.ended) this.assertOpen('send', from);
    if (this.armedPoints === 0) this.transmit(from, to, msg);
    else this.sendArmed(from, to, msg);
  }

  /** A send while some crash is armed: the sender may crash just before or just after it. */
  private sendArmed(from: NodeId, to: NodeId, msg: unknown): void {
    const sender = this.nodes[from]!;
    if (sender.armed.length !== 0) this.ioPoint(sender, 'io:send');
    this.transmit(from, to, msg);
    if (sender.armed.length !== 0) this.ioPoint(sender, 'io:sent');
  }

  private transmit(from: NodeId, to: NodeId, msg: unknown): void {
    const net = this.network;
    const index = from * net.stride + to;
    const id = this.nextMessageId++;
    this.stats.sent++;
    if (this.trace !== null) this.recordSend(from, to, id, msg);
    if (net.anyCut && net.cut[index] === 1) {
      this.dropSent(from, to, id, msg, DROP_PARTITION);
      return;
    }
    const link = net.anyOverride ? net.models[net.modelOf[index]!]! : net.base;
    const rng = this.table.netRng[from] ?? this.nodes[from]!.netRng;
    if (!link.plain) {
      this.transmitOn(link, rng, from, to, id, msg, index);
      return;
    }
    // A link that only delays (the common case): one draw, and the rest of this path stays small
    // enough for V8 to inline the draw and the queue's push into it.
    const at = this.clockMs + link.latency.sample(rng);
    this.stats.inFlight++;
    this.queue.push(at, this.allocate(DELIVER, to, from, 0, id, msg));
  }

  /** The sender's side of the trace: a sink that keeps the message by reference gets it frozen. */
  private recordSend(from: NodeId, to: NodeId, id: number, msg: unknown): void {
    // Freezing it makes a sender that mutates a message after sending it fail loudly instead of
    // silently rewriting the trace.
    if (this.freezeSent && typeof msg === 'object' && msg !== null) Object.freeze(msg);
    this.trace!.record(this.clockMs, Row.Send, from, to, id, msg);
  }

  private dropSent(from: NodeId, to: NodeId, id: number, msg: unknown, reason: number): void {
    this.stats.dropped++;
    if (this.trace !== null) this.trace.record(this.clockMs, Row.Drop, from, to, reason, { id, msg });
  }

  /** A send over a link that loses, duplicates, reorders or keeps FIFO order: its draws in this order, each only if its rate is not zero. */
  private transmitOn(link: LinkModel, rng: Stream, from: NodeId, to: NodeId, id: number, msg: unknown, index: number): void {
    if (link.lossRate > 0 && rng.next() < link.lossRate) {
      this.dropSent(from, to, id, msg, DROP_LOSS);
      return;
    }
    this.scheduleDelivery(from, to, id, msg, index, link.latency.sample(rng), link.reorderRate > 0 && rng.next() < link.reorderRate, link.fifo);
    if (link.duplicateRate > 0 && rng.next() < link.duplicateRate) {
      this.stats.duplicated++;
      (this.duplicated ??= new Map()).set(id, -1);
      if (this.trace !== null) this.trace.record(this.clockMs, Row.Duplicate, from, to, id, null);
      this.scheduleDelivery(from, to, id, msg, index, link.latency.sample(rng), false, false);
    }
  }

  private scheduleDelivery(from: NodeId, to: NodeId, id: number, msg: unknown, index: number, delayMs: number, held: boolean, fifo: boolean): void {
    let at = this.clockMs + delayMs;
    if (held) at += 2 * this.network.model(from, to).latency.sample(this.nodes[from]!.netRng);
    if (fifo) {
      const last = this.network.lastDelivery();
      if (at < last[index]!) at = last[index]!;
      last[index] = at;
    }
    this.stats.inFlight++;
    const slot = this.allocate(DELIVER, to, from, 0, id, msg);
    this.queue.push(at, slot);
  }

  setTimer(node: NodeId, incarnation: number, delayMs: number, tag: unknown): TimerId {
    if (!(delayMs >= 0 && delayMs < Number.POSITIVE_INFINITY)) {
      throw new MisuseError(`setTimer(${delayMs})`, this.names[node]!, this.clockMs, 'the delay must be a non-negative, finite number of ms');
    }
    if (this.ended) this.assertOpen('setTimer', node);
    const n = this.nodes[node]!;
    const slot = this.allocate(TIMER, node, -1, incarnation, this.nextTimerNumber++, tag);
    // A timer measures time on the node's own clock: a fast clock fires it early in real time.
    this.queue.push(this.clockMs + (delayMs * n.slowFactor) / n.clockRate, slot);
    return this.generation[slot]! * SLOT_SPACE + slot;
  }

  cancelTimer(handle: TimerId): void {
    const slot = handle % SLOT_SPACE;
    const gen = (handle - slot) / SLOT_SPACE;
    if (this.generation[slot] === gen && this.kind[slot] === TIMER) this.kind[slot] = CANCELLED;
  }

  crashPoint(node: NodeId, incarnation: number, point: string): void {
    if (this.armedPoints === 0) return;
    const n = this.nodes[node]!;
    if (n.armed.length === 0 || n.incarnation !== incarnation) return;
    this.ioPoint(n, point);
  }

  /** Crashes the node here if a crash is armed at `point` (the handler stops on this line). */
  private ioPoint(n: SimNode, point: string): void {
    const i = n.armed.indexOf(point);
    if (i < 0 || n.status !== UP) return;
    this.crash(n.id, n.armedTorn[i]!);
    // The handler stops here, as the process would: nothing after this point happens.
    throw new CrashSignal(n.name, point);
  }

  note(text: string | (() => string), level: NoteLevel = 'info', node: NodeId = -1): void {
    if (this.trace !== null) this.trace.record(this.clockMs, Row.Note, node, -1, 0, { text: typeof text === 'function' ? text() : text, level });
  }

  state(node: NodeId, state: string, detail?: string): void {
    if (this.trace !== null) this.trace.record(this.clockMs, Row.State, node, -1, 0, detail === undefined ? { state } : { state, detail });
  }

  /** Records an invariant violation at the current time. */
  violate(invariant: string, message: string, node: NodeId = -1): void {
    const v: Violation = { t: this.clockMs, invariant, message };
    if (node >= 0) v.node = this.names[node]!;
    this.violations.push(v);
    if (this.trace !== null) this.trace.record(this.clockMs, Row.Violation, node, -1, 0, { invariant, message });
  }

  private misuseSend(from: NodeId, to: unknown): never {
    throw new MisuseError(
      `send(to=${String(to)})`,
      this.names[from] ?? null,
      this.clockMs,
      `there is no node ${String(to)}; nodes are ${this.names.map((n, i) => `${i}=${n}`).join(', ')}`,
    );
  }

  private assertOpen(call: string, node: NodeId | null): void {
    if (this.ended)
      throw new MisuseError(call, node === null ? null : this.names[node]!, this.clockMs, 'the simulation has ended (a callback outlived its run?)');
  }

  // ---------------------------------------------------------------- running

  /** Number of events processed so far. */
  get events(): number {
    return this.processed;
  }

  get pending(): number {
    return this.queue.size;
  }

  get messageStats(): Readonly<MessageStats> {
    return this.stats;
  }

  /** Spawns every node (once). Called by run(); call it directly to inspect nodes before running. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const node of this.nodes) this.spawn(node);
  }

  run(options: RunOptions = {}): RunOutcome {
    this.assertOpen('run', null);
    const untilMs = options.untilMs ?? Number.POSITIVE_INFINITY;
    const eventsMax = options.eventsMax ?? 50_000_000;
    const timeMaxMs = options.timeMaxMs ?? (Number.isFinite(untilMs) ? untilMs : 1e12);
    const stopAfter = options.stopAfterEvents ?? Number.POSITIVE_INFINITY;
    assert(!(untilMs < this.clockMs), 'untilMs is not in the past');
    this.start();
    const queue = this.queue;
    for (;;) {
      if (this.processed >= stopAfter) return { reason: 'events', timeMs: this.clockMs, events: this.processed };
      let t = queue.peekTime();
      if (t > untilMs || t > timeMaxMs || this.processed >= eventsMax) {
        // Dead timers at the head are not events: they must not trip a bound or decide why the run stopped.
        while (queue.size > 0 && this.isDeadTimer(queue.peekSlot())) this.release(queue.pop());
        t = queue.peekTime();
      }
      if (t > untilMs) {
        if (Number.isFinite(untilMs)) this.clockMs = untilMs;
        return { reason: t === Number.POSITIVE_INFINITY ? 'idle' : 'until', timeMs: this.clockMs, events: this.processed };
      }
      if (t === Number.POSITIVE_INFINITY) return { reason: 'idle', timeMs: this.clockMs, events: this.processed };
      if (this.processed >= eventsMax) throw new BoundExceededError('eventsMax', eventsMax, this.clockMs, this.processed);
      if (t > timeMaxMs) throw new BoundExceededError('timeMaxMs', timeMaxMs, t, this.processed);
      this.step();
    }
  }

  /** Runs exactly one pending event, starting the run first if needed; a timer that was cancelled or outlived its node is discarded without counting and without moving the clock. Returns false when idle. */
  step(): boolean {
    this.assertOpen('step', null);
    this.start();
    const queue = this.queue;
    if (queue.size === 0) return false;
    const t = queue.peekTime();
    const slot = queue.pop();
    // A cancelled timer, or one whose node crashed since, never happened: the clock does not move to it.
    if (this.isDeadTimer(slot)) {
      this.release(slot);
      return true;
    }
    assert(t >= this.clockMs, 'time never goes backwards');
    this.clockMs = t;
    const kind = this.kind[slot]!;
    const target = this.target[slot]!;
    const body = this.payload[slot];
    try {
      switch (kind) {
        case TIMER: {
          const table = this.table;
          if (table.status[target] === PAUSED) {
            this.nodes[target]!.deferred.push(slot);
            return true;
          }
          const id = this.ident[slot]!;
          this.release(slot);
          this.processed++;
          if (this.trace !== null) this.trace.record(t, Row.Timer, target, -1, id, body);
          const onTimer = table.onTimer[target];
          if (onTimer !== undefined) onTimer.call(table.handlers[target], body);
          return true;
        }
        case DELIVER: {
          const table = this.table;
          const status = table.status[target];
          if (status === PAUSED) {
            this.nodes[target]!.deferred.push(slot);
            return true;
          }
          const from = this.source[slot]!;
          const id = this.ident[slot]!;
          this.release(slot);
          this.processed++;
          this.stats.inFlight--;
          if (status === DOWN) {
            this.dropArrival(from, target, id, body, DROP_NODE_DOWN);
            return true;
          }
          if (this.network.anyCut && this.network.cut[from * this.network.stride + target] === 1) {
            this.dropArrival(from, target, id, body, DROP_PARTITION);
            return true;
          }
          this.stats.delivered++;
          if (this.trace !== null) this.trace.record(t, Row.Deliver, from, target, id, body);
          const onMessage = table.onMessage[target];
          if (onMessage === undefined) return true;
          if (this.duplicated === null) onMessage.call(table.handlers[target], from, body);
          else this.deliverCopyAware(onMessage, table.handlers[target], from, target, id, body);
          return true;
        }
        case FAULT: {
          this.release(slot);
          this.processed++;
          const left = this.faultsPending.get(t)! - 1;
          if (left === 0) this.faultsPending.delete(t);
          else this.faultsPending.set(t, left);
          this.apply(body as Fault);
          return true;
        }
        case CALL:
          this.release(slot);
          this.processed++;
          (body as () => void)();
          return true;
        default:
          throw new Error(`unknown event kind ${kind}`);
      }
    } catch (error) {
      this.redelivery = false;
      if (error instanceof CrashSignal) return true;
      if (error instanceof HandlerError || error instanceof BoundExceededError) throw error;
      throw new HandlerError(t, target >= 0 ? this.names[target]! : null, this.describeEvent(kind, body), error);
    }
  }

  /**
   * A delivery once some link has duplicated a message: `redelivery` says, while the handler
   * runs, whether the target's incarnation already received a copy of this one (and the first
   * copy is recorded). Off the plain delivery path, so a run without duplicates pays one test.
   */
  private deliverCopyAware(onMessage: (from: NodeId, msg: unknown) => void, handlers: unknown, from: NodeId, target: NodeId, id: number, body: unknown): void {
    const first = this.duplicated!.get(id);
    const incarnation = this.table.incarnation[target]!;
    this.redelivery = first === incarnation;
    if (first !== undefined && first !== incarnation) this.duplicated!.set(id, incarnation);
    onMessage.call(handlers, from, body);
    this.redelivery = false;
  }

  private isDeadTimer(slot: number): boolean {
    const kind = this.kind[slot]!;
    if (kind === CANCELLED) return true;
    if (kind !== TIMER) return false;
    const target = this.target[slot]!;
    return this.table.incarnation[target] !== this.incarnation[slot] || this.table.status[target] === DOWN;
  }

  private describeEvent(kind: number, body: unknown): string {
    const show = (v: unknown): string => {
      try {
        const s = JSON.stringify(v);
        return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 200)}...` : s;
      } catch {
        return String(v);
      }
    };
    switch (kind) {
      case TIMER:
        return `timer ${show(body)}`;
      case DELIVER:
        return `message ${show(body)}`;
      case FAULT:
        return `fault: ${describeFault(body as Fault)}`;
      default:
        return 'a scheduled callback';
    }
  }

  private dropArrival(from: NodeId, to: NodeId, id: number, msg: unknown, reason: number): void {
    this.stats.dropped++;
    if (this.trace !== null) this.trace.record(this.clockMs, Row.Drop, from, to, reason, { id, msg });
  }

  // ---------------------------------------------------------------- faults

  /** Applies one fault now. The fault plan is the only caller besides healAll. */
  private apply(fault: Fault): void {
    const trace = this.trace;
    switch (fault.kind) {
      case 'crash': {
        const id = this.nodeId(fault.node);
        if (fault.when === undefined) return this.crash(id, fault.torn ?? 0);
        const node = this.nodes[id]!;
        if (node.status === DOWN) return this.note(`${node.name} is already down`, 'info', id);
        node.armed.push(fault.when);
        node.armedTorn.push(fault.torn ?? 0);
        this.armedPoints++;
        return this.note(() => `${node.name} will crash at its next '${fault.when}' point`, 'info', id);
      }
      case 'restart':
        return this.restart(this.nodeId(fault.node));
      case 'pause': {
        const node = this.nodes[this.nodeId(fault.node)]!;
        if (node.status !== UP) return this.note(`${node.name} is not running, so it cannot pause`, 'info', node.id);
        node.status = PAUSED;
        if (trace !== null) trace.record(this.clockMs, Row.Pause, node.id, -1, 0, null);
        return;
      }
      case 'resume':
        return this.resume(this.nodeId(fault.node));
      case 'slow': {
        const node = this.nodes[this.nodeId(fault.node)]!;
        this.changePace(node, () => {
          node.slowFactor = fault.factor;
        });
        if (trace !== null) trace.record(this.clockMs, Row.Slow, node.id, -1, fault.factor, null);
        return;
      }
      case 'partition':
        this.network.partition(
          fault.groups.map((g) => g.map((n) => this.nodeId(n))),
          fault.oneWay ?? false,
        );
        if (trace !== null) trace.record(this.clockMs, Row.Partition, -1, -1, 0, fault);
        return;
      case 'bridge':
        this.network.bridge(
          fault.groups[0].map((n) => this.nodeId(n)),
          fault.groups[1].map((n) => this.nodeId(n)),
          this.nodeId(fault.via),
        );
        if (trace !== null) trace.record(this.clockMs, Row.Partition, -1, -1, 0, fault);
        return;
      case 'heal':
        this.network.heal();
        if (trace !== null) trace.record(this.clockMs, Row.Heal, -1, -1, 0, null);
        return;
      case 'degrade':
        this.network.degrade(fault.from === undefined ? null : this.nodeId(fault.from), fault.to === undefined ? null : this.nodeId(fault.to), {
          latency: fault.latency,
          lossRate: fault.lossRate,
          duplicateRate: fault.duplicateRate,
          reorderRate: fault.reorderRate,
        });
        if (trace !== null) trace.record(this.clockMs, Row.Degrade, -1, -1, 0, fault);
        return;
      case 'restore':
        this.network.restore();
        if (trace !== null) trace.record(this.clockMs, Row.Restore, -1, -1, 0, null);
        return;
      case 'skew':
      case 'drift':
      case 'resync': {
        const node = this.nodes[this.nodeId(fault.node)]!;
        this.changePace(node, () => {
          if (fault.kind === 'skew') node.skewClock(this.clockMs, fault.byMs);
          else if (fault.kind === 'drift') node.driftClock(this.clockMs, fault.rate);
          else node.resyncClock();
        });
        if (trace !== null) trace.record(this.clockMs, Row.Clock, node.id, -1, 0, fault);
        return;
      }
      case 'inject': {
        if (trace !== null) trace.record(this.clockMs, Row.Inject, fault.node === undefined ? -1 : this.nodeId(fault.node), -1, 0, fault);
        if (fault.node === undefined) {
          this.injectors.get(fault.name)!(fault);
          return;
        }
        const node = this.nodes[this.nodeId(fault.node)]!;
        if (node.status !== UP) return this.note(`${fault.name} aimed at ${node.name} has no effect: it is ${STATUS_NAMES[node.status]}`, 'info', node.id);
        node.handlers!.onInject?.(fault);
        return;
      }
    }
  }

  /**
   * Changes how fast a node's time passes (its slowdown, its clock's rate) and moves its
   * pending timers to match: what was left of each one is stretched or shrunk by the change,
   * so a timer set while the node was slowed fires on time once the slowdown ends.
   */
  private changePace(node: SimNode, change: () => void): void {
    const before = node.slowFactor / node.clockRate;
    change();
    const after = node.slowFactor / node.clockRate;
    if (after === before) return;
    const now = this.clockMs;
    const id = node.id;
    this.queue.retime((slot, time) => (this.kind[slot] === TIMER && this.target[slot] === id && time > now ? now + ((time - now) * after) / before : time));
  }

  /** Crashes a node: its volatile state is gone, and so is every write it had not forced but the first `kept`. */
  private crash(id: NodeId, kept = 0): void {
    const node = this.nodes[id]!;
    if (node.status === DOWN) return this.note(`${node.name} is already down`, 'info', id);
    node.status = DOWN;
    node.incarnation++;
    node.handlers = null;
    node.slowFactor = 1;
    this.disarm(node);
    const lost = node.crashDisk(kept);
    // What waited for a paused node dies with it: timers vanish, arrivals are dropped.
    for (const slot of node.deferred) {
      if (this.kind[slot] === DELIVER) {
        this.stats.inFlight--;
        this.dropArrival(this.source[slot]!, id, this.ident[slot]!, this.payload[slot], DROP_NODE_DOWN);
      }
      this.release(slot);
    }
    node.deferred = [];
    if (this.trace !== null) this.trace.record(this.clockMs, Row.Crash, id, -1, lost, null);
  }

  private restart(id: NodeId): void {
    const node = this.nodes[id]!;
    if (node.status !== DOWN) return this.note(`${node.name} is running, so there is nothing to restart`, 'info', id);
    node.status = UP;
    if (this.trace !== null) this.trace.record(this.clockMs, Row.Restart, id, -1, 0, null);
    this.spawn(node);
  }

  private resume(id: NodeId): void {
    const node = this.nodes[id]!;
    if (node.status !== PAUSED) return this.note(`${node.name} is not paused`, 'info', id);
    node.status = UP;
    if (this.trace !== null) this.trace.record(this.clockMs, Row.Resume, id, -1, 0, null);
    // What arrived during the stall is handled now, in arrival order.
    for (const slot of node.deferred) this.queue.push(this.clockMs, slot);
    node.deferred = [];
  }

  /**
   * Ends every fault at once: disarms pending crash points, restarts crashed nodes, resumes
   * paused ones, restores speed, sets clocks right, heals partitions and restores links.
   * Liveness is judged only after this.
   */
  healAll(): void {
    const trace = this.trace;
    for (const node of this.nodes) {
      this.disarm(node);
      if (node.status === DOWN) this.restart(node.id);
      else if (node.status === PAUSED) this.resume(node.id);
      if (node.slowFactor !== 1) {
        this.changePace(node, () => {
          node.slowFactor = 1;
        });
        if (trace !== null) trace.record(this.clockMs, Row.Slow, node.id, -1, 1, null);
      }
      if (!node.clockTrue) {
        this.changePace(node, () => node.resyncClock());
        if (trace !== null) trace.record(this.clockMs, Row.Clock, node.id, -1, 0, { at: this.clockMs, kind: 'resync', node: node.name });
      }
    }
    this.network.heal();
    this.network.restore();
    if (trace !== null) {
      trace.record(this.clockMs, Row.Heal, -1, -1, 0, null);
      trace.record(this.clockMs, Row.Restore, -1, -1, 0, null);
    }
  }

  // ---------------------------------------------------------------- internals

  private spawn(node: SimNode): void {
    const ctx = new NodeContext<unknown, unknown>(this, node.id, node.name, node.incarnation);
    node.handlers = node.spawn(ctx);
  }

  private disarm(node: SimNode): void {
    this.armedPoints -= node.armed.length;
    node.armed = [];
    node.armedTorn = [];
  }

  private allocate(kind: number, target: number, source: number, incarnation: number, ident: number, payload: unknown): number {
    let slot: number;
    if (this.freeCount > 0) slot = this.free[--this.freeCount]!;
    else {
      if (this.slotCount === this.kind.length) this.growSlots();
      slot = this.slotCount++;
    }
    this.kind[slot] = kind;
    this.target[slot] = target;
    this.source[slot] = source;
    this.incarnation[slot] = incarnation;
    this.ident[slot] = ident;
    this.payload[slot] = payload;
    return slot;
  }

  private release(slot: number): void {
    this.generation[slot]!++;
    this.payload[slot] = undefined;
    this.free[this.freeCount++] = slot;
  }

  private growSlots(): void {
    const cap = this.kind.length * 2;
    assert(cap <= SLOT_SPACE, 'fewer than 16,777,216 pending events');
    const { ident, target, source, incarnation, generation, free, kind } = this;
    this.columns(cap);
    this.ident.set(ident);
    this.target.set(target);
    this.source.set(source);
    this.incarnation.set(incarnation);
    this.generation.set(generation);
    this.free.set(free);
    this.kind.set(kind);
    for (let i = this.payload.length; i < cap; i++) this.payload.push(undefined);
  }

  /**
   * Lays the record columns for `cap` slots out in one buffer, the 8-byte column first, then
   * the 4-byte ones, then the bytes: one allocation (and one for the collector to sweep) where
   * seven were, which a check that builds thousands of small simulations paid for each.
   */
  private columns(cap: number): void {
    // Each column starts a cache line further along than a multiple of the capacity: with a
    // power-of-two capacity, a slot's fields would otherwise all fall in one set of the cache.
    const buffer = new ArrayBuffer(cap * 29 + 7 * 64);
    this.ident = new Float64Array(buffer, 0, cap);
    this.target = new Int32Array(buffer, cap * 8 + 64, cap);
    this.source = new Int32Array(buffer, cap * 12 + 128, cap);
    this.incarnation = new Int32Array(buffer, cap * 16 + 192, cap);
    this.generation = new Uint32Array(buffer, cap * 20 + 256, cap);
    this.free = new Int32Array(buffer, cap * 24 + 320, cap);
    this.kind = new Uint8Array(buffer, cap * 28 + 384, cap);
  }
}
