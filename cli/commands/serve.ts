/**
 * `faultline serve`: the web UI and its JSON/WebSocket API (server/), on 127.0.0.1 by default.
 * The server is loaded only by this command, so the rest of the CLI never pays for it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InputError } from '../../engine/index.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { integerOption } from '../options.ts';
import { printJson, say } from '../output.ts';

interface ServeOptions {
  host: string;
  port: number;
  json?: boolean;
}

interface ServerModule {
  startServer?: (options: { host: string; port: number }) => Promise<{ url: string; close(): Promise<void> }>;
}

const SERVER_ENTRY = new URL('../../server/index.ts', import.meta.url);

export function registerServe(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('serve')
    .description('serve the web UI and its API')
    .option('--host <host>', 'interface to listen on (127.0.0.1 keeps it local)', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', integerOption('--port', 0, 65_535), 8080)
    .option('--json', 'print one JSON object ({"url"}) on stdout once listening')
    .action((opts: ServeOptions) => run(async () => serve(opts)));
}

async function serve(opts: ServeOptions): Promise<ExitCode> {
  if (opts.host.trim() === '') throw new InputError(`--host must name an interface, e.g. 127.0.0.1, got '${opts.host}'`);
  if (!existsSync(fileURLToPath(SERVER_ENTRY))) {
    say(`faultline serve: the server is not part of this build yet (${fileURLToPath(SERVER_ENTRY)} does not exist).`);
    if (opts.json) printJson({ error: { kind: 'internal', message: 'the server is not part of this build yet' } });
    return EXIT.internal;
  }
  const server = (await import(SERVER_ENTRY.href)) as ServerModule;
  if (typeof server.startServer !== 'function') {
    say(`faultline serve: ${fileURLToPath(SERVER_ENTRY)} does not export startServer({ host, port }).`);
    return EXIT.internal;
  }
  let handle: Awaited<ReturnType<NonNullable<ServerModule['startServer']>>>;
  try {
    handle = await server.startServer({ host: opts.host, port: opts.port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError(`port ${opts.port} on ${opts.host} is in use; pick another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
      throw new InputError(`cannot listen on ${opts.host}:${opts.port} (${code}); check --host and --port`);
    throw e;
  }
  if (opts.json) printJson({ url: handle.url, host: opts.host, port: opts.port });
  else say(`faultline serving ${handle.url} (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await handle.close();
  // Whatever the server leaves behind (a build child, a keep-alive socket) must not hold the
  // process open after it was told to stop.
  setTimeout(() => process.exit(EXIT.held), 2_000).unref();
  return EXIT.held;
}
