/**
 * PostgresServer: a private PostgreSQL for the differential tests — its own cluster (initdb)
 * in a temp folder, on loopback and its own port, with its unix socket in that folder too,
 * `max_prepared_transactions` above zero so two-phase commit works, and trust authentication
 * for the one local role it creates. Nothing of a system-wide cluster is read or touched.
 *
 * PostgreSQL refuses to run as root; when the run has root's rights, the cluster belongs to
 * an unprivileged user (`postgres`, which Debian's package creates, or else `nobody`) and
 * every server program runs as that user.
 *
 * `crash` is `pg_ctl stop -m immediate`: the postmaster and its backends quit at once without
 * a checkpoint, as if the server process tree were killed; the next start runs crash
 * recovery from the write-ahead log. The machine does not crash, so the server runs with
 * `fsync=off` (what it wrote is in the page cache either way), which keeps restarts quick.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { registerServer, unregisterServer } from './live-servers.ts';
import { makeScratchDir, removeScratchDir } from './scratch-dir.ts';
import { ServerStartError } from './server-start-error.ts';
import { waitUntil } from './wait-until.ts';

const ROLE = 'fidelity';
const START_TIMEOUT_S = 60;

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export class PostgresServer {
  private running = false;
  private readonly clients: pg.Client[] = [];

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly binDir: string,
    private readonly runAs: RunAs | null,
  ) {}

  /** Creates and starts a fresh cluster; throws ServerStartError when it cannot. */
  static async start(): Promise<PostgresServer> {
    const binDir = postgresBinDir();
    const runAs = process.getuid?.() === 0 ? unprivilegedUser() : null;
    const dir = makeScratchDir('postgres');
    if (runAs !== null) chownSync(dir, runAs.uid, runAs.gid);
    const server = new PostgresServer(dir, await freePort(), binDir, runAs);
    try {
      registerServer(server);
      await server.run('initdb', ['-D', server.dataDir, '-U', ROLE, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
      await server.launch();
      return server;
    } catch (error) {
      server.killNow();
      unregisterServer(server);
      throw error instanceof ServerStartError ? error : new ServerStartError('PostgreSQL', String(error));
    }
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** A new connection as the cluster's role (closed by `stop`, or lost by `crash`). */
  async connect(): Promise<pg.Client> {
    const client = new pg.Client({ host: '127.0.0.1', port: this.port, user: ROLE, database: 'postgres' });
    client.on('error', () => {});
    await client.connect();
    this.clients.push(client);
    return client;
  }

  /** The version the live server reports (`SHOW server_version`). */
  async version(): Promise<string> {
    const client = await this.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  }

  /** `pg_ctl stop -m immediate`: every backend quits at once, no checkpoint, open transactions lost. */
  async crash(): Promise<void> {
    this.dropClients();
    // pg_ctl's own wait polls ten times a second; the postmaster is gone when its pid file is.
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-W', 'stop']);
    const gone = await waitUntil(() => !existsSync(path.join(this.dataDir, 'postmaster.pid')), START_TIMEOUT_S * 1000, 5);
    if (!gone) throw new Error('PostgreSQL did not stop after pg_ctl stop -m immediate');
    this.running = false;
  }

  /** Starts the server again on the same cluster (crash recovery runs first after `crash`). */
  async restart(): Promise<void> {
    await this.launch();
  }

  /** Stops the server and removes its cluster. */
  async stop(): Promise<void> {
    this.dropClients();
    if (this.running) await this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    this.running = false;
    unregisterServer(this);
    removeScratchDir(this.dir);
  }

  /** Synchronous last resort for an exiting process: stop the server, leave nothing running. */
  killNow(): void {
    if (existsSync(path.join(this.dataDir, 'postmaster.pid'))) {
      spawnSync(path.join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', 'stop'], { ...this.identity(), stdio: 'ignore' });
    }
    this.running = false;
    removeScratchDir(this.dir);
  }

  private async launch(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_prepared_transactions=64',
      '-c max_connections=64',
      '-c shared_buffers=16MB',
      // The crashes tested are the server's (immediate shutdown), not the machine's: what the
      // server wrote survives them in the page cache, fsync'd or not. Without fsync a restart's
      // end-of-recovery checkpoint takes milliseconds instead of a loaded disk's second.
      '-c fsync=off',
    ].join(' ');
    await this.run('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'postgres.log'), '-W', '-o', options, 'start']);
    this.running = true;
    // Ready when it accepts a connection (during crash recovery it refuses them: 57P03).
    const ready = await waitUntil(() => this.accepts(), START_TIMEOUT_S * 1000, 5);
    if (!ready) throw new ServerStartError('PostgreSQL', `it did not accept connections on 127.0.0.1:${this.port} ${this.logTail()}`);
  }

  private async accepts(): Promise<boolean> {
    const probe = new pg.Client({ host: '127.0.0.1', port: this.port, user: ROLE, database: 'postgres' });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return true;
    } catch {
      return false;
    } finally {
      await probe.end().catch(() => {});
    }
  }

  private dropClients(): void {
    for (const client of this.clients.splice(0)) void client.end().catch(() => {});
  }

  /**
   * Runs one of PostgreSQL's programs as the cluster's owner, without blocking the event loop
   * (other differentials measure their server's lag meanwhile); throws ServerStartError with
   * its output when it fails.
   */
  private run(program: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(this.binDir, program), args, { ...this.identity(), cwd: this.dir, timeout: (START_TIMEOUT_S + 10) * 1000 });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', (error) => reject(new ServerStartError('PostgreSQL', `${program}: ${error.message}`)));
      child.on('close', (status) => {
        if (status === 0) return resolve();
        const tail = output.trim().split('\n').slice(-3).join(' | ');
        reject(new ServerStartError('PostgreSQL', `${program} ${args.at(-1)} failed (exit ${status}): ${tail} ${this.logTail()}`));
      });
    });
  }

  private identity(): { uid?: number; gid?: number; env: NodeJS.ProcessEnv } {
    const env = { ...process.env, LC_ALL: 'C', PGTZ: 'UTC' };
    return this.runAs === null ? { env } : { uid: this.runAs.uid, gid: this.runAs.gid, env: { ...env, HOME: this.dir, USER: this.runAs.name } };
  }

  private logTail(): string {
    try {
      return `| log: ${readFileSync(path.join(this.dir, 'postgres.log'), 'utf8').trim().split('\n').slice(-3).join(' | ')}`;
    } catch {
      return '';
    }
  }
}

/** Debian's newest installed PostgreSQL (/usr/lib/postgresql/<major>/bin), or what pg_config names. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(path.join(root, d, 'bin', 'initdb'))) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (majors.length > 0) return path.join(root, majors[0]!, 'bin');
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const bin = fromConfig.status === 0 ? fromConfig.stdout.trim() : '';
  if (bin !== '' && existsSync(path.join(bin, 'initdb'))) return bin;
  throw new ServerStartError('PostgreSQL', "no initdb found under /usr/lib/postgresql/*/bin or pg_config --bindir (is Debian's postgresql package installed?)");
}

/** The user PostgreSQL runs as when the run has root's rights (read from /etc/passwd). */
function unprivilegedUser(): RunAs {
  const users = new Map<string, RunAs>();
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name !== undefined && uid !== undefined && gid !== undefined) users.set(name, { name, uid: Number(uid), gid: Number(gid) });
  }
  for (const name of ['postgres', 'nobody']) {
    const user = users.get(name);
    if (user !== undefined && Number.isInteger(user.uid) && user.uid > 0 && Number.isInteger(user.gid)) return user;
  }
  throw new ServerStartError('PostgreSQL', 'running as root, and neither the postgres nor the nobody user exists to run it as');
}
