/**
 * The HTTP side of the server: security headers, the JSON API and the built web app.
 *
 *   GET  /api/scenarios      -> { scenarios: ScenarioInfo[] }   (as `faultline list --json`)
 *   GET  /api/scenarios/:id  -> ScenarioInfo
 *   POST /api/runs           -> 201 { run: RunSummary }         (then stream it over /ws)
 *                               with Prefer: respond-async: 202 { run: RunPreview } at once (it streams while it runs)
 *   GET  /api/runs/:id       -> { run: RunSummary }
 *   GET  /api/health         -> { ok, runs, sessions, memory figures }
 *
 * Every error is JSON `{ error, message, field? }` whose message names the field and what is
 * allowed, clipped to the first few issues and a count however much input it would echo.
 * Every request passes the access policy first (Host allow-list, Origin, token:
 * access-policy.ts). Bodies are bounded and may not carry prototype keys; a run request is
 * checked in full — its fault plan against the run's horizon included — before it is
 * queued, so a bad one is refused in milliseconds; admission (admission.ts) then decides
 * when it runs, on a worker thread, or says at once (429/503 + Retry-After) that it cannot.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { checkPlanHorizon, FaultBeyondHorizonError } from '../scenarios/framework/horizon.ts';
import { describeScenario, findScenario, type ScenarioInfo, scenarios } from '../scenarios/index.ts';
import { type ApiError, describeIssues, FieldError, RunRequestSchema, validateRun } from '../wire/index.ts';
import { type AccessPolicy, queryToken } from './access-policy.ts';
import type { Admission } from './admission.ts';
import { clientKey } from './client-key.ts';
import { CostBook } from './cost-book.ts';
import { forbiddenKeyMessage, forbiddenKeyPath } from './forbidden-keys.ts';
import type { OwnScenarios } from './own-scenarios.ts';
import { RunError } from './run-pool.ts';
import type { RunStore } from './run-store.ts';

export interface AppLimits {
  /** Largest request body (default 256 KiB). */
  bodyBytesMax?: number;
}

export interface AppDeps {
  store: RunStore;
  admission: Admission;
  access: AccessPolicy;
  webRoot: string;
  limits?: AppLimits;
  /** Why the web app is not available yet (it is being built), or null. */
  webStatus: () => string | null;
  sessions: () => number;
  /** Bytes written to stream sockets and not yet sent. */
  streamBufferedBytes: () => number;
  /** Stream sessions waiting for a slow page. */
  streamsWaiting: () => number;
  /** The user's own scenarios served beside the built-ins (serve --scenarios). */
  own?: OwnScenarios;
}

