/**
 * The command's own bounds: wall-clock time (`--time-limit`) and memory (`--memory-limit`,
 * the process's resident set in MiB, worker threads included), for `run`, `compare` and
 * `check`. Reaching one stops the command with a RunLimitError — exit 2, a message naming
 * the bound — and nothing half-written (output files are atomic).
 *
 * The guard only ever aborts. It reads the wall clock and the memory and may throw; it never
 * feeds either into a simulation, so a bounded run that finishes is event for event the run
 * an unbounded one would have been (same trace hash).
 *
 * Synchronous runs (run, compare) call `tick()` from their trace callback, which looks every
 * 4,096 events (a few milliseconds of simulation); commands that wait on worker threads
 * (check) call `watch()`, which looks every 100 ms.
 */
import { performance } from 'node:perf_hooks';
import { InputError } from '../engine/index.ts';
import { formatDuration } from './duration.ts';
import { FileError } from './file-error.ts';

export type LimitName = 'time-limit' | 'memory-limit';

export interface RunLimits {
  /** Wall-clock milliseconds the command may take (from its start). */
  timeLimitMs?: number;
  /** Resident memory of the process, in MiB. */
  memoryLimitMb?: number;
}

/** The flags as commander parses them: `--time-limit` in ms (duration.ts), `--memory-limit` in MiB. */
export interface LimitFlags {
  timeLimit?: number;
  memoryLimit?: number;
}

/** The command reached one of its own bounds. */
export class RunLimitError extends InputError {
  override name = 'RunLimitError';
  constructor(
    readonly bound: LimitName,
    message: string,
  ) {
    super(message);
  }
}

const TICK_MASK = 4095;
const WATCH_MS = 100;
const MIB = 1024 * 1024;

export class RunGuard {
  private readonly startMs = performance.now();
  private ticks = 0;

  constructor(
    private readonly limits: RunLimits,
    /** What is bounded, for messages: 'run', 'check', 'compare'. */
    private readonly command: string,
  ) {
    if (limits.timeLimitMs !== undefined && !(limits.timeLimitMs > 0)) throw new Error(`RunGuard: timeLimitMs must be positive, got ${limits.timeLimitMs}`);
    if (limits.memoryLimitMb !== undefined && !(limits.memoryLimitMb > 0))
      throw new Error(`RunGuard: memoryLimitMb must be positive, got ${limits.memoryLimitMb}`);
  }

  static fromFlags(flags: LimitFlags, command: string): RunGuard {
    return new RunGuard({ timeLimitMs: flags.timeLimit, memoryLimitMb: flags.memoryLimit }, command);
  }

  /** True when a limit was given. */
  get active(): boolean {
    return this.limits.timeLimitMs !== undefined || this.limits.memoryLimitMb !== undefined;
  }

  /** For a per-event callback: looks at the clock and memory every 4,096 calls. */
  tick(): void {
    if ((++this.ticks & TICK_MASK) === 0) this.check();
  }

  /** Throws a RunLimitError if a limit has been reached. */
  check(): void {
    const { timeLimitMs, memoryLimitMb } = this.limits;
    if (timeLimitMs !== undefined) {
      const elapsedMs = performance.now() - this.startMs;
      if (elapsedMs > timeLimitMs) {
        throw new RunLimitError(
          'time-limit',
          `--time-limit ${formatDuration(timeLimitMs)} reached: the ${this.command} was stopped after ${formatDuration(Math.round(elapsedMs))} of wall-clock time and wrote nothing; raise --time-limit or make the work smaller`,
        );
      }
    }
    if (memoryLimitMb !== undefined) {
      const rssMb = process.memoryUsage.rss() / MIB;
      if (rssMb > memoryLimitMb) {
        throw new RunLimitError(
          'memory-limit',
          `--memory-limit ${memoryLimitMb.toLocaleString('en-US')} MiB reached: the ${this.command} was stopped using ${Math.ceil(rssMb).toLocaleString('en-US')} MiB (resident) and wrote nothing; raise --memory-limit or make the work smaller`,
        );
      }
    }
  }

  /**
   * Looks every 100 ms while the event loop is free (the command waits on workers).
   * `breached` rejects with the RunLimitError; `stop()` ends the watch.
   */
  watch(): { breached: Promise<never>; stop: () => void } {
    let timer: ReturnType<typeof setInterval> | null = null;
    const breached = new Promise<never>((_, reject) => {
      if (!this.active) return;
      timer = setInterval(() => {
        try {
          this.check();
        } catch (error) {
          reject(error);
        }
      }, WATCH_MS);
      timer.unref();
    });
    breached.catch(() => {});
    return {
      breached,
      stop: () => {
        if (timer !== null) clearInterval(timer);
      },
    };
  }
}

/**
 * The command's own stop behind an error a run threw, or null: a RunLimitError, or a
 * FileError of an output the disk refused. The kernel reports what a trace callback throws
 * as a HandlerError whose cause it is. (Any other error of a handler stays a scenario's.)
 */
export function stopBehind(error: unknown): RunLimitError | FileError | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof RunLimitError || e instanceof FileError) return e;
  }
  return null;
}
