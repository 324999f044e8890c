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

/** The timer tag of a call's timeout: a small record, told apart from the owner's own tags by `call`. */
interface CallTimeout {
  call: number;
}

type Done = (reply: unknown | null, elapsedMs: number) => void;

export class PendingCalls {
  /**
   * Call `id`'s callback (undefined once answered), timeout timer and send time, at index
   * `id - 1`: ids are handed out in order, so three columns replace a map of one record per
   * call (a cache-backed app makes a call or two per request).
   */
  private readonly done: (Done | undefined)[] = [];
  private readonly timer: TimerId[] = [];
  private readonly sentAt: number[] = [];
  private waiting = 0;
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
    const id = this.done.length + 1;
    msg.id = id;
    this.ctx.send(to, msg);
    this.timer.push(this.ctx.setTimer(timeoutMs, { call: id } satisfies CallTimeout));
    this.sentAt.push(this.ctx.now);
    this.done.push(done as Done);
    this.waiting++;
    return id;
  }

  /** Sends `msg` with no reply expected (id 0: the receiver is told not to answer). */
  send(to: NodeId, msg: { id?: number }): void {
    msg.id = 0;
    this.ctx.send(to, msg);
  }

  /** Handles a reply; true if it answered (or came too late for) one of these calls. */
  onReply(msg: { id?: unknown }): boolean {
    const id = msg.id;
    if (typeof id !== 'number') return false;
    const done = this.take(id);
    if (done === undefined) return id > 0 && id < this.done.length + 1;
    this.ctx.cancelTimer(this.timer[id - 1]!);
    done(msg, this.ctx.now - this.sentAt[id - 1]!);
    return true;
  }

  /** Handles a call's timeout; true if `tag` was one. */
  onTimer(tag: unknown): boolean {
    if (typeof tag !== 'object' || tag === null || !('call' in tag)) return false;
    const id = (tag as CallTimeout).call;
    const done = this.take(id);
    if (done === undefined) return true;
    this.timeouts++;
    done(null, this.ctx.now - this.sentAt[id - 1]!);
    return true;
  }

  /** The callback of call `id` if it is still waiting, which it no longer is. */
  private take(id: number): Done | undefined {
    if (!(id > 0 && id <= this.done.length)) return undefined;
    const done = this.done[id - 1];
    if (done === undefined) return undefined;
    this.done[id - 1] = undefined;
    this.waiting--;
    return done;
  }

  get inFlight(): number {
    return this.waiting;
  }
}
