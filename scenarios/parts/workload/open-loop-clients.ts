/**
 * The users: one node that sends a workload's requests to the app servers at their arrival
 * times (open loop: a slow answer does not delay the next arrival), waits up to `timeoutMs`
 * for each attempt, and retries a failed or timed-out one after a backoff, up to `retries`
 * times. A retry is a fresh attempt: whatever the abandoned one still costs the servers, it
 * costs it on top (the retry storm of every overload story).
 *
 * Faults of its own (inject): `burst` with `{ factor, durationMs }` adds arrivals at
 * (factor - 1) times the base rate for that long, drawn from the node's own stream.
 *
 * Outcomes go to a `RequestLog` (the auditors and monitors); the node keeps no other record.
 */
import type { InjectFault, NodeContext, NodeId, Spawn, TimerId } from '../../../engine/index.ts';
import { type Backoff, backoffDelayMs } from '../resilience/backoff.ts';
import { drawRequests, type Request, type WorkloadSpec } from './workload.ts';

/** One attempt of a request, client to app. */
export interface AppRequest {
  type: 'req';
  id: number;
  attempt: number;
  key: string;
  kind: 'read' | 'write';
  /** A write's value. */
  value?: unknown;
}

/** The app's answer to one attempt. */
export interface AppResponse {
  type: 'res';
  id: number;
  attempt: number;
  ok: boolean;
  /** A read's value (null: the key holds nothing). */
  value?: unknown;
  /** Why it failed, or where a read was served from (`cache`, `db`...). */
  detail?: string;
}

export type AppMessage = AppRequest | AppResponse;

/** How an app server answers one attempt of a request. */
export function respond(ctx: { send(to: NodeId, msg: AppResponse): void }, to: NodeId, req: AppRequest, ok: boolean, value?: unknown, detail?: string): void {
  const res: AppResponse = { type: 'res', id: req.id, attempt: req.attempt, ok };
  if (value !== undefined) res.value = value;
  if (detail !== undefined) res.detail = detail;
  ctx.send(to, res);
}

export interface AttemptOutcome {
  request: Request;
  attempt: number;
  ok: boolean;
  /** From this attempt's send to its answer (or timeout). */
  latencyMs: number;
  /** The response, or null for a timeout. */
  response: AppResponse | null;
}

export interface RequestOutcome {
  request: Request;
  ok: boolean;
  /** When the first attempt was sent. */
  startMs: number;
  /** When the final attempt was sent. */
  lastAttemptMs: number;
  /** From the first attempt's send to the final answer: what the user waited. */
  latencyMs: number;
  attempts: number;
  response: AppResponse | null;
}

/** Where outcomes go: the scenario's auditors and monitors. */
export interface RequestLog {
  attempted?(request: Request, attempt: number, nowMs: number): void;
  attemptDone?(outcome: AttemptOutcome): void;
  finished(outcome: RequestOutcome): void;
}

export interface ClientsConfig {
  requests: readonly Request[];
  apps: readonly NodeId[];
  timeoutMs: number;
  retries: number;
  backoff: Backoff;
  log: RequestLog;
  /** The workload a `burst` inject thickens (its rate, keys and mix). */
  burstSpec?: Omit<WorkloadSpec, 'fromMs' | 'toMs' | 'bursts'>;
  /** A write's value (default `{ w: request id }`: every write's value is unique). */
  writeValue?: (request: Request) => unknown;
}

interface Pending {
  request: Request;
  attempt: number;
  startMs: number;
  attemptMs: number;
  timer: TimerId;
  done: boolean;
}

type Tag = 'next' | { arrive: Request } | { timeout: number; attempt: number } | { retry: number };

