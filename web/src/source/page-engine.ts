/**
 * The page's handle on its engine Web Worker (engine-worker.ts), started on first use.
 * Requests are answered in order; each returns a promise. A run is handed over as it is
 * computed (`stream`: the previews, then its events batch by batch, then the summaries), so
 * the page draws the first events while the worker computes the rest. A run in progress can
 * be stopped.
 */
import type { FaultPlan, TraceEvent } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { Divergence, RunPreview, RunSummary } from '../../../wire/index.ts';
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

/** What a streamed run tells the page, in this order. */
export interface RunStreamHandlers {
  /** Every run's preview, before the first event. */
  onPreview(previews: RunPreview[]): void;
  /** Events `from` .. of run `run`, in trace order (run 0's all come before run 1's). */
  onEvents(run: number, from: number, events: TraceEvent[]): void;
  /** Every run is complete. */
  onDone(summaries: RunSummary[], divergence: Divergence | null): void;
}

export class PageEngine {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  /** The handlers of the run being streamed, by request id. */
  private readonly streams = new Map<number, RunStreamHandlers>();

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: 'faultline-engine' });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const reply = e.data;
      if (reply.type === 'preview' || reply.type === 'batch') {
        const handlers = this.streams.get(reply.id);
        if (handlers === undefined) return;
        if (reply.type === 'preview') handlers.onPreview(reply.runs);
        else handlers.onEvents(reply.run, reply.from, JSON.parse(`[${reply.json}]`) as TraceEvent[]);
        return;
      }
      this.streams.delete(reply.id);
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

  /** Starts the worker ahead of its first request (it loads every scenario, which takes a moment), so that a first run does not wait for it. */
  warm(): void {
    this.start();
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
    this.streams.clear();
  }

  async describe(): Promise<ScenarioInfo[]> {
    const reply = await this.ask({ type: 'describe' });
    return reply.type === 'scenarios' ? reply.scenarios : [];
  }

  async preset(scenario: string, preset: string, params: Record<string, unknown>): Promise<FaultPlan> {
    const reply = await this.ask({ type: 'preset', scenario, preset, params });
    return reply.type === 'faults' ? reply.faults : [];
  }

  /**
   * Runs one or two requests in the worker, handing over the previews, the events (parsed
   * here, in the page, batch by batch) and the summaries as they come; resolves when every
   * run is complete.
   */
  async stream(requests: PageRunRequest[], handlers: RunStreamHandlers): Promise<void> {
    const worker = this.start();
    const id = this.nextId++;
    this.streams.set(id, handlers);
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, (r) => (r.type === 'error' ? reject(new EngineFailure(r.message, r.field)) : resolve(r)));
      worker.postMessage({ type: 'run', runs: requests, id } satisfies WorkerRequest);
    });
    if (reply.type !== 'runs') throw new EngineFailure('the engine gave no runs');
    handlers.onDone(reply.runs, reply.divergence);
  }

  /** Runs one or two requests in the worker and collects them whole. */
  async run(requests: PageRunRequest[]): Promise<{ runs: PageRun[]; divergence: Divergence | null }> {
    const events: TraceEvent[][] = requests.map(() => []);
    let done: { runs: PageRun[]; divergence: Divergence | null } | null = null;
    await this.stream(requests, {
      onPreview: () => {},
      onEvents: (run, _from, batch) => {
        for (const e of batch) events[run]!.push(e);
      },
      onDone: (summaries, divergence) => {
        done = { runs: summaries.map((summary, i) => ({ summary, events: events[i]! })), divergence };
      },
    });
    return done!;
  }
}
