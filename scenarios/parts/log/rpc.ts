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
  private readonly pending = new Map<number, { onReply: (m: LogMessage | null) => void; timer: TimerId }>();
  /** The node incarnation's id sequence (shared with every other client on it). */
  private readonly ids: RequestIds;

  constructor(
    private readonly ctx: LogContext,
    private readonly client: string,
  ) {
    this.ids = requestIds(ctx);
  }

  /** Sends the request `make(id)` to `to`; `onReply` gets its response, or null after `timeoutMs`. */
  call(to: NodeId, timeoutMs: number, make: (id: number) => LogMessage, onReply: (m: LogMessage | null) => void): number {
    const id = this.ids.take();
    const timer = this.ctx.setTimer(timeoutMs, { owner: 'rpc', client: this.client, id });
    this.pending.set(id, { onReply, timer });
    this.ctx.send(to, make(id));
    return id;
  }

  /**
   * Sends `request` to `to` with a fresh id written into its `id` field (a placeholder until
   * now, so the field keeps its place among the others); `onReply` as for `call`. For a
   * request sent often, where `call` would build a closure to make it.
   */
  request(to: NodeId, timeoutMs: number, request: LogMessage & { id: number }, onReply: (m: LogMessage | null) => void): number {
    const id = this.ids.take();
    const timer = this.ctx.setTimer(timeoutMs, { owner: 'rpc', client: this.client, id });
    this.pending.set(id, { onReply, timer });
    request.id = id;
    this.ctx.send(to, request);
    return id;
  }

  /** True while request `id` awaits its response. */
  has(id: number): boolean {
    return this.pending.has(id);
  }

  /** Forgets a request: its response, if one comes, is ignored. */
  cancel(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.ctx.cancelTimer(p.timer);
    this.pending.delete(id);
  }

  /** Handles the response to one of this client's requests; false for anything else. */
  onMessage(m: LogMessage): boolean {
    // Every message a node gets is offered here: a property read, not an \`in\` test, on the many message shapes.
    const id = (m as { id?: number }).id;
    if (id === undefined) return false;
    const p = this.pending.get(id);
    if (p === undefined) return false;
    this.pending.delete(id);
    this.ctx.cancelTimer(p.timer);
    p.onReply(m);
    return true;
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'rpc' || t.client !== this.client) return false;
    const p = this.pending.get(t.id);
    if (p === undefined) return true;
    this.pending.delete(t.id);
    p.onReply(null);
    return true;
  }
}
