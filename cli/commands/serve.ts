/**
 * `faultline serve`: the web UI and its JSON/WebSocket API (server/), on 127.0.0.1 by default.
 * The server is loaded only by this command, so the rest of the CLI never pays for it.
 *
 * Only loopback names reach it (a foreign Host is refused: DNS rebinding). Listening on any
 * other address exposes it to the network, so it needs `--allow-remote`; it then warns, and
 * every request must carry an access token — `--token`, or FAULTLINE_TOKEN, or one generated
 * and printed — which a browser gets by opening the printed link once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { OWN_EXTENSION } from '../../catalog/package-root.ts';
import { InputError } from '../../engine/index.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { collectParam, integerOption } from '../options.ts';
import { printJson, say } from '../output.ts';

interface ServeOptions {
  host: string;
  port: number;
  allowRemote?: boolean;
  token?: string;
  allowedHost: string[];
  scenarios: string[];
  watch?: boolean;
  json?: boolean;
}

interface ServerModule {
  startServer?: (options: {
    host: string;
    port: number;
    access?: { allowRemote?: boolean; token?: string | null; allowedHosts?: readonly string[] };
    scenarioModules?: readonly string[];
    watch?: boolean;
  }) => Promise<{
    url: string;
    port?: number;
    own?: { readonly ids: string[]; onChange(listener: (change: { ids: string[]; error: string | null }) => void): () => void } | null;
    close(): Promise<void>;
  }>;
}

const SERVER_ENTRY = new URL(`../../server/index${OWN_EXTENSION}`, import.meta.url);
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;

export function registerServe(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('serve')
    .description('serve the web UI and its API')
    .option('--host <host>', 'interface to listen on (127.0.0.1 keeps it local)', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', integerOption('--port', 0, 65_535), 8080)
    .option('--allow-remote', 'allow listening beyond this machine (then every request needs the access token)')
    .option('--token <token>', 'the access token (16+ characters of A-Z a-z 0-9 . _ ~ -; default: FAULTLINE_TOKEN, or one generated)')
    .option('--allowed-host <name>', 'with --allow-remote: a DNS name of this machine to accept in Host (repeatable)', collectParam, [])
    .option('--scenarios <path>', 'a module of your own scenarios, or a folder of them, to serve beside the built-ins (repeatable)', collectParam, [])
    .option('--watch', 'with --scenarios: load a module again when its file changes, and tell open pages')
    .option('--json', 'print one JSON object ({"url", "host", "port", ...}) on stdout once listening')
    .action((opts: ServeOptions) => run(async () => serve(opts)));
}

async function serve(opts: ServeOptions): Promise<ExitCode> {
  if (opts.host.trim() === '') throw new InputError(`--host must name an interface, e.g. 127.0.0.1, got '${opts.host}'`);
  if (opts.allowedHost.length > 0 && !opts.allowRemote) throw new InputError('--allowed-host only makes sense with --allow-remote');
  if (opts.watch && opts.scenarios.length === 0) throw new InputError('--watch reloads the modules given with --scenarios PATH; give at least one');
  const token = opts.token ?? process.env.FAULTLINE_TOKEN ?? (opts.allowRemote ? randomBytes(24).toString('base64url') : null);
  if (token !== null && !TOKEN_PATTERN.test(token)) {
    throw new InputError(
      `the access token must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ - (got ${token.length} characters${opts.token === undefined ? ', from FAULTLINE_TOKEN' : ''})`,
    );
  }
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
    handle = await server.startServer({
      host: opts.host,
      port: opts.port,
      access: { allowRemote: opts.allowRemote === true, token, allowedHosts: opts.allowedHost },
      scenarioModules: opts.scenarios,
      watch: opts.watch === true,
    });
  } catch (e) {
    if ((e as Error).name === 'ExposureError') {
      throw new InputError(
        `--host ${opts.host}: ${(e as Error).message}, where anyone who can connect could run simulations and read their results. Add --allow-remote to do that on purpose (every request then needs an access token), or listen on 127.0.0.1`,
      );
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError(`port ${opts.port} on ${opts.host} is in use; pick another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
      throw new InputError(`cannot listen on ${opts.host}:${opts.port} (${code}); check --host and --port`);
    throw e;
  }
  const port = handle.port ?? Number(new URL(handle.url).port);
  const open = token === null ? handle.url : `${handle.url}/?token=${encodeURIComponent(token)}`;
  if (opts.allowRemote) {
    say(
      `faultline serve: WARNING: listening on ${opts.host}:${port}, reachable from other machines. Every request must carry the access token (header 'Authorization: Bearer TOKEN', or open the link below once in a browser).`,
    );
  }
  if (opts.json) printJson({ url: handle.url, host: opts.host, port, remote: opts.allowRemote === true, ...(token === null ? {} : { token, open }) });
  else say(`faultline serving ${open} (Ctrl-C stops it)`);
  if (handle.own) {
    // On stderr, with --json too: a person watches this terminal while editing.
    say(`your scenarios: ${handle.own.ids.join(', ')}${opts.watch ? ` — watching ${opts.scenarios.join(', ')}: saving a file reloads it in open pages` : ''}`);
    handle.own.onChange((change) =>
      say(
        change.error === null
          ? `reloaded: ${change.ids.join(', ') || 'no scenarios'}`
          : `not reloaded (the page keeps the last version that loaded): ${change.error}`,
      ),
    );
  }
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
