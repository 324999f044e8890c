/**
 * PendingCalls: the calls a node has made to other nodes (a cache, a database) and is
 * waiting on, each with a timeout. A call is answered exactly once: by its reply, or by
 * `null` when the timeout fires first. A reply that comes after its timeout is ignored, as a
 * client library that gave up ignores a late answer (the server did the work all the same).
 *
 * Replies are matched by `id`, unique per node incarnation. The owner forwards replies and
 * timers: `onReply(msg)` and `onTimer(tag)` return true when the message or timer was a call's.
 */
import { assert, type NodeContext, type NodeId, type TimerId } from '../../../engine/index.ts';

interface Call {
  done: (reply: unknown | null, elapsedMs: number) => void;
  timer: TimerId;
  sentAt: number;
}

/** The timer tag of a call's timeout: a small record, told apart from the owner's own tags by `call`. */
interface CallTimeout {
  call: number;
}

export class PendingCalls {
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  /** Calls that timed out. */
  timeouts = 0;

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: any message type; calls only send and set timers.
    private readonly ctx: NodeContext<any>,
  ) {}

  /**
   * Sends `msg` to `to` with a fresh `id` (set on the object, which the caller hands over),
   * and calls `done(reply, elapsedMs)` on its reply, or `done(null, timeoutMs)` when the
   * timeout passes first. Returns the call's id.
   */
  call<R>(to: NodeId, msg: { id?: number }, timeoutMs: number, done: (reply: R | null, elapsedMs: number) => void): number {
    assert(timeoutMs > 0, 'a call timeout is positive');
    const id = this.nextId++;
    msg.id = id;
    this.ctx.send(to, msg);
    const timer = this.ctx.setTimer(timeoutMs, { call: id } satisfies CallTimeout);
    this.calls.set(id, { done: done as Call['done'], timer, sentAt: this.ctx.now });
    return id;
  }

  /** Sends `msg` with no reply expected (id 0: the receiver is told not to answer). */
  send(to: NodeId, msg: { id?: number }): void {
    msg.id = 0;
    this.ctx.send(to, msg);
  }

  /** Handles a reply; true if it answered (or came too late for) one of these calls. */
  onReply(msg: { id?: unknown }): boolean {
    if (typeof msg.id !== 'number') return false;
    const call = this.calls.get(msg.id);
    if (call === undefined) return msg.id > 0 && msg.id < this.nextId;
    this.calls.delete(msg.id);
    this.ctx.cancelTimer(call.timer);
    call.done(msg, this.ctx.now - call.sentAt);
    return true;
  }

  /** Handles a call's timeout; true if `tag` was one. */
  onTimer(tag: unknown): boolean {
    if (typeof tag !== 'object' || tag === null || !('call' in tag)) return false;
    const id = (tag as CallTimeout).call;
    const call = this.calls.get(id);
    if (call === undefined) return true;
    this.calls.delete(id);
    this.timeouts++;
    call.done(null, this.ctx.now - call.sentAt);
    return true;
  }

  get inFlight(): number {
    return this.calls.size;
  }
}
