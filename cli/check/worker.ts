/**
 * The check worker: runs scan and shrink tasks in a worker thread of the pool. It keeps one
 * `CheckPlan` per plan key (a check sends many chunks of the same plan), so the parameters
 * are parsed and the fault-plan arbitrary is built once per thread.
 */
import { ensureModule } from '../../catalog/scenario-modules.ts';
import { CheckPlan, findScenario, scanRuns, shrinkFailure } from '../../scenarios/index.ts';
import { indexAt, type PlanKey, type ScanReply, type ShrinkReply, type WorkerTask } from './tasks.ts';

const plans = new Map<string, CheckPlan>();

function planFor(key: PlanKey): CheckPlan {
  const id = JSON.stringify([key.scenario, key.strategy, key.seed, key.params]);
  let plan = plans.get(id);
  if (plan === undefined) {
    plan = new CheckPlan(findScenario(key.scenario), key.strategy, key.params, key.seed);
    plans.set(id, plan);
  }
  return plan;
}

export default async function handle(task: WorkerTask): Promise<ScanReply | ShrinkReply | null> {
  if (task.kind !== 'warm') await ensureModule(task.module);
  switch (task.kind) {
    case 'warm':
      return null;
    case 'scan': {
      const indices: number[] = [];
      for (let p = task.from; p < task.to; p++) indices.push(indexAt(task.offset, task.stride, p));
      const scan = scanRuns(planFor(task), indices);
      return { goalMasks: scan.goalMasks, coverage: scan.coverage, failure: scan.failure };
    }
    case 'shrink':
      return shrinkFailure(planFor(task), task.index, task.budget);
  }
}
