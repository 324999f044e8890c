/**
 * The run pool: scenario runs execute on worker threads (piscina), never on the thread that
 * answers requests, so a long run delays nobody's page. Admission (admission.ts) hands the
 * pool a run only when a thread is free, so nothing waits inside piscina, and a run's
 * wall-clock budget, which starts when it is handed over, counts its execution, not its time
 * in the queue; past it the worker is aborted. Errors come back as data and are turned into
 * RunErrors with an HTTP status: the run's own limits (422), a scenario that threw (500), a
 * timeout (503).
 *
 * The trace comes back while the run computes it: the worker posts each batch of events on a
 * port of its own, the pool hands every batch to the task's `onBatch` (a run being streamed)
 * and assembles the whole trace from them when the run is over.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { type EventBatch, joinBatches, type RunOutput, type RunTask } from '../wire/index.ts';

const WORKER = fileURLToPath(new URL('./run-worker.mjs', import.meta.url));

/** A run that could not produce a trace, with the HTTP status that describes why (and, for a full server, when to come back). */
export class RunError extends Error {
  override name = 'RunError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds after which trying again makes sense (sent as Retry-After). */
    readonly retryAfterSec?: number,
  ) {
    super(message);
  }
}

type WorkerAnswer = { ok: true; summary: RunOutput['summary'] } | { ok: false; name: string; message: string };

export interface RunPoolOptions {
  /** Worker threads (admission's heavy slots and its light lane). */
  threads: number;
}

/** Heavy runs use up to 2 threads (fewer on a 1-core machine); the light lane has one more. */
export const DEFAULT_HEAVY_THREADS = Math.max(1, Math.min(2, availableParallelism()));

export class RunPool {
  private readonly pool: Piscina;

  constructor(options: RunPoolOptions) {
    if (!(options.threads >= 1)) throw new Error(`RunPool: threads must be at least 1, got ${options.threads}`);
    // Every thread is started at once and kept: a thread's cold start (tsx, the scenarios) takes
    // seconds on a loaded machine, and would otherwise eat a light run's budget and a small run's wait.
    this.pool = new Piscina({ filename: WORKER, minThreads: options.threads, maxThreads: options.threads, maxQueue: options.threads });
  }

  /** Runs a task on a free thread, aborting it after `timeoutMs` of wall-clock time from now. */
  async run(task: RunTask, timeoutMs: number): Promise<RunOutput> {
    // Callbacks stay on this thread; the worker gets the plain task and a port for the trace.
    const { onBatch, onProgress: _progress, ...plain } = task;
    const batches: EventBatch[] = [];
    const channel = new MessageChannel();
    let ended!: () => void;
    const end = new Promise<void>((resolve) => {
      ended = resolve;
    });
    channel.port1.on('message', (message: EventBatch | { end: true }) => {
      if ('end' in message) return ended();
      batches.push(message);
      onBatch?.(message);
    });
    let answer: WorkerAnswer;
    try {
      try {
        answer = (await this.pool.run(
          { ...plain, port: channel.port2 },
          { signal: AbortSignal.timeout(timeoutMs), transferList: [channel.port2] as never },
        )) as WorkerAnswer;
      } catch (error) {
        const e = error as Error;
        if (e.name === 'AbortError' || e.name === 'TimeoutError') {
          throw new RunError(
            503,
            'run-timeout',
            `the run took longer than ${timeoutMs / 1000} s of wall-clock time once started (time in the queue does not count) and was stopped; lower the workload parameters`,
          );
        }
        if (/queue is full/i.test(e.message)) throw new RunError(503, 'server-busy', 'the server is running too many simulations; try again shortly');
        throw new RunError(500, 'worker-failed', `the run's worker failed: ${e.message}`);
      }
      // Every batch was posted before the answer, on another port: wait for the last one.
      await end;
    } finally {
      channel.port1.close();
    }
    if (answer.ok) return { summary: answer.summary, ...joinBatches(batches, answer.summary.traceEvents) };
    if (answer.name === 'TraceLimitError') throw new RunError(422, 'too-many-events', answer.message);
    if (answer.name === 'InputError' || answer.name === 'FieldError') throw new RunError(400, 'invalid-request', answer.message);
    throw new RunError(500, 'scenario-failed', `the scenario failed: ${answer.message}`);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
