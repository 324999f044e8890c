/**
 * faultline's server: the built web app, the JSON API and the `/ws` stream, on 127.0.0.1
 * unless told otherwise. `startServer` is what `faultline serve` calls; run this file
 * directly (`tsx server/index.ts [--host H] [--port P]`) and it also shuts down cleanly on
 * SIGINT and SIGTERM.
 *
 * Listening on anything but a loopback address needs `access.allowRemote` and a token
 * (access-policy.ts); `startServer` refuses otherwise, before it listens.
 *
 * When the web app has not been built yet (a fresh clone) and the default web root is used,
 * the server builds it in a child process while already answering the API; `/` answers 503
 * until the build is done.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OWN_EXTENSION, packageRoot } from '../catalog/package-root.ts';
import { AccessPolicy, isLoopbackHost } from './access-policy.ts';
import { Admission, type AdmissionOptions } from './admission.ts';
import { type AppLimits, createApp } from './app.ts';
import { CostBook } from './cost-book.ts';
import { OwnScenarios, type ScenariosChange } from './own-scenarios.ts';
import { DEFAULT_HEAVY_THREADS, RunPool } from './run-pool.ts';
import { RunStore, type RunStoreOptions } from './run-store.ts';
import { attachStreamEndpoint, type StreamEndpointOptions } from './ws-endpoint.ts';

const ROOT = packageRoot();
/** The built web app: web/dist in the repository, dist/web/dist in the installed package. */
export const DEFAULT_WEB_ROOT = OWN_EXTENSION === '.ts' ? join(ROOT, 'web', 'dist') : join(ROOT, 'dist', 'web', 'dist');

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The built web app (default web/dist). */
  webRoot?: string;
  limits?: AppLimits & {
    /** Runs one client may have queued or running (default 16). */
    runsPerClientMax?: number;
    /** Trace events one run may record (default 1,000,000). */
    traceEventsMax?: number;
  };
  /** Admission's bounds and lanes (admission.ts). */
  admission?: AdmissionOptions;
  store?: RunStoreOptions;
  stream?: StreamEndpointOptions;
  /** Worker threads for heavy runs (the pool has one more, for light runs). */
  threads?: number;
  /** Build the web app if the default web root has none (default true). */
  buildIfMissing?: boolean;
  /** Who may talk to the server beyond loopback names (access-policy.ts). */
  access?: { allowRemote?: boolean; token?: string | null; allowedHosts?: readonly string[] };
  /** The user's own scenario modules to serve beside the built-ins: files or folders of them. */
  scenarioModules?: readonly string[];
  /** Load a module again when its file changes, and tell open pages (/api/events). */
  watch?: boolean;
}

export interface RunningServer {
  url: string;
  /** The port it listens on (the one picked, when asked for 0). */
  port: number;
  /** The token every request must carry, or null. */
  token: string | null;
  /** The user's own scenarios served (`scenarioModules`), with their reloads; null without any. */
  own: { readonly ids: string[]; onChange(listener: (change: ScenariosChange) => void): () => void } | null;
  close(): Promise<void>;
}

/** Refused before listening: a non-loopback address without allowRemote and a token. */
export class ExposureError extends Error {
  override name = 'ExposureError';
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const allowRemote = options.access?.allowRemote === true;
  if (!allowRemote && !(await staysLocal(options.host))) {
    throw new ExposureError(`${options.host} is not a loopback address: the server would be reachable from other machines`);
  }
  if (allowRemote && !options.access?.token) throw new ExposureError('a server reachable from other machines needs an access token');
  const access = new AccessPolicy({ bindHost: options.host, allowRemote, token: options.access?.token ?? null, allowedHosts: options.access?.allowedHosts });
  const webRoot = resolve(options.webRoot ?? DEFAULT_WEB_ROOT);
  const own = options.scenarioModules && options.scenarioModules.length > 0 ? new OwnScenarios(options.scenarioModules) : undefined;
  await own?.load();
  if (options.watch) own?.watch();
  const store = new RunStore(options.store);
  const heavySlots = options.threads ?? DEFAULT_HEAVY_THREADS;
  const pool = new RunPool({ threads: heavySlots + 1 });
  const admission = new Admission((task, budget) => pool.run(task, budget.timeoutMs), new CostBook(), {
    heavySlots,
    ...(options.limits?.runsPerClientMax === undefined ? {} : { clientRunsMax: options.limits.runsPerClientMax }),
    ...(options.limits?.traceEventsMax === undefined ? {} : { traceEventsMax: options.limits.traceEventsMax }),
    ...options.admission,
  });
  let webStatus: string | null = null;
  let stream: ReturnType<typeof attachStreamEndpoint> | null = null;
  const app = createApp({
    store,
    admission,
    access,
    webRoot,
    limits: options.limits,
    webStatus: () => webStatus,
    sessions: () => stream?.sessions ?? 0,
    streamBufferedBytes: () => stream?.bufferedBytes ?? 0,
    streamsWaiting: () => stream?.waiting ?? 0,
    own,
  });
  const server = createServer(app);
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  stream = attachStreamEndpoint(server, store, access, options.stream);

  const building = (options.buildIfMissing ?? true) && webRoot === resolve(DEFAULT_WEB_ROOT) && !existsSync(join(webRoot, 'index.html')) ? buildWebApp() : null;
  if (building !== null) {
    webStatus = 'the web app is being built (first start); reload in a few seconds';
    building.done.then(
      () => {
        webStatus = null;
      },
      (error: Error) => {
        webStatus = `the web app could not be built: ${error.message}; run npm run build:web`;
      },
    );
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    token: access.token,
    own: own ?? null,
    close: () => {
      closing ??= (async () => {
        await stream!.close();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
        building?.child.kill();
        own?.close();
        await pool.close();
      })();
      return closing;
    },
  };
}

/** True when every address `host` names is a loopback one (a name is looked up first). */
async function staysLocal(host: string): Promise<boolean> {
  if (isLoopbackHost(host)) return true;
  try {
    const addresses = await lookup(host.replace(/^\[(.*)\]$/, '$1'), { all: true });
    return addresses.length > 0 && addresses.every((a) => isLoopbackHost(a.address));
  } catch {
    return false;
  }
}

/** Runs `vite build` for the web app in a child process. */
function buildWebApp(): { child: ChildProcess; done: Promise<void> } {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const done = new Promise<void>((ok, fail) => {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`vite build exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`))));
  });
  done.catch(() => {});
  return { child, done };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const host = argValue('--host') ?? '127.0.0.1';
  const port = Number(argValue('--port') ?? 8080);
  const running = await startServer({ host, port }).catch((error: Error) => {
    // A non-loopback --host needs `faultline serve --allow-remote`, which sets up its token.
    console.error(`faultline server: ${error.message}${error.name === 'ExposureError' ? '; use faultline serve --allow-remote' : ''}`);
    process.exit(2);
  });
  console.log(`faultline serving ${running.url}`);
  const stop = (signal: string): void => {
    console.log(`${signal}: shutting down`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
