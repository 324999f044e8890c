/** Messages between the page and its engine Web Worker. */
import type { FaultPlan } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { Divergence, RunPreview, RunSummary } from '../../../wire/index.ts';

export interface PageRunRequest {
  scenario: string;
  strategy?: string;
  seed: number;
  params?: Record<string, unknown>;
  faults?: FaultPlan;
}

export type WorkerRequest =
  | { id: number; type: 'describe' }
  | { id: number; type: 'preset'; scenario: string; preset: string; params: Record<string, unknown> }
  | { id: number; type: 'run'; runs: PageRunRequest[] };

/**
 * A run request is answered while it computes: `preview` (what is known before the first
 * event, every run at once), then `batch` after `batch` of events (run 0's, then run 1's),
 * then `runs` with the summaries when every run is complete.
 */
export type WorkerReply =
  | { id: number; type: 'scenarios'; scenarios: ScenarioInfo[] }
  | { id: number; type: 'faults'; faults: FaultPlan }
  | { id: number; type: 'preview'; runs: RunPreview[] }
  | { id: number; type: 'batch'; run: number; from: number; json: string }
  | { id: number; type: 'runs'; runs: RunSummary[]; divergence: Divergence | null }
  | { id: number; type: 'error'; message: string; field?: string };
