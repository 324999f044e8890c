/**
 * Request/response over an unreliable network: the client side, with a timeout per attempt,
 * retries after an exponential backoff with jitter, and an idempotency key carried by every
 * attempt of one call.
 *
 * A call is sent as a `request` envelope with a request id (`rid`) unique to this node and
 * incarnation; the server answers with a `reply` naming the same rid. An attempt with no
 * reply after `timeoutMs` has timed out, and the same request (same rid, same key) is sent
 * again after a backoff. Note what a timeout cannot tell: whether the request was lost, or
 * carried out and only the reply lost. A retry may therefore reach a server that has already
 * acted on it, which is why a server that must not act twice looks the key up in an
 * idempotency store (see idempotency-store.ts) before acting.
 *
 * The client's state is volatile: a crash forgets every call in progress, and replies to the
 * old incarnation's requests are recognised by their rid and ignored. Timeouts run on the
 * node's own clock, as a real client's do: a clock that runs fast gives up early.
 *
 * Use: a node whose messages include `Request<Q>` and `Reply<R>` and whose timers include
 * `RequestTimer` forwards its messages and timers to `onMessage` / `onTimer` first; each
 * returns true when the message or timer was the client's. Retries and timeouts are told to
 * an optional observer (a dashboard, never the protocol).
 */
import { assert, type NodeContext, type NodeId, type TimerId } from '../../../engine/index.ts';
import { spelledOnce } from '../workload/numbered-names.ts';
import { type Backoff, backoffDelayMs } from './backoff.ts';

/** A request envelope: one attempt of a call. Every attempt of a call carries the same rid and key. */
export interface Request<B = unknown> {
  type: 'request';
  rid: string;
  /** The idempotency key: a server that has seen it returns the recorded response instead of acting again. */
  key?: string;
  body: B;
}

/** A reply envelope. */
export interface Reply<B = unknown> {
  type: 'reply';
  rid: string;
  body: B;
}

export interface RetryPolicy {
  /** An attempt with no reply after this long has timed out. */
  timeoutMs: number;
  /** Attempts in all, the first included; `Infinity` retries until answered. */
  attemptsMax: number;
  /** The wait between a timeout and the next attempt. */
  backoff: Backoff;
}

export interface CallOptions {
  key?: string;
  /** Called when the last attempt timed out (never, when attempts are unlimited). */
  onGiveUp?: () => void;
}

interface Call<Q, R> {
  to: NodeId | string;
  request: Request<Q>;
  attempt: number;
  timer: TimerId;
  onReply: (body: R, from: NodeId) => void;
  onGiveUp: (() => void) | undefined;
}

/** What a scenario may watch of its request clients (metrics, never the protocol). */
export interface RequestObserver {
  /** An attempt beyond a call's first was sent. */
  onRetry?(): void;
  /** An attempt went unanswered for `timeoutMs`. */
  onTimeout?(): void;
}

/** The timers of a request client. */
export type RequestTimer = { kind: 'request-timeout' | 'request-retry'; client: string; rid: string };

/** What a request client needs of its node: to send requests and set its timers. */
// biome-ignore lint/suspicious/noExplicitAny: a node of any protocol whose messages include this client's requests.
export type RequestContext = NodeContext<any, RequestTimer>;

export class RequestClient<Q, R> {
  private readonly calls = new Map<string, Call<Q, R>>();
  private readonly prefix: string;
  /** This prefix's request ids spelt so far (shared by every run of the process that names its client alike). */
  private readonly rids: string[];
  private seq = 0;
  /** Attempts sent, first attempts included. */
  attempts = 0;
  /** Attempts that timed out. */
  timeouts = 0;
  /** Calls abandoned after their last attempt. */
  gaveUp = 0;

  constructor(
    private readonly ctx: RequestContext,
    private readonly policy: RetryPolicy,
    /** Tells this client's timers and request ids apart from another client's on the same node. */
    private readonly label = 'rpc',
    private readonly observer: RequestObserver = {},
  ) {
    assert(policy.timeoutMs > 0, 'request timeoutMs is positive');
    assert(policy.attemptsMax >= 1, 'request attemptsMax is at least 1');
    const spelt = spellingOf(ctx.name, label, ctx.incarnation);
    this.prefix = spelt.prefix;
    this.rids = spelt.rids;
  }

