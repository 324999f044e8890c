/**
 * The worker pool of a check: piscina with a fixed number of threads, each running
 * worker.ts under tsx. The main thread only dispatches and awaits, so it sleeps while the
 * workers run.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { WorkerTask } from './tasks.ts';

const WORKER_FILE = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

export class CheckPool {
  private readonly piscina: Piscina<WorkerTask, unknown>;

  constructor(readonly workers: number) {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`a check pool needs at least one worker, got ${workers}`);
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }

  run<R>(task: WorkerTask): Promise<R> {
    return this.piscina.run(task) as Promise<R>;
  }

  /**
   * Starts every thread and loads the scenarios in it (tsx compiles them on first load), so
   * a measured check does not count the pool's start-up.
   */
  async warm(): Promise<void> {
    await Promise.all(Array.from({ length: this.workers }, () => this.run({ kind: 'warm' })));
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
