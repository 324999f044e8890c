/** Messages between the page and its engine Web Worker. */
import type { FaultPlan } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { Divergence, RunOutput } from '../../../wire/index.ts';

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

export type WorkerReply =
  | { id: number; type: 'scenarios'; scenarios: ScenarioInfo[] }
  | { id: number; type: 'faults'; faults: FaultPlan }
  | { id: number; type: 'runs'; runs: RunOutput[]; divergence: Divergence | null }
  | { id: number; type: 'progress'; run: number; events: number; tMs: number }
  | { id: number; type: 'error'; message: string; field?: string };