  /** Sends `body` to `to`, retrying until a reply comes or the attempts run out. Returns the request id. */
  call(to: NodeId | string, body: Q, onReply: (body: R, from: NodeId) => void, options: CallOptions = {}): string {
    const seq = ++this.seq;
    const rid = seq < RIDS_KEPT ? (this.rids[seq] ??= `${this.prefix}${seq}`) : `${this.prefix}${seq}`;
    const request: Request<Q> = options.key === undefined ? { type: 'request', rid, body } : { type: 'request', rid, key: options.key, body };
    const call: Call<Q, R> = { to, request, attempt: 0, timer: -1, onReply, onGiveUp: options.onGiveUp };
    this.calls.set(rid, call);
    this.attempt(call);
    return rid;
  }

  /** Handles a reply to one of this client's requests; true if `msg` was one (late replies included). */
  onMessage(from: NodeId, msg: unknown): boolean {
    if (!isReply(msg)) return false;
    const call = this.calls.get(msg.rid);
    // Not a call in progress: this client's only if its rid says so (a late reply to an answered call, or a duplicate).
    if (call === undefined) return msg.rid.startsWith(this.prefix);
    this.calls.delete(msg.rid);
    this.ctx.cancelTimer(call.timer);
    call.onReply(msg.body as R, from);
    return true;
  }

  /** Handles this client's timeouts and retries; true if `tag` was one of its timers. */
  onTimer(tag: unknown): boolean {
    if (!isRequestTimer(tag) || tag.client !== this.label) return false;
    const t = tag;
    const call = this.calls.get(t.rid);
    if (call === undefined) return true;
    if (t.kind === 'request-retry') {
      this.attempt(call);
      return true;
    }
    this.timeouts++;
    this.observer.onTimeout?.();
    if (call.attempt >= this.policy.attemptsMax) {
      this.calls.delete(t.rid);
      this.gaveUp++;
      call.onGiveUp?.();
      return true;
    }
    const waitMs = backoffDelayMs(this.policy.backoff, call.attempt, this.ctx.rng);
    call.timer = this.ctx.setTimer(waitMs, { kind: 'request-retry', client: this.label, rid: t.rid } satisfies RequestTimer);
    return true;
  }

  /** Calls waiting for a reply. */
  get inFlight(): number {
    return this.calls.size;
  }

  /** Attempts beyond the first of each call. */
  get retries(): number {
    return this.attempts - this.seq;
  }

  private attempt(call: Call<Q, R>): void {
    call.attempt++;
    this.attempts++;
    if (call.attempt > 1) this.observer.onRetry?.();
    this.ctx.send(call.to, call.request);
    call.timer = this.ctx.setTimer(this.policy.timeoutMs, { kind: 'request-timeout', client: this.label, rid: call.request.rid } satisfies RequestTimer);
  }
}

/**
 * Request ids, spelt once per process for the first RIDS_KEPT calls of each client prefix: a
 * check's runs name their clients and number their calls alike, and a rid is looked up by the
 * client (and often kept by the server) in maps that hash it.
 */
const RIDS_KEPT = 4096;

/** A client's rid prefix and the rids spelt with it. */
interface Spelling {
  prefix: string;
  rids: string[];
}

/** Spellings by node name, client label and incarnation (names and labels are the scenario's own, so few). */
const spellingsOf = spelledOnce(() => new Map<string, Spelling[]>());

function spellingOf(node: string, label: string, incarnation: number): Spelling {
  const byLabel = spellingsOf(node);
  let byIncarnation = byLabel.get(label);
  if (byIncarnation === undefined) byLabel.set(label, (byIncarnation = []));
  if (incarnation >= 64) return { prefix: `${node}/${label}/${incarnation}/`, rids: [] };
  return (byIncarnation[incarnation] ??= { prefix: `${node}/${label}/${incarnation}/`, rids: [] });
}

/** Answers a request: the reply names the request's rid, so the caller can match it. */
// biome-ignore lint/suspicious/noExplicitAny: a node of any protocol whose messages include replies.
export function reply<B>(ctx: NodeContext<any, any>, to: NodeId, request: Request, body: B): void {
  ctx.send(to, { type: 'reply', rid: request.rid, body } satisfies Reply<B>);
}

export function isRequest(msg: unknown): msg is Request {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'request';
}

export function isReply(msg: unknown): msg is Reply {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'reply';
}

function isRequestTimer(tag: unknown): tag is RequestTimer {
  if (typeof tag !== 'object' || tag === null) return false;
  const kind = (tag as { kind?: unknown }).kind;
  return kind === 'request-timeout' || kind === 'request-retry';
}
