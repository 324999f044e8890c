/**
 * The run pool: scenario runs execute on worker threads (piscina), never on the thread that
 * answers requests, so a long run delays nobody's page. Each task has a wall-clock budget;
 * past it the worker is aborted. Errors come back as data and are turned into RunErrors
 * with an HTTP status: the run's own limits (422), a scenario that threw (500), a timeout (503).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { RunOutput, RunTask } from '../wire/index.ts';

const WORKER = fileURLToPath(new URL('./run-worker.mjs', import.meta.url));

/** A run that could not produce a trace, with the HTTP status that describes why. */
export class RunError extends Error {
  override name = 'RunError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type WorkerAnswer =
  | { ok: true; summary: RunOutput['summary']; json: string; offsets: Float64Array; times: Float64Array }
  | { ok: false; name: string; message: string };

export interface RunPoolOptions {
  /** Worker threads (default: up to 2, fewer on a 1-core machine). */
  threads?: number;
  /** Abort a run after this much wall-clock time (default 60 s). */
  taskTimeoutMs?: number;
}

export class RunPool {
  private readonly pool: Piscina;
  private readonly taskTimeoutMs: number;

  constructor(options: RunPoolOptions = {}) {
    const threads = options.threads ?? Math.max(1, Math.min(2, availableParallelism()));
    this.taskTimeoutMs = options.taskTimeoutMs ?? 60_000;
    this.pool = new Piscina({ filename: WORKER, minThreads: 0, maxThreads: threads, idleTimeout: 30_000, maxQueue: 64 });
  }

  async run(task: RunTask): Promise<RunOutput> {
    let answer: WorkerAnswer;
    try {
      answer = (await this.pool.run(task, { signal: AbortSignal.timeout(this.taskTimeoutMs) })) as WorkerAnswer;
    } catch (error) {
      const e = error as Error;
      if (e.name === 'AbortError' || e.name === 'TimeoutError') {
        throw new RunError(
          503,
          'run-timeout',
          `the run took longer than ${this.taskTimeoutMs / 1000} s of wall-clock time and was stopped; lower the workload parameters`,
        );
      }
      if (/queue is full/i.test(e.message)) throw new RunError(503, 'server-busy', 'the server is running too many simulations; try again shortly');
      throw new RunError(500, 'worker-failed', `the run's worker failed: ${e.message}`);
    }
    if (answer.ok) return { summary: answer.summary, json: answer.json, offsets: answer.offsets, times: answer.times };
    if (answer.name === 'TraceLimitError') throw new RunError(422, 'too-many-events', answer.message);
    if (answer.name === 'InputError' || answer.name === 'FieldError') throw new RunError(400, 'invalid-request', answer.message);
    throw new RunError(500, 'scenario-failed', `the scenario failed: ${answer.message}`);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
