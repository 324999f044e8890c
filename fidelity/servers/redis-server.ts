/**
 * RedisServer: a private redis-server for the differential tests — on loopback, on its own
 * port, with its own data directory in a temp folder, configured on the command line only
 * (no config file, so a system instance's settings never leak in), and stopped at the end.
 *
 * It can be crashed the hard way (`crash`: SIGKILL, what `kill -9` does) and restarted on the
 * same directory and port, which is how the persistence comparison sees what an append-only
 * file keeps. `DEBUG` is enabled for local connections (`DEBUG SET-ACTIVE-EXPIRE 0` stops
 * the background expiry cycle, so expiry is lazy, as in the model).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';
import { registerServer, unregisterServer } from './live-servers.ts';
import { makeScratchDir, removeScratchDir } from './scratch-dir.ts';
import { ServerStartError } from './server-start-error.ts';
import { waitUntil } from './wait-until.ts';

/** What survives a crash: nothing, an AOF fsync'd every second, or an AOF fsync'd before every reply. */
export type RedisPersistence = 'none' | 'aof-everysec' | 'aof-always';

export interface RedisServerOptions {
  persistence?: RedisPersistence;
  /** `maxmemory` in bytes (0: no limit). */
  maxmemoryBytes?: number;
  maxmemorySamples?: number;
}

const START_TIMEOUT_MS = 10_000;

export class RedisServer {
  private child: ChildProcess | null = null;
  private readonly clients: Redis[] = [];

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a fresh server in a new scratch directory; throws ServerStartError when it cannot. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = makeScratchDir('redis');
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = new RedisServer(dir, await freePort(), options);
      try {
        registerServer(server);
        await server.launch();
        return server;
      } catch (error) {
        lastError = error;
        await server.halt();
        unregisterServer(server);
      }
    }
    removeScratchDir(dir);
    throw lastError instanceof ServerStartError ? lastError : new ServerStartError('redis-server', String(lastError));
  }

  /** A new client connection (closed by `stop`). Integers come back as strings, so 64-bit values stay exact. */
  async connect(): Promise<Redis> {
    const client = new Redis({
      host: '127.0.0.1',
      port: this.port,
      lazyConnect: true,
      stringNumbers: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    await client.connect();
    this.clients.push(client);
    return client;
  }

  /** The version the live server reports (`INFO server`), e.g. "7.0.15". */
  async version(): Promise<string> {
    const client = await this.connect();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    if (version === undefined) throw new Error('INFO server did not report redis_version');
    return version;
  }

  /** `kill -9`: the process dies at once, without a chance to write anything more. */
  async crash(): Promise<void> {
    this.disconnectAll();
    await this.halt('SIGKILL');
  }

  /** Starts the server again on the same directory and port (after `crash`). */
  async restart(): Promise<void> {
    await this.launch();
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    this.disconnectAll();
    await this.halt('SIGTERM');
    unregisterServer(this);
    removeScratchDir(this.dir);
  }

  /** Synchronous last resort for an exiting process: kill the server, leave nothing running. */
  killNow(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
    removeScratchDir(this.dir);
  }

  private arguments(): string[] {
    const { persistence = 'none', maxmemoryBytes = 0, maxmemorySamples = 5 } = this.options;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--logfile', path.join(this.dir, 'redis.log')];
    args.push('--save', '', '--daemonize', 'no', '--unixsocket', '', '--enable-debug-command', 'local');
    args.push('--appendonly', persistence === 'none' ? 'no' : 'yes');
    if (persistence !== 'none') args.push('--appendfsync', persistence === 'aof-always' ? 'always' : 'everysec');
    args.push('--maxmemory', String(maxmemoryBytes), '--maxmemory-policy', 'allkeys-lru', '--maxmemory-samples', String(maxmemorySamples));
    return args;
  }

  private async launch(): Promise<void> {
    let exited = false;
    let spawnError: Error | null = null;
    const child = spawn('redis-server', this.arguments(), { stdio: 'ignore' });
    child.on('error', (error) => (spawnError = error));
    child.on('exit', () => (exited = true));
    this.child = child;
    const ready = await waitUntil(async () => exited || spawnError !== null || (await this.answersPing()), START_TIMEOUT_MS);
    if (spawnError !== null) throw new ServerStartError('redis-server', `${(spawnError as Error).message} (is Debian's redis-server package installed?)`);
    if (exited || !ready) throw new ServerStartError('redis-server', `it did not accept connections on 127.0.0.1:${this.port}: ${this.logTail()}`);
  }

  private async answersPing(): Promise<boolean> {
    const probe = new Redis({
      host: '127.0.0.1',
      port: this.port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      // While it loads its append-only file, Redis answers LOADING: not ready yet.
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }

  private async halt(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  }

  private disconnectAll(): void {
    for (const client of this.clients.splice(0)) client.disconnect();
  }

  private logTail(): string {
    try {
      return readFileSync(path.join(this.dir, 'redis.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      return 'no log written';
    }
  }
}
