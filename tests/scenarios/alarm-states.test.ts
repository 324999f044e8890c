/**
 * A scenario's declared alarm states colour the UI's nodes: a misspelt one would silently
 * leave a troubled node calm. Each must be a state the scenario really enters, under some
 * strategy and preset at seed 1.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../engine/index.ts';
import { describeScenario, runScenario, scenarios } from '../../scenarios/index.ts';

describe('alarm states', () => {
  it.each(scenarios.map((s) => s.id))('%s declares only states it enters', (id) => {
    const scenario = scenarios.find((s) => s.id === id)!;
    const info = describeScenario(scenario);
    expect(info.alarmStates, `${id} declares its alarm states`).not.toBeNull();
    const missing = new Set(info.alarmStates);
    const plans = [[], ...info.presets.map((p) => p.faults)];
    for (const strategy of info.strategies) {
      for (const faults of plans) {
        if (missing.size === 0) break;
        const trace = (e: TraceEvent): void => {
          if (e.type === 'state') missing.delete(e.state);
        };
        runScenario(scenario, { strategy: strategy.id, seed: 1, faults, trace });
      }
    }
    expect([...missing]).toEqual([]);
  });
});
