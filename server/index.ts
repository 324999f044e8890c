/**
 * faultline's server: the built web app, the JSON API and the `/ws` stream, on 127.0.0.1
 * unless told otherwise. `startServer` is what `faultline serve` calls; run this file
 * directly (`tsx server/index.ts [--host H] [--port P]`) and it also shuts down cleanly on
 * SIGINT and SIGTERM.
 *
 * When the web app has not been built yet (a fresh clone) and the default web root is used,
 * the server builds it in a child process while already answering the API; `/` answers 503
 * until the build is done.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AppLimits, createApp } from './app.ts';
import { RunPool } from './run-pool.ts';
import { RunStore, type RunStoreOptions } from './run-store.ts';
import { attachStreamEndpoint, type StreamEndpointOptions } from './ws-endpoint.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_WEB_ROOT = join(ROOT, 'web', 'dist');

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The built web app (default web/dist). */
  webRoot?: string;
  limits?: AppLimits;
  store?: RunStoreOptions;
  stream?: StreamEndpointOptions;
  /** Worker threads for runs. */
  threads?: number;
  /** Build the web app if the default web root has none (default true). */
  buildIfMissing?: boolean;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const webRoot = resolve(options.webRoot ?? DEFAULT_WEB_ROOT);
  const store = new RunStore(options.store);
  const pool = new RunPool({ threads: options.threads });
  let webStatus: string | null = null;
  let stream: ReturnType<typeof attachStreamEndpoint> | null = null;
  const app = createApp({
    store,
    pool,
    webRoot,
    limits: options.limits,
    webStatus: () => webStatus,
    sessions: () => stream?.sessions ?? 0,
    streamBufferedBytes: () => stream?.bufferedBytes ?? 0,
    streamsWaiting: () => stream?.waiting ?? 0,
  });
  const server = createServer(app);
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  stream = attachStreamEndpoint(server, store, options.stream);

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
    close: () => {
      closing ??= (async () => {
        await stream!.close();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
        building?.child.kill();
        await pool.close();
      })();
      return closing;
    },
  };
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
  const running = await startServer({ host, port });
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
