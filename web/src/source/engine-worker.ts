/**
 * The engine in the page: a Web Worker that holds the scenario registry and runs scenarios
 * with the same run task the server's worker threads use (wire/run-task.ts), so a run made
 * here has the trace hash `faultline run --json` prints. The page asks it for scenario
 * descriptions, preset fault plans at given parameters, and runs (one, or two to compare).
 */
/// <reference lib="webworker" />
import { describeScenario, findScenario, parseParams, resolvePreset, scenarios } from '../../../scenarios/index.ts';
import { executeRun, firstDivergence, type RunOutput, validateRun } from '../../../wire/index.ts';
import type { WorkerReply, WorkerRequest } from './engine-messages.ts';

/** The page keeps whole traces in memory; above this a run is refused. */
const TRACE_EVENTS_MAX = 2_000_000;

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const request = e.data;
  try {
    reply(handle(request));
  } catch (error) {
    const err = error as Error & { field?: string };
    reply({ id: request.id, type: 'error', message: err.message, field: err.field });
  }
};

function reply(message: WorkerReply): void {
  const transfer: Transferable[] = [];
  if (message.type === 'runs') for (const r of message.runs) transfer.push(r.offsets.buffer as ArrayBuffer, r.times.buffer as ArrayBuffer);
  scope.postMessage(message, transfer);
}

function handle(request: WorkerRequest): WorkerReply {
  switch (request.type) {
    case 'describe':
      return { id: request.id, type: 'scenarios', scenarios: scenarios.map(describeScenario) };
    case 'preset': {
      const scenario = findScenario(request.scenario);
      return { id: request.id, type: 'faults', faults: resolvePreset(scenario, request.preset, parseParams(scenario, request.params)) };
    }
    case 'run': {
      const outputs: RunOutput[] = request.runs.map((r, run) =>
        executeRun({
          ...validateRun(r),
          traceEventsMax: TRACE_EVENTS_MAX,
          onProgress: (events, tMs) => reply({ id: request.id, type: 'progress', run, events, tMs }),
        }),
      );
      const divergence = outputs.length === 2 ? firstDivergence(outputs[0]!, outputs[1]!) : null;
      return { id: request.id, type: 'runs', runs: outputs, divergence };
    }
  }
}
