/**
 * The engine in the page: a Web Worker that holds the scenario registry and runs scenarios
 * with the same run task the server's worker threads use (wire/run-task.ts), so a run made
 * here has the trace hash `faultline run --json` prints. The page asks it for scenario
 * descriptions, preset fault plans at given parameters, and runs (one, or two to compare).
 *
 * A run is computed in slices the page can draw at once: the worker posts the runs' previews
 * before the first event, then each batch of events as the run task produces it (the first
 * small, so the first frame needs only the run's first moments), then the summaries. The
 * worker computes while the page draws; posting never waits for the page.
 */
/// <reference lib="webworker" />
import { describeScenario, findScenario, parseParams, resolvePreset, scenarios } from '../../../scenarios/index.ts';
import { type EventBatch, firstDivergence, joinBatches, previewRun, type RunSummary, streamRun, validateRun } from '../../../wire/index.ts';
import type { WorkerReply, WorkerRequest } from './engine-messages.ts';

/** The page keeps whole traces in memory; above this a run is refused. */
const TRACE_EVENTS_MAX = 2_000_000;
/**
 * Events per message to the page, at most: the page parses and indexes each message in one
 * task, and a frame cannot be drawn during it; a few milliseconds each keeps the page drawing
 * while a long run streams in.
 */
const PAGE_BATCH_EVENTS_MAX = 2_048;

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const request = e.data;
  try {
    const answer = handle(request);
    if (answer !== null) reply(answer);
  } catch (error) {
    const err = error as Error & { field?: string };
    reply({ id: request.id, type: 'error', message: err.message, field: err.field });
  }
};

function reply(message: WorkerReply): void {
  scope.postMessage(message);
}

function handle(request: WorkerRequest): WorkerReply | null {
  switch (request.type) {
    case 'describe':
      return { id: request.id, type: 'scenarios', scenarios: scenarios.map(describeScenario) };
    case 'preset': {
      const scenario = findScenario(request.scenario);
      return { id: request.id, type: 'faults', faults: resolvePreset(scenario, request.preset, parseParams(scenario, request.params)) };
    }
    case 'run': {
      const tasks = request.runs.map((r) => ({ ...validateRun(r), traceEventsMax: TRACE_EVENTS_MAX }));
      reply({ id: request.id, type: 'preview', runs: tasks.map((t) => previewRun(t)) });
      // Two runs are compared event by event at the end: their batches are kept for that.
      const kept: EventBatch[][] = tasks.map(() => []);
      const summaries: RunSummary[] = tasks.map((task, run) =>
        streamRun(task, (batch) => {
          if (tasks.length === 2) kept[run]!.push(batch);
          const n = batch.times.length;
          for (let i = 0; i < n; i += PAGE_BATCH_EVENTS_MAX) {
            const to = Math.min(n, i + PAGE_BATCH_EVENTS_MAX);
            const json = i === 0 && to === n ? batch.json : batch.json.slice(batch.offsets[i]!, batch.offsets[to]! - 1);
            reply({ id: request.id, type: 'batch', run, from: batch.from + i, json });
          }
        }),
      );
      const divergence =
        tasks.length === 2 ? firstDivergence(joinBatches(kept[0]!, summaries[0]!.traceEvents), joinBatches(kept[1]!, summaries[1]!.traceEvents)) : null;
      return { id: request.id, type: 'runs', runs: summaries, divergence };
    }
  }
}
