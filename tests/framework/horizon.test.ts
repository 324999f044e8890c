/**
 * The run's horizon: a fault past it, or a duration longer than it, is refused before a
 * single event runs, naming the fault; and nothing a scenario's own fault space draws is ever
 * refused, at any parameter's bounds (the checker would otherwise stop with exit 2).
 */
import { describe, expect, it } from 'vitest';
import { checkPlanHorizon, FaultBeyondHorizonError } from '../../scenarios/framework/horizon.ts';
import { CheckPlan, findScenario, parseParams, runScenario, scenarios } from '../../scenarios/index.ts';

/** Each numeric parameter at its minimum and at its maximum, one at a time, and the defaults. */
function boundVariants(shape: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{}];
  for (const [key, schema] of Object.entries(shape)) {
    let inner = schema as { _def?: { innerType?: unknown }; minValue?: unknown; maxValue?: unknown };
    while (inner?._def?.innerType !== undefined) inner = inner._def.innerType as typeof inner;
    if (typeof inner.minValue === 'number' && Number.isFinite(inner.minValue)) out.push({ [key]: inner.minValue });
    if (typeof inner.maxValue === 'number' && Number.isFinite(inner.maxValue)) out.push({ [key]: inner.maxValue });
  }
  return out;
}

describe("the run's horizon", () => {
  it('refuses a fault far past it before the run starts, naming the fault and the horizon', () => {
    const scenario = findScenario('two-phase-commit');

    const run = () => runScenario(scenario, { seed: 1, faults: [{ at: 1e300, kind: 'heal' }] });

    expect(run).toThrow(FaultBeyondHorizonError);
    expect(run).toThrow(/faults\[0\] \(heal at 1\.000e\+300 ms\) is past the run's horizon: two-phase-commit at these parameters lasts [\d,]+ ms/);
  });

  it('refuses a latency longer than the run, naming its field', () => {
    const scenario = findScenario('two-phase-commit');
    const params = parseParams(scenario, {}) as Record<string, unknown>;

    const error = (() => {
      try {
        checkPlanHorizon(scenario, params, [{ at: 10, kind: 'degrade', latency: { kind: 'constant', ms: 1e12 } }]);
      } catch (e) {
        return e as FaultBeyondHorizonError;
      }
    })();

    expect(error?.field).toBe('faults[0].latency.ms');
  });

  it.each(scenarios.map((s) => s.id))('never refuses what %s draws for a check, at any parameter bound', (id) => {
    const scenario = findScenario(id);
    for (const variant of boundVariants(scenario.params.shape as Record<string, unknown>)) {
      let params: Record<string, unknown>;
      try {
        params = parseParams(scenario, variant) as Record<string, unknown>;
      } catch {
        continue; // a bound some refinement refuses on its own
      }
      const plan = new CheckPlan(scenario, scenario.defaultStrategy, params, 1);
      for (let i = 0; i < 100; i++) {
        const faults = plan.input(i).plan.value;
        expect(() => checkPlanHorizon(scenario, params, faults), `${id} ${JSON.stringify(variant)} run ${i}: ${JSON.stringify(faults)}`).not.toThrow();
      }
    }
  });
});
