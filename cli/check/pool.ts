/**
 * The worker pool of a check: piscina with a fixed number of threads, each running the
 * check worker (worker.ts, bundled once per process by worker-bundle.ts). The main thread
 * only dispatches and awaits, so it sleeps while the workers run.
 */
import { rmSync } from 'node:fs';
import { Piscina } from 'piscina';
import type { WorkerTask } from './tasks.ts';
import { bundleWorker } from './worker-bundle.ts';

/** One bundle per process, removed when the process exits. */
let bundle: Promise<string> | null = null;
function workerFile(): Promise<string> {
  bundle ??= bundleWorker().then((file) => {
    process.once('exit', () => rmSync(file, { force: true }));
    return file;
  });
  return bundle;
}

/** Flags V8 takes for the whole process (bin/faultline.mjs sets them), refused in a worker's execArgv. */
const V8_PROCESS_FLAG = /^--(no-concurrent-recompilation|single-threaded-gc|max-semi-space-size)/;

export class CheckPool {
  private readonly piscina: Promise<Piscina<WorkerTask, unknown>>;

  constructor(readonly workers: number) {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`a check pool needs at least one worker, got ${workers}`);
    this.piscina = workerFile().then(
      (filename) =>
        new Piscina({
          filename,
          minThreads: workers,
          maxThreads: workers,
          concurrentTasksPerWorker: 1,
          // A handler's stack maps to the scenario's source through the bundle's inline source map.
          // (V8's process-wide flags cannot be given to a thread, and need not be: it has them.)
          execArgv: [...process.execArgv.filter((f) => !V8_PROCESS_FLAG.test(f)), '--enable-source-maps'],
          idleTimeout: 60_000,
        }),
    );
  }

  async run<R>(task: WorkerTask): Promise<R> {
    return (await this.piscina).run(task) as Promise<R>;
  }

  /** Starts every thread and loads the scenarios in it, so a measured check does not count the pool's start-up. */
  async warm(): Promise<void> {
    await Promise.all(Array.from({ length: this.workers }, () => this.run({ kind: 'warm' })));
  }

  async close(): Promise<void> {
    await (await this.piscina).destroy();
  }
}
