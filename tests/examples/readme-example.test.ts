// The example from the README, verbatim: a user's own property test against the library API.
import fc from 'fast-check';
import { type FaultPlan, MemoryTrace, type NodeContext, Simulation } from 'faultline';
import { checkScenario, findScenario, runScenario } from 'faultline/scenarios';
import { describe, expect, it } from 'vitest';

type Write = { value: number };

describe('a register replicated to two followers', () => {
  // A leader applies writes and forwards them; followers keep the highest value they saw, on disk.
  function build(seed: number, faults: FaultPlan) {
    const sim = new Simulation({ seed, trace: new MemoryTrace() });
    sim.addNode('leader', (ctx: NodeContext<Write, number>) => {
      for (let i = 1; i <= 10; i++) ctx.setTimer(i * 10, i);
      return {
        onTimer: (tag) => {
          for (const follower of ['f1', 'f2']) ctx.send(follower, { value: tag });
        },
      };
    });
    for (const name of ['f1', 'f2']) {
      sim.addNode(name, (ctx: NodeContext<Write>) => ({
        onMessage: (_from, msg) => {
          ctx.disk.set('value', Math.max(msg.value, ctx.disk.get<number>('value') ?? 0));
          ctx.disk.force(); // durable from here: a crash after this line keeps the value
        },
      }));
    }
    sim.schedulePlan(faults);
    return sim;
  }

  it('converges once the partition heals, because each later write carries the latest value', () => {
    const sim = build(1, [
      { at: 25, kind: 'partition', groups: [['f2']] },
      { at: 60, kind: 'heal' },
    ]);
    sim.run({ untilMs: 500 });
    // Writes sent while f2 was cut off were dropped (nobody retries), yet f2 ends at the last value.
    expect(sim.messageStats.dropped).toBeGreaterThanOrEqual(3);
    expect(sim.disk(sim.nodeId('f1')).get('value')).toBe(10);
    expect(sim.disk(sim.nodeId('f2')).get('value')).toBe(10);
  });

  it('replays any run exactly: same seed and faults, same trace hash', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 100 }), (seed, at) => {
        const faults: FaultPlan = [{ at, kind: 'crash', node: 'f1' }];
        const a = build(seed, faults);
        const b = build(seed, faults);
        a.run({ untilMs: 200 });
        b.run({ untilMs: 200 });
        expect((a.trace as MemoryTrace).hash()).toBe((b.trace as MemoryTrace).hash());
      }),
      { seed: 7, numRuns: 50 },
    );
  });

  it('uses the scenario library: the checker finds the in-memory 2PC flaw', () => {
    const twoPc = findScenario('two-phase-commit');
    const result = checkScenario(twoPc, { strategy: 'in-memory', runs: 1000, seed: 1 });
    expect(result.counterexample?.invariant).toBe('atomicity');
    const replay = runScenario(twoPc, { strategy: 'in-memory', seed: result.counterexample!.seed, faults: result.counterexample!.faults });
    expect(replay.ok).toBe(false);
  });
});
