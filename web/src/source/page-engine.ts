/**
 * The page's handle on its engine Web Worker (engine-worker.ts), started on first use.
 * Requests are answered in order; each returns a promise. A run in progress can be stopped.
 */
import type { FaultPlan, TraceEvent } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { Divergence, RunSummary } from '../../../wire/index.ts';
import type { PageRunRequest, WorkerReply, WorkerRequest } from './engine-messages.ts';

export interface PageRun {
  summary: RunSummary;
  events: TraceEvent[];
}

/** A run the page's engine refused, with the field it names. */
export class EngineFailure extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export class PageEngine {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  /** Told how far a run in progress has got (run index, trace events so far, simulated ms reached). */
  onProgress: ((run: number, events: number, tMs: number) => void) | null = null;

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: 'faultline-engine' });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      if (e.data.type === 'progress') {
        this.onProgress?.(e.data.run, e.data.events, e.data.tMs);
        return;
      }
      const done = this.pending.get(e.data.id);
      this.pending.delete(e.data.id);
      done?.(e.data);
    };
    worker.onerror = (e) => {
      for (const done of this.pending.values()) done({ id: 0, type: 'error', message: `the page's engine failed: ${e.message}` });
      this.pending.clear();
    };
    this.worker = worker;
    return worker;
  }

  private ask(request: DistributiveOmit<WorkerRequest, 'id'>): Promise<WorkerReply> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.type === 'error' ? reject(new EngineFailure(reply.message, reply.field)) : resolve(reply)));
      worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  /**
   * Stops a run in progress: the worker is ended (a run is one synchronous computation, so
   * nothing short of that stops it) and the next request starts a fresh one.
   */
  cancel(): void {
    if (this.worker === null || this.pending.size === 0) return;
    this.worker.terminate();
    this.worker = null;
    for (const done of this.pending.values()) done({ id: 0, type: 'error', message: 'the run was stopped' });
    this.pending.clear();
  }

  async describe(): Promise<ScenarioInfo[]> {
    const reply = await this.ask({ type: 'describe' });
    return reply.type === 'scenarios' ? reply.scenarios : [];
  }

  async preset(scenario: string, preset: string, params: Record<string, unknown>): Promise<FaultPlan> {
    const reply = await this.ask({ type: 'preset', scenario, preset, params });
    return reply.type === 'faults' ? reply.faults : [];
  }

  /** Runs one or two requests in the worker; events are parsed here, in the page. */
  async run(requests: PageRunRequest[]): Promise<{ runs: PageRun[]; divergence: Divergence | null }> {
    const reply = await this.ask({ type: 'run', runs: requests });
    if (reply.type !== 'runs') throw new EngineFailure('the engine gave no runs');
    return {
      runs: reply.runs.map((r) => ({ summary: r.summary, events: JSON.parse(`[${r.json}]`) as TraceEvent[] })),
      divergence: reply.divergence,
    };
  }
}