export function openLoopClients(config: ClientsConfig): Spawn<AppMessage> {
  return (ctx: NodeContext<AppMessage>) => {
    const pending = new Map<number, Pending>();
    const writeValue = config.writeValue ?? ((r: Request) => ({ w: r.id }));
    let cursor = 0;
    let burstIds = config.requests.length + 1_000_000 * (ctx.incarnation + 1);
    // A restarted client picks the schedule up where the clock is: arrivals it missed are lost.
    while (cursor < config.requests.length && config.requests[cursor]!.atMs < ctx.now) cursor++;

    const scheduleNext = (): void => {
      if (cursor < config.requests.length) ctx.setTimer(Math.max(0, config.requests[cursor]!.atMs - ctx.now), 'next' satisfies Tag);
    };

    const send = (p: Pending): void => {
      const r = p.request;
      p.attemptMs = ctx.now;
      const msg: AppRequest = { type: 'req', id: r.id, attempt: p.attempt, key: r.key, kind: r.kind };
      if (r.kind === 'write') msg.value = writeValue(r);
      config.log.attempted?.(r, p.attempt, ctx.now);
      ctx.send(config.apps[r.app % config.apps.length]!, msg);
      p.timer = ctx.setTimer(config.timeoutMs, { timeout: r.id, attempt: p.attempt } satisfies Tag);
    };

    const arrive = (request: Request): void => {
      const p: Pending = { request, attempt: 1, startMs: ctx.now, attemptMs: ctx.now, timer: -1, done: false };
      pending.set(request.id, p);
      send(p);
    };

    const attemptOver = (p: Pending, response: AppResponse | null): void => {
      const ok = response?.ok === true;
      config.log.attemptDone?.({ request: p.request, attempt: p.attempt, ok, latencyMs: ctx.now - p.attemptMs, response });
      if (!ok && p.attempt <= config.retries) {
        ctx.setTimer(backoffDelayMs(config.backoff, p.attempt, ctx.rng), { retry: p.request.id } satisfies Tag);
        return;
      }
      p.done = true;
      pending.delete(p.request.id);
      config.log.finished({
        request: p.request,
        ok,
        startMs: p.startMs,
        lastAttemptMs: p.attemptMs,
        latencyMs: ctx.now - p.startMs,
        attempts: p.attempt,
        response,
      });
    };

    const onBurst = (fault: InjectFault): void => {
      const spec = config.burstSpec;
      if (spec === undefined) return;
      const factor = Number(fault.args?.factor ?? 2);
      const durationMs = Number(fault.args?.durationMs ?? 100);
      if (!(factor > 1) || !(durationMs > 0)) return;
      const extra = drawRequests(ctx.rng, { ...spec, ratePerMs: spec.ratePerMs * (factor - 1), fromMs: ctx.now, toMs: ctx.now + durationMs }, burstIds);
      burstIds += extra.length;
      for (const r of extra) ctx.setTimer(r.atMs - ctx.now, { arrive: r } satisfies Tag);
      ctx.note(() => `a traffic burst: ${extra.length} extra requests over the next ${durationMs} ms (${factor}x the usual rate)`, 'key');
    };

    scheduleNext();
    return {
      onMessage(_from, msg) {
        if (msg.type !== 'res') return;
        const p = pending.get(msg.id);
        // An answer to an attempt the user already gave up on is thrown away.
        if (p === undefined || p.done || msg.attempt !== p.attempt) return;
        ctx.cancelTimer(p.timer);
        p.timer = -1;
        attemptOver(p, msg);
      },
      onTimer(tag) {
        const t = tag as Tag;
        if (t === 'next') {
          arrive(config.requests[cursor++]!);
          scheduleNext();
        } else if ('arrive' in t) arrive(t.arrive);
        else if ('timeout' in t) {
          const p = pending.get(t.timeout);
          if (p !== undefined && p.attempt === t.attempt && p.timer !== -1) {
            p.timer = -1;
            attemptOver(p, null);
          }
        } else {
          const p = pending.get(t.retry);
          if (p !== undefined) {
            p.attempt++;
            send(p);
          }
        }
      },
      onInject(fault) {
        if (fault.name === 'burst') onBurst(fault);
      },
    };
  };
}
