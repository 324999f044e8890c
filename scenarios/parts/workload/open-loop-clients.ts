/**
 * The users: one node that sends a workload's requests to the app servers at their arrival
 * times (open loop: a slow answer does not delay the next arrival), waits up to `timeoutMs`
 * for each attempt, and retries a failed or timed-out one after a backoff, up to `retries`
 * times. A retry is a fresh attempt of the same request (same id, so a server that keys its
 * writes by request id applies it once): whatever the abandoned attempt still costs the
 * servers, it costs it on top (the retry storm of every overload story).
 *
 * A write or delete marked `readBack` is followed, once acknowledged, by a read of the same
 * key through the next app server: the user reloading the page (read-your-writes).
 *
 * Faults of its own (inject): `burst` with `{ factor, durationMs }` adds arrivals at
 * (factor - 1) times the base rate for that long, drawn from the node's own stream.
 *
 * Outcomes go to a `RequestLog` (the auditors and monitors); the node keeps no other record.
 */
import type { InjectFault, NodeId, Spawn, TimerId } from '../../../engine/index.ts';
import { type Backoff, backoffDelayMs } from '../resilience/backoff.ts';
import { drawRequests, type Request, type RequestKind, type WorkloadSpec } from './workload.ts';

/** One attempt of a request, client to app. */
export interface AppRequest {
  type: 'req';
  id: number;
  attempt: number;
  key: string;
  kind: RequestKind;
  /** A write's value (a delete's is its tombstone). */
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
  attempted?(request: Request, attempt: number): void;
  attemptDone?(outcome: AttemptOutcome): void;
  finished(outcome: RequestOutcome): void;
}

export interface ClientsConfig {
  requests: readonly Request[];
  /** The app servers, by name; request `app` i goes to `apps[i % apps.length]`. */
  apps: readonly string[];
  timeoutMs: number;
  retries: number;
  backoff: Backoff;
  log: RequestLog;
  /** The workload a `burst` inject thickens (its rate, keys and mix). */
  burstSpec?: Omit<WorkloadSpec, 'fromMs' | 'toMs' | 'bursts'>;
  /** A write's value (default `{ w: request id }`, and `{ w: id, deleted: true }` for a delete: every value is unique). */
  writeValue?: (request: Request) => unknown;
}

/** The value a write or delete carries by default: unique per request, so a read says which write it saw. */
export function defaultWriteValue(r: Request): unknown {
  return r.kind === 'delete' ? { w: r.id, deleted: true } : { w: r.id };
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

export function openLoopClients(config: ClientsConfig): Spawn<AppMessage, Tag> {
  return (ctx) => {
    // Requests in flight by id: an array for the workload's ids (1 to its length, looked up at
    // every answer and timer), a map for those made up during the run (bursts, read-backs).
    const pendingOf: (Pending | undefined)[] = new Array(config.requests.length + 1);
    const extraPending = new Map<number, Pending>();
    const workloadIds = pendingOf.length;
    const pending = {
      get: (id: number): Pending | undefined => (id > 0 && id < workloadIds ? pendingOf[id] : extraPending.get(id)),
      set(id: number, p: Pending): void {
        if (id > 0 && id < workloadIds) pendingOf[id] = p;
        else extraPending.set(id, p);
      },
      delete(id: number): void {
        if (id > 0 && id < workloadIds) pendingOf[id] = undefined;
        else extraPending.delete(id);
      },
    };
    const apps = config.apps.map((name) => ctx.lookup(name));
    const writeValue = config.writeValue ?? defaultWriteValue;
    let cursor = 0;
    // Requests this incarnation makes up (bursts, read-backs) are numbered far above the workload's.
    let extraIds = config.requests.length + 1_000_000 * (ctx.incarnation + 1);
    // A restarted client picks the schedule up where the clock is: arrivals it missed are lost.
    while (cursor < config.requests.length && config.requests[cursor]!.atMs < ctx.now) cursor++;

    const scheduleNext = (): void => {
      if (cursor < config.requests.length) ctx.setTimer(Math.max(0, config.requests[cursor]!.atMs - ctx.now), 'next');
    };

    const send = (p: Pending): void => {
      const r = p.request;
      p.attemptMs = ctx.now;
      const msg: AppRequest = { type: 'req', id: r.id, attempt: p.attempt, key: r.key, kind: r.kind };
      if (r.kind !== 'read') msg.value = writeValue(r);
      config.log.attempted?.(r, p.attempt);
      ctx.send(apps[r.app % apps.length]!, msg);
      p.timer = ctx.setTimer(config.timeoutMs, { timeout: r.id, attempt: p.attempt });
    };

    const arrive = (request: Request): void => {
      const p: Pending = { request, attempt: 1, startMs: ctx.now, attemptMs: ctx.now, timer: -1, done: false };
      pending.set(request.id, p);
      send(p);
    };

    /** The user reloads what they just wrote, through the next app server. */
    const readBack = (write: Request): void => {
      arrive({ id: extraIds++, atMs: ctx.now, app: write.app + 1, key: write.key, rank: write.rank, kind: 'read', readBackOf: write.id });
    };

    const attemptOver = (p: Pending, response: AppResponse | null): void => {
      const ok = response?.ok === true;
      config.log.attemptDone?.({ request: p.request, attempt: p.attempt, ok, latencyMs: ctx.now - p.attemptMs, response });
      if (!ok && p.attempt <= config.retries) {
        ctx.setTimer(backoffDelayMs(config.backoff, p.attempt, ctx.rng), { retry: p.request.id });
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
      if (ok && p.request.readBack === true) readBack(p.request);
    };

    const onBurst = (fault: InjectFault): void => {
      const spec = config.burstSpec;
      if (spec === undefined) return;
      const factor = Number(fault.args?.factor ?? 2);
      const durationMs = Number(fault.args?.durationMs ?? 100);
      if (!(factor > 1) || !(durationMs > 0)) return;
      const extra = drawRequests(
        ctx.rng,
        Object.assign({}, spec, { ratePerMs: spec.ratePerMs * (factor - 1), fromMs: ctx.now, toMs: ctx.now + durationMs }),
        extraIds,
      );
      extraIds += extra.length;
      for (const r of extra) ctx.setTimer(r.atMs - ctx.now, { arrive: r });
      ctx.note(() => `a traffic burst: ${extra.length} extra requests over the next ${durationMs} ms (${factor}x the usual rate)`, 'key');
    };

    scheduleNext();
    return {
      onMessage(_from, msg) {
        if (msg.type !== 'res') return;
        const p = pending.get(msg.id);
        // An answer to an attempt the user already gave up on is thrown away.
        if (p === undefined || p.done || msg.attempt !== p.attempt || p.timer === -1) return;
        ctx.cancelTimer(p.timer);
        p.timer = -1;
        attemptOver(p, msg);
      },
      onTimer(t) {
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
