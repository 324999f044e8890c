import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultPlanSchema } from '../../engine/index.ts';
import { faultPlanArbitrary } from '../../scenarios/index.ts';

const space = {
  windowMs: 500,
  crashable: ['a', 'b'],
  partitionable: ['a', 'b', 'c'],
  kinds: ['crash', 'restart', 'pause', 'resume', 'slow', 'partition', 'heal', 'degrade', 'restore'] as const,
  crashPoints: { a: ['step-one'] },
  injects: [{ name: 'burst', description: 'a burst', args: { factor: { min: 2, max: 5, integer: true } } }],
  faultsMax: 5,
};

describe('the fault-plan arbitrary', () => {
  it('generates valid plans, sorted by time, inside the window, naming only allowed nodes', () => {
    fc.assert(
      fc.property(faultPlanArbitrary(space), (plan) => {
        expect(FaultPlanSchema.safeParse(plan).success).toBe(true);
        expect(plan.length).toBeLessThanOrEqual(5);
        for (let i = 1; i < plan.length; i++) expect(plan[i]!.at).toBeGreaterThanOrEqual(plan[i - 1]!.at);
        for (const f of plan) {
          expect(f.at).toBeGreaterThanOrEqual(0);
          expect(f.at).toBeLessThanOrEqual(500);
          if ('node' in f && f.kind !== 'inject') expect(['a', 'b']).toContain(f.node);
          if (f.kind === 'crash' && f.when !== undefined) expect(f).toMatchObject({ node: 'a', when: 'step-one' });
          if (f.kind === 'inject') expect(f.args?.factor).toBeGreaterThanOrEqual(2);
        }
      }),
      { seed: 4, numRuns: 300 },
    );
  });

  it('shrinks a failing plan toward fewer and earlier faults', () => {
    const result = fc.check(
      fc.property(faultPlanArbitrary(space), (plan) => !plan.some((f) => f.kind === 'crash' && f.at >= 100)),
      { seed: 8, numRuns: 500 },
    );

    expect(result.failed).toBe(true);
    const [plan] = result.counterexample!;
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ kind: 'crash', at: 100 });
  });
});
