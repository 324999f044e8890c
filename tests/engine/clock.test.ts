import { describe, expect, it } from 'vitest';
import { MemoryTrace, type NodeContext, Simulation } from '../../engine/index.ts';

/** A node that records what its clock reads at each of its timers, set at `delays` from boot. */
function clockReader(sim: Simulation, delays: readonly number[]): [number, number][] {
  const seen: [number, number][] = [];
  sim.addNode('n', (ctx: NodeContext<never, number>) => {
    for (const d of delays) ctx.setTimer(d, d);
    return { onTimer: () => seen.push([sim.now, ctx.now]) };
  });
  return seen;
}

describe("a node's clock", () => {
  it('reads true time until a clock fault moves it', () => {
    const sim = new Simulation({ seed: 1 });
    const seen = clockReader(sim, [10, 30]);
    sim.schedulePlan([{ at: 20, kind: 'skew', node: 'n', byMs: -500 }]);

    sim.run();

    expect(seen).toEqual([
      [10, 10],
      [30, -470],
    ]);
  });

  it('runs fast or slow after a drift, and its timers measure time on it', () => {
    const sim = new Simulation({ seed: 1 });
    const seen: [number, number][] = [];
    sim.addNode('n', (ctx: NodeContext<never, string>) => {
      ctx.setTimer(10, 'drift now');
      return {
        onTimer: (tag) => {
          seen.push([sim.now, ctx.now]);
          if (tag === 'drift now') ctx.setTimer(100, 'a hundred of my ms later');
        },
      };
    });
    sim.schedulePlan([{ at: 10, kind: 'drift', node: 'n', rate: 2 }]);

    sim.run();

    // The clock runs twice as fast: 100 ms on it pass in 50 ms of real time.
    expect(seen).toEqual([
      [10, 10],
      [60, 110],
    ]);
  });

  it('re-times a pending timer when the drift starts, and is set right by resync and by the final heal', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    const seen = clockReader(sim, [100]);
    sim.schedulePlan([
      { at: 20, kind: 'drift', node: 'n', rate: 0.5 },
      { at: 40, kind: 'resync', node: 'n' },
    ]);

    sim.run();

    // 20 ms at rate 1, 20 ms at rate 0.5 (10 ms of the timer's 80 left), then 70 ms at rate 1.
    expect(seen).toEqual([[110, 110]]);
    expect(trace.events().filter((e) => e.type === 'clock')).toEqual([
      { type: 'clock', t: 20, node: 'n', fault: { at: 20, kind: 'drift', node: 'n', rate: 0.5 } },
      { type: 'clock', t: 40, node: 'n', fault: { at: 40, kind: 'resync', node: 'n' } },
    ]);
  });

  it('is put right when every fault heals', () => {
    const sim = new Simulation({ seed: 1 });
    const seen = clockReader(sim, [50]);
    sim.schedulePlan([{ at: 10, kind: 'skew', node: 'n', byMs: 1000 }]);
    sim.at(20, () => sim.healAll());

    sim.run();

    expect(seen).toEqual([[50, 50]]);
  });
});