export function createApp(deps: AppDeps): express.Express {
  const limits = { bodyBytesMax: 256 * 1024, ...deps.limits };
  const builtIn: ScenarioInfo[] = scenarios.map(describeScenario);
  let ownInfos: { version: number; infos: ScenarioInfo[] } = { version: -1, infos: [] };
  /** The built-ins, then the user's own (described again after each reload). */
  const scenarioInfos = (): ScenarioInfo[] => {
    const own = deps.own;
    if (own === undefined) return builtIn;
    if (ownInfos.version !== own.version) ownInfos = { version: own.version, infos: own.ids.map((id) => describeScenario(findScenario(id))) };
    return [...builtIn, ...ownInfos.infos];
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          workerSrc: ["'self'"],
          connectSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      strictTransportSecurity: false,
    }),
  );
  app.use(guard(deps.access));

  const api = express.Router();
  api.use(express.json({ limit: limits.bodyBytesMax, strict: false }));
  api.use((req, res, next) => {
    const path = forbiddenKeyPath(req.body, 'body');
    if (path === null) return next();
    sendError(res, 400, { error: 'invalid-request', field: path.replace(/^body\.?/, '') || 'body', message: forbiddenKeyMessage(path) });
  });

  api.get('/scenarios', (_req, res) => {
    res.json({ scenarios: scenarioInfos() });
  });

  // Server-sent events: a user's scenario module was edited and loaded again (serve --watch).
  api.get('/events', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': faultline events\n\n');
    const stop = deps.own?.onChange((change) => res.write(`event: scenarios\ndata: ${JSON.stringify(change)}\n\n`));
    req.on('close', () => stop?.());
  });

  api.get('/scenarios/:id', (req, res) => {
    const infos = scenarioInfos();
    const info = infos.find((s) => s.id === req.params.id);
    if (info === undefined)
      return sendError(res, 404, {
        error: 'unknown-scenario',
        field: 'id',
        message: `unknown scenario '${req.params.id}'; scenarios are: ${infos.map((s) => s.id).join(', ')}`,
      });
    res.json(info);
  });

  api.post('/runs', async (req, res) => {
    if (!req.is('application/json')) {
      return sendError(res, 415, { error: 'unsupported-media-type', message: 'send the run request as a JSON object with content-type: application/json' });
    }
    const body = RunRequestSchema.safeParse(req.body);
    if (!body.success) {
      const { field, message } = describeIssues(body.error, 'body');
      return sendError(res, 400, { error: 'invalid-request', field, message: `${message}. ${allowedFor(field)}` });
    }
    let task: ReturnType<typeof validateRun>;
    try {
      task = { ...validateRun({ ...body.data, seed: body.data.seed ?? randomInt(0, 2 ** 31) }), module: deps.own?.moduleOf(body.data.scenario) ?? null };
      checkPlanHorizon(findScenario(task.scenario), task.params, task.faults);
    } catch (error) {
      if (error instanceof FieldError || error instanceof FaultBeyondHorizonError) {
        return sendError(res, 400, { error: 'invalid-request', field: error.field, message: error.message });
      }
      throw error;
    }
    // `Prefer: respond-async`: 202 with the run's preview once admission has taken it; the run
    // streams over /ws while it computes (live-run.ts).
    if (/\brespond-async\b/i.test(req.get('prefer') ?? '')) {
      try {
        const preview = await deps.store.live.submit(
          deps.admission,
          deps.store,
          clientKey(req),
          CostBook.signature(task.scenario, task.strategy, task.params),
          task,
        );
        res.status(202).setHeader('Preference-Applied', 'respond-async');
        res.json({ run: preview });
      } catch (error) {
        if (!(error instanceof RunError)) throw error;
        if (error.retryAfterSec !== undefined) res.setHeader('Retry-After', String(error.retryAfterSec));
        sendError(res, error.status, { error: error.code, message: error.message });
      }
      return;
    }
    // A client that goes away while its run is queued takes it out of the queue.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      const output = await deps.admission.submit(clientKey(req), CostBook.signature(task.scenario, task.strategy, task.params), task, gone.signal);
      const run = deps.store.add(randomUUID(), output);
      res.status(201).json({ run: run.summary });
    } catch (error) {
      if (!(error instanceof RunError)) throw error;
      if (error.retryAfterSec !== undefined) res.setHeader('Retry-After', String(error.retryAfterSec));
      sendError(res, error.status, { error: error.code, message: error.message });
    }
  });

  api.get('/runs/:id', (req, res) => {
    const run = deps.store.get(req.params.id);
    if (run === undefined)
      return sendError(res, 404, { error: 'unknown-run', field: 'id', message: `unknown run '${req.params.id}': it never existed or has expired` });
    res.json({ run: run.summary });
  });

  api.get('/health', (req, res) => {
    // Tests start the server with --expose-gc to measure live memory, not garbage.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (req.query.gc === '1' && gc !== undefined) gc();
    const memory = process.memoryUsage();
    res.json({
      ok: true,
      runs: deps.store.size,
      runBytes: deps.store.totalBytes,
      runsHeld: deps.store.heldRuns,
      admission: { ...deps.admission.load, ...deps.admission.counts },
      sessions: deps.sessions(),
      streamBufferedBytes: deps.streamBufferedBytes(),
      streamsWaiting: deps.streamsWaiting(),
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      rssBytes: memory.rss,
    });
  });

  api.use((req, res) => {
    sendError(res, 404, {
      error: 'not-found',
      message: `no API route ${req.method} ${req.path}; routes are GET /api/scenarios, POST /api/runs, GET /api/runs/:id`,
    });
  });

  app.use('/api', api);

  app.get('/', (_req, res, next) => {
    const status = deps.webStatus();
    if (status === null && existsSync(join(deps.webRoot, 'index.html'))) return next();
    res
      .status(503)
      .type('text/plain')
      .send(status ?? `the web app is not built: run npm run build:web (looked in ${deps.webRoot})`);
  });
  app.use(express.static(deps.webRoot, { index: 'index.html', fallthrough: true, maxAge: 0 }));

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = error as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') {
      return sendError(res, 413, { error: 'body-too-large', message: `the request body is larger than ${limits.bodyBytesMax} bytes, the limit` });
    }
    if (e.type === 'entity.parse.failed') {
      return sendError(res, 400, {
        error: 'invalid-json',
        field: 'body',
        message: `the body is not valid JSON (${String(e.message).slice(0, 160)}); send a JSON object such as {"scenario":"two-phase-commit"}`,
      });
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, e.status, { error: 'bad-request', message: String(e.message ?? 'bad request').slice(0, 200) });
    }
    sendError(res, 500, { error: 'internal', message: 'the server failed to handle this request' });
  });
  return app;
}

