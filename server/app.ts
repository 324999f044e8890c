/**
 * The HTTP side of the server: security headers, the JSON API and the built web app.
 *
 *   GET  /api/scenarios      -> { scenarios: ScenarioInfo[] }   (as `faultline list --json`)
 *   GET  /api/scenarios/:id  -> ScenarioInfo
 *   POST /api/runs           -> 201 { run: RunSummary }         (then stream it over /ws)
 *   GET  /api/runs/:id       -> { run: RunSummary }
 *   GET  /api/health         -> { ok, runs, sessions, memory figures }
 *
 * Every error is JSON `{ error, message, field? }` whose message names the field and what is
 * allowed. Bodies are bounded, runs per client are bounded, and the run itself happens on a
 * worker thread.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { describeScenario, type ScenarioInfo, scenarios } from '../scenarios/index.ts';
import { type ApiError, describeIssues, FieldError, RunRequestSchema, validateRun } from '../wire/index.ts';
import { RunError, type RunPool } from './run-pool.ts';
import type { RunStore } from './run-store.ts';

export interface AppLimits {
  /** Largest request body (default 256 KiB). */
  bodyBytesMax?: number;
  /** Runs one client may have executing at once (default 4). */
  runsPerClientMax?: number;
  /** Trace events one run may record (default 1,000,000). */
  traceEventsMax?: number;
}

export interface AppDeps {
  store: RunStore;
  pool: RunPool;
  webRoot: string;
  limits?: AppLimits;
  /** Why the web app is not available yet (it is being built), or null. */
  webStatus: () => string | null;
  sessions: () => number;
  /** Bytes written to stream sockets and not yet sent. */
  streamBufferedBytes: () => number;
  /** Stream sessions waiting for a slow page. */
  streamsWaiting: () => number;
}

export function createApp(deps: AppDeps): express.Express {
  const limits = { bodyBytesMax: 256 * 1024, runsPerClientMax: 4, traceEventsMax: 1_000_000, ...deps.limits };
  const infos: ScenarioInfo[] = scenarios.map(describeScenario);
  const running = new Map<string, number>();
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

  const api = express.Router();
  api.use(express.json({ limit: limits.bodyBytesMax, strict: false }));

  api.get('/scenarios', (_req, res) => {
    res.json({ scenarios: infos });
  });

  api.get('/scenarios/:id', (req, res) => {
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
      task = validateRun({ ...body.data, seed: body.data.seed ?? randomInt(0, 2 ** 31) });
    } catch (error) {
      if (error instanceof FieldError) return sendError(res, 400, { error: 'invalid-request', field: error.field, message: error.message });
      throw error;
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    const active = running.get(client) ?? 0;
    if (active >= limits.runsPerClientMax) {
      return sendError(res, 429, {
        error: 'too-many-runs',
        message: `this client already has ${active} runs executing, the limit; wait for one to finish`,
      });
    }
    running.set(client, active + 1);
    try {
      const output = await deps.pool.run({ ...task, traceEventsMax: limits.traceEventsMax });
      const run = deps.store.add(randomUUID(), output);
      res.status(201).json({ run: run.summary });
    } catch (error) {
      if (error instanceof RunError) return sendError(res, error.status, { error: error.code, message: error.message });
      throw error;
    } finally {
      const n = (running.get(client) ?? 1) - 1;
      if (n <= 0) running.delete(client);
      else running.set(client, n);
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
  res.status(status).json(body);
}

/** What a field of the run request allows, from the schema's descriptions. */
function allowedFor(field: string): string {
  const key = field.split(/[.[]/)[0]!;
  const shape = RunRequestSchema.shape as Record<string, { description?: string }>;
  const description = shape[key]?.description;
  if (description !== undefined) return `'${key}' must be ${description}`;
  return `the fields are: ${Object.keys(shape).join(', ')}`;
}
