/**
 * Rpc: a client's requests awaiting their responses. Each request gets an id unique within
 * the node across its restarts (one id sequence per node incarnation, shared by every
 * client on it), and a timeout: when no response arrives in time the caller hears `null`
 * and decides whether to retry — the request may or may not have been carried out.
 */
import type { NodeId, TimerId } from '../../../engine/index.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import { type LogMessage, RequestIds } from './log-protocol.ts';

const idsByNode = new WeakMap<object, RequestIds>();

/** The request-id sequence of one node incarnation. */
export function requestIds(ctx: LogContext): RequestIds {
  let ids = idsByNode.get(ctx);
  if (ids === undefined) {
    ids = new RequestIds(ctx.incarnation);
    idsByNode.set(ctx, ids);
  }
  return ids;
}

export type RpcTimer = { owner: 'rpc'; client: string; id: number };

export class Rpc {
  /**
   * The requests awaiting a response, as three parallel columns (id, timeout timer, reply
   * handler), unordered: a client has a handful in flight, so a scan finds one faster than a
   * Map that adds and deletes an entry per request (and rehashes as it churns), and nothing
   * is allocated per request.
   */
  private readonly ids: number[] = [];
  private readonly timers: TimerId[] = [];
  private readonly replies: ((m: LogMessage | null) => void)[] = [];
  /** The node incarnation's id sequence (shared with every other client on it). */
  private readonly sequence: RequestIds;

  constructor(
    private readonly ctx: LogContext,
    private readonly client: string,
  ) {
    this.sequence = requestIds(ctx);
  }

  /** Sends the request `make(id)` to `to`; `onReply` gets its response, or null after `timeoutMs`. */
  call(to: NodeId, timeoutMs: number, make: (id: number) => LogMessage, onReply: (m: LogMessage | null) => void): number {
    const id = this.await(timeoutMs, onReply);
    this.ctx.send(to, make(id));
    return id;
  }

  /**
   * Sends `request` to `to` with a fresh id written into its `id` field (a placeholder until
   * now, so the field keeps its place among the others); `onReply` as for `call`. For a
   * request sent often, where `call` would build a closure to make it.
   */
  request(to: NodeId, timeoutMs: number, request: LogMessage & { id: number }, onReply: (m: LogMessage | null) => void): number {
    const id = this.await(timeoutMs, onReply);
    request.id = id;
    this.ctx.send(to, request);
    return id;
  }

  /** True while request `id` awaits its response. */
  has(id: number): boolean {
    return this.ids.indexOf(id) >= 0;
  }

  /** Forgets a request: its response, if one comes, is ignored. */
  cancel(id: number): void {
    const i = this.ids.indexOf(id);
    if (i < 0) return;
    this.ctx.cancelTimer(this.timers[i]!);
    this.forget(i);
  }

  /** Handles the response to one of this client's requests; false for anything else. */
  onMessage(m: LogMessage): boolean {
    // Every message a node gets is offered here: a property read, not an \`in\` test, on the many message shapes.
    const id = (m as { id?: number }).id;
    if (id === undefined) return false;
    const i = this.ids.indexOf(id);
    if (i < 0) return false;
    const onReply = this.replies[i]!;
    this.ctx.cancelTimer(this.timers[i]!);
    this.forget(i);
    onReply(m);
    return true;
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'rpc' || t.client !== this.client) return false;
    const i = this.ids.indexOf(t.id);
    if (i < 0) return true;
    const onReply = this.replies[i]!;
    this.forget(i);
    onReply(null);
    return true;
  }

  /** A fresh id, awaited with its timeout. */
  private await(timeoutMs: number, onReply: (m: LogMessage | null) => void): number {
    const id = this.sequence.take();
    this.ids.push(id);
    this.timers.push(this.ctx.setTimer(timeoutMs, { owner: 'rpc', client: this.client, id }));
    this.replies.push(onReply);
    return id;
  }

  /** Drops entry `i`: the last entry takes its place (the columns keep no order). */
  private forget(i: number): void {
    const last = this.ids.length - 1;
    this.ids[i] = this.ids[last]!;
    this.timers[i] = this.timers[last]!;
    this.replies[i] = this.replies[last]!;
    this.ids.pop();
    this.timers.pop();
    this.replies.pop();
  }
}