function sendError(res: Response, status: number, body: ApiError): void {
  if (res.headersSent) return;
  res.status(status).json({ ...body, message: clipMessage(body.message) });
}

/** Issues listed in one error message at most; the rest are counted, not echoed. */
const ISSUES_SHOWN_MAX = 5;
const MESSAGE_CHARS_MAX = 2_000;

/** The first five issues of a '; '-separated listing and a count of the rest, at most 2,000 characters. */
export function clipMessage(text: string): string {
  const issues = text.split('; ');
  let out =
    issues.length > ISSUES_SHOWN_MAX
      ? `${issues.slice(0, ISSUES_SHOWN_MAX).join('; ')}; … and ${(issues.length - ISSUES_SHOWN_MAX).toLocaleString('en-US')} more issues not shown`
      : text;
  if (out.length > MESSAGE_CHARS_MAX) out = `${out.slice(0, MESSAGE_CHARS_MAX - 1)}…`;
  return out;
}

/**
 * The access policy as middleware: a foreign Host gets 403 on every route; a browser's
 * request from a foreign Origin that would change something (anything but GET and HEAD) gets
 * 403; without the required token, 401 — except that opening a page with the right
 * `?token=` sets the token's cookie and redirects to the same page without it.
 */
function guard(access: AccessPolicy): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const host = req.headers.host;
    if (!access.hostAllowed(host)) {
      return sendError(res, 403, {
        error: 'host-not-allowed',
        message: `Host '${String(host ?? '').slice(0, 100)}' is not one of this server's names (localhost, 127.0.0.1, [::1] or its --host): refused, as a protection against DNS rebinding; open it by one of those names`,
      });
    }
    const port = req.socket.localPort ?? 0;
    if (req.method !== 'GET' && req.method !== 'HEAD' && !access.originAllowed(req.headers.origin, port)) {
      return sendError(res, 403, {
        error: 'cross-origin',
        message: `requests from the page at ${String(req.headers.origin).slice(0, 100)} are refused: only this server's own pages may use its API`,
      });
    }
    if (!access.tokenRequired) return next();
    const token = queryToken(req.url);
    if (req.method === 'GET' && token !== null && access.matches(token) && !req.path.startsWith('/api/')) {
      const url = new URL(req.originalUrl, 'http://x');
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', `${access.cookieName(port)}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
      return res.redirect(303, `${url.pathname}${url.search}`);
    }
    if (access.tokenPresented(req)) return next();
    if (req.path.startsWith('/api/')) {
      return sendError(res, 401, {
        error: 'token-required',
        message:
          "this server is reachable from the network and needs its access token: send 'Authorization: Bearer TOKEN' (the token `faultline serve` printed)",
      });
    }
    res
      .status(401)
      .type('text/plain')
      .send('This faultline server is reachable from the network and needs its access token: open the link `faultline serve` printed (it ends in ?token=...).');
  };
}

/** What a field of the run request allows, from the schema's descriptions. */
function allowedFor(field: string): string {
  const key = field.split(/[.[]/)[0]!;
  const shape = RunRequestSchema.shape as Record<string, { description?: string }>;
  const description = shape[key]?.description;
  if (description !== undefined) return `'${key}' must be ${description}`;
  return `the fields are: ${Object.keys(shape).join(', ')}`;
}
