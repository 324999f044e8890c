/**
 * Output files are never half-written. An AtomicFile writes to a temporary file in the
 * target's own folder (`.NAME.PID-RANDOM.tmp`, so the final rename never crosses file
 * systems); only `commit()` — once every byte is written and fsync'd — renames it over the
 * target, then fsyncs the folder so the rename itself is durable. Whenever the process dies
 * (SIGKILL, a full disk, a bound hit), the target holds the old file or nothing, never a
 * part; at most a stray temporary file is left beside it, and `abort()`, a normal exit,
 * SIGINT, SIGTERM or SIGHUP remove even that (one left by a SIGKILL is removed by the next
 * write to the same target, once its process is gone).
 *
 * A target that exists and is not a regular file (/dev/stdout, /dev/null, /dev/full, a FIFO)
 * cannot be replaced by a rename, and replacing a device node would be a disaster, so it is
 * written in place: those are streams, not files that can be left half-written. A symbolic
 * link is followed, so the file it points to is replaced, not the link.
 *
 * Every failure is a FileError (exit 2) naming the target and the system's error.
 *
 * Test hook: with FAULTLINE_TEST_PAUSE_AT=before-rename (or mid-write), the writer says so
 * on stderr (`faultline-test: paused before-rename of PATH`) and sleeps for 30 s at that
 * point, so a test can kill the process exactly there.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeSystemError, FileError, fileError, isSystemError } from './file-error.ts';

const PAUSE_AT = process.env.FAULTLINE_TEST_PAUSE_AT;
const PAUSE_MS = 30_000;

export class AtomicFile {
  private fd: number | null;
  private done = false;
  private paused = false;
  /** Bytes written so far. */
  bytes = 0;

  private constructor(
    /** The path as given (for messages). */
    readonly path: string,
    /** What the file is, for messages: 'the trace', 'the check result'. */
    readonly what: string,
    /** The file the rename replaces (symbolic links resolved). */
    private readonly target: string,
    /** The temporary file, or null when the target is written in place (a device, a FIFO). */
    private readonly temp: string | null,
    fd: number,
  ) {
    this.fd = fd;
    if (temp !== null) track(this);
  }

  /** Opens a temporary file beside `path` (or `path` itself when it is a device or FIFO). */
  static open(path: string, what: string): AtomicFile {
    const action = `write ${what} to`;
    let target = resolve(path);
    // A replaced file keeps its permissions; a new one gets the usual ones (0666 less the umask).
    let mode: number | null = null;
    try {
      const stat = statSync(target);
      if (stat.isDirectory()) throw new FileError(path, 'EISDIR', `cannot ${action} '${path}': it is a folder`);
      if (!stat.isFile()) return new AtomicFile(path, what, target, null, openSync(target, 'w'));
      target = realpathSync(target);
      mode = stat.mode & 0o777;
    } catch (error) {
      if (!(error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT')) throw fileError(action, path, error);
    }
    sweepStaleTemps(target);
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    let fd: number;
    try {
      fd = openSync(temp, 'wx', mode ?? 0o666);
      if (mode !== null) fchmodSync(fd, mode);
    } catch (error) {
      rmSync(temp, { force: true });
      const folder = dirname(target);
      if (!isSystemError(error)) throw error;
      const why = existsSync(folder)
        ? `cannot create a file in its folder '${folder}': ${describeSystemError(error)}`
        : `its folder '${folder}' does not exist (ENOENT)`;
      throw new FileError(path, error.code, `cannot ${action} '${path}': ${why}`);
    }
    return new AtomicFile(path, what, target, temp, fd);
  }

  /** True when the target is a device or FIFO written in place. */
  get inPlace(): boolean {
    return this.temp === null;
  }

  write(text: string): void {
    if (this.fd === null) throw new Error(`AtomicFile ${this.path}: write after commit or abort`);
    const buffer = Buffer.from(text, 'utf8');
    try {
      if (PAUSE_AT === 'mid-write' && !this.paused && buffer.length > 1) {
        this.writeAll(buffer.subarray(0, buffer.length >> 1));
        pause('mid-write', this.path);
        this.paused = true;
        this.writeAll(buffer.subarray(buffer.length >> 1));
      } else this.writeAll(buffer);
    } catch (error) {
      this.abort();
      throw fileError(`write ${this.what} to`, this.path, error);
    }
  }

  /** Flushes the file to the disk and renames it over the target. */
  commit(): void {
    if (this.fd === null) throw new Error(`AtomicFile ${this.path}: commit after commit or abort`);
    const fd = this.fd;
    try {
      syncQuietly(fd, this.temp !== null);
      this.fd = null;
      closeSync(fd);
      if (this.temp === null) return;
      if (PAUSE_AT === 'before-rename') pause('before-rename', this.path);
      renameSync(this.temp, this.target);
      this.done = true;
      untrack(this);
      syncFolder(dirname(this.target));
    } catch (error) {
      this.abort();
      throw fileError(`write ${this.what} to`, this.path, error);
    }
  }

  /** Closes and removes the temporary file; the target is left as it was. Never throws. */
  abort(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {}
      this.fd = null;
    }
    if (this.temp !== null && !this.done) rmSync(this.temp, { force: true });
    this.done = true;
    untrack(this);
  }

  /** Removes the temporary file at once (from an exit or signal handler). */
  discard(): void {
    if (this.temp !== null && !this.done) rmSync(this.temp, { force: true });
  }

  private writeAll(buffer: Buffer): void {
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(this.fd!, buffer, offset);
    this.bytes += buffer.length;
  }
}

/** Writes `text` to `path` atomically (see AtomicFile); `what` names the file in errors. */
export function writeFileAtomic(path: string, text: string, what: string): void {
  const file = AtomicFile.open(path, what);
  file.write(text);
  file.commit();
}

/** fsync, where the file supports it (a regular file must; a device or FIFO may refuse). */
function syncQuietly(fd: number, required: boolean): void {
  try {
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (required || (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EROFS')) throw error;
  }
}

/** fsync of a folder makes a rename in it durable; some file systems cannot, which is not an error. */
function syncFolder(folder: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Not every platform can open or fsync a folder; the rename has happened either way.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Removes temporary files left beside `target` by processes that no longer run (killed before their rename). */
function sweepStaleTemps(target: string): void {
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(target)).filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)-[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(dirname(target), name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pause(point: string, path: string): void {
  process.stderr.write(`faultline-test: paused ${point} of ${path}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
}

// ---------------------------------------------------------------- temporary files of this process

const open = new Set<AtomicFile>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onExit(): void {
  for (const file of open) file.discard();
}

function onSignal(signal: NodeJS.Signals): void {
  onExit();
  for (const s of SIGNALS) process.off(s, onSignal);
  process.kill(process.pid, signal);
}

function track(file: AtomicFile): void {
  if (open.size === 0) {
    process.on('exit', onExit);
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  open.add(file);
}

function untrack(file: AtomicFile): void {
  if (!open.delete(file) || open.size > 0) return;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}
