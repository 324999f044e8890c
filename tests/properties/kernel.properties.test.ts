/**
 * The kernel's laws, checked with fast-check over random seeds and random fault plans on the
 * fixed five-node ping-pong system. Seeds are fixed so CI is repeatable; a failure prints
 * fast-check's seed and path, and the counterexample plan replays as plain JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallbackTrace, EventQueue, type FaultPlan, parseFaultPlan, RandomStreams, Simulation } from '../../engine/index.ts';
import { buildPingPong, PING_PONG_HORIZON_MS, PING_PONG_NODES, pingPongHash } from '../engine/fixtures/ping-pong.ts';
import { faultArbitrary, planArbitrary } from './fault-plan-arbitrary.ts';

const seedArbitrary = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const runPlanArbitrary = planArbitrary({ nodes: PING_PONG_NODES, horizonMs: PING_PONG_HORIZON_MS });
/** Steps per run at most: the ping-pong system goes idle long before. */
const STEPS_MAX = 200_000;

/** Runs `sim` one step at a time until idle, calling `check` after every step. */
function stepToIdle(sim: Simulation, check: (step: number) => void): void {
  sim.start();
  for (let step = 0; step < STEPS_MAX; step++) {
    if (!sim.step()) return;
    check(step);
  }
  throw new Error(`the ping-pong system did not go idle within ${STEPS_MAX} steps`);
}

describe('Kernel properties', () => {
  it('gives the same trace hash for the same seed and fault plan', () => {
    fc.assert(
      fc.property(seedArbitrary, runPlanArbitrary, (seed, plan) => {
        const first = pingPongHash(seed, plan);

        const second = pingPongHash(seed, structuredClone(plan));

        expect(second).toBe(first);
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it('conserves messages at every step: sent + duplicated = delivered + dropped + inFlight', () => {
    fc.assert(
      fc.property(seedArbitrary, runPlanArbitrary, (seed, plan) => {
        const sim = buildPingPong(seed, plan);

        stepToIdle(sim, (step) => {
          const { sent, duplicated, delivered, dropped, inFlight } = sim.messageStats;
          if (sent + duplicated !== delivered + dropped + inFlight || inFlight < 0) {
            throw new Error(`step ${step} at t=${sim.now}: ${JSON.stringify(sim.messageStats)}`);
          }
        });

        expect(sim.messageStats.sent).toBeGreaterThan(0);
      }),
      { seed: 43, numRuns: 150 },
    );
  });

  it('never moves time backwards, in the clock or in the trace', () => {
    fc.assert(
      fc.property(seedArbitrary, runPlanArbitrary, (seed, plan) => {
        let lastTraced = 0;
        let tracedBackwards = 0;
        const sim = buildPingPong(
          seed,
          plan,
          new CallbackTrace((event) => {
            if (event.t < lastTraced) tracedBackwards++;
            lastTraced = event.t;
          }),
        );
        let last = sim.now;

        stepToIdle(sim, (step) => {
          if (sim.now < last) throw new Error(`step ${step}: time went from ${last} to ${sim.now}`);
          last = sim.now;
        });

        expect(tracedBackwards).toBe(0);
      }),
      { seed: 44, numRuns: 100 },
    );
  });

  it('runs the same whether or not a trace listens', () => {
    fc.assert(
      fc.property(seedArbitrary, runPlanArbitrary, (seed, plan) => {
        const traced = buildPingPong(seed, plan, new CallbackTrace(() => {}));
        const untraced = buildPingPong(seed, plan, null);

        traced.run();
        untraced.run();

        expect([untraced.events, untraced.now, untraced.messageStats]).toEqual([traced.events, traced.now, traced.messageStats]);
      }),
      { seed: 45, numRuns: 100 },
    );
  });

  it('pops queue events at the same time in the order they were pushed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 300 }), (times) => {
        const queue = new EventQueue(4);
        times.forEach((time, slot) => {
          queue.push(time, slot);
        });

        const popped: number[] = [];
        while (queue.size > 0) popped.push(queue.pop());

        const expected = times.map((time, slot) => ({ time, slot })).sort((a, b) => a.time - b.time || a.slot - b.slot);
        expect(popped).toEqual(expected.map((e) => e.slot));
      }),
      { seed: 46, numRuns: 200 },
    );
  });

  it('runs callbacks scheduled for the same time in scheduling order, even those scheduled while running', () => {
    const callbackArbitrary = fc.array(
      fc.record({ atMs: fc.integer({ min: 0, max: 3 }), childDelaysMs: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }) }),
      {
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(callbackArbitrary, (callbacks) => {
        const sim = new Simulation({ seed: 1 });
        const ran: [number, number][] = [];
        let scheduled = 0;
        const schedule = (atMs: number, childDelaysMs: readonly number[]): void => {
          const order = scheduled++;
          sim.at(atMs, () => {
            ran.push([sim.now, order]);
            for (const delayMs of childDelaysMs) schedule(sim.now + delayMs, []);
          });
        };
        for (const c of callbacks) schedule(c.atMs, c.childDelaysMs);

        sim.run();

        const sorted = ran.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(ran).toEqual(sorted);
        expect(ran).toHaveLength(scheduled);
      }),
      { seed: 47, numRuns: 200 },
    );
  });

  it('fires timers due at the same time in the order they were set', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 50 }), (delaysMs) => {
        const sim = new Simulation({ seed: 1 });
        const fired: number[] = [];
        sim.addNode('p1', (ctx) => {
          delaysMs.forEach((delayMs, index) => {
            ctx.setTimer(delayMs, index);
          });
          return { onTimer: (tag) => fired.push(tag as number) };
        });

        sim.run();

        const expected = delaysMs.map((delayMs, index) => ({ delayMs, index })).sort((a, b) => a.delayMs - b.delayMs || a.index - b.index);
        expect(fired).toEqual(expected.map((e) => e.index));
      }),
      { seed: 48, numRuns: 200 },
    );
  });

  it('keeps a named stream unchanged by any number of draws from another stream', () => {
    const nameArbitrary = fc.stringMatching(/^[a-z/:0-9]{1,12}$/);
    fc.assert(
      fc.property(seedArbitrary, nameArbitrary, nameArbitrary, fc.array(fc.nat(50), { minLength: 1, maxLength: 10 }), (seed, watched, other, burstSizes) => {
        fc.pre(watched !== other);
        const quiet = new RandomStreams(seed).stream(watched);
        const busyStreams = new RandomStreams(seed);
        const busy = busyStreams.stream(watched);
        const fromQuiet: number[] = [];
        const fromBusy: number[] = [];

        for (const size of burstSizes) {
          for (let i = 0; i < size; i++) busyStreams.stream(other).next();
          fromQuiet.push(quiet.next());
          fromBusy.push(busy.next());
        }

        expect(fromBusy).toEqual(fromQuiet);
      }),
      { seed: 49, numRuns: 200 },
    );
  });

  it("keeps a node's and the workload's draws unchanged when another node is added", () => {
    fc.assert(
      fc.property(seedArbitrary, fc.nat(PING_PONG_NODES.length), fc.nat(20), (seed, extraAt, extraDraws) => {
        const drawsOf = (names: readonly string[]): Map<string, number[]> => {
          const sim = new Simulation({ seed });
          const draws = new Map<string, number[]>();
          for (const name of names) {
            sim.addNode(name, (ctx) => {
              const count = name === 'extra' ? extraDraws : 5;
              draws.set(
                name,
                Array.from({ length: count }, () => ctx.rng.next()),
              );
              return {};
            });
          }
          sim.start();
          draws.set('workload', [sim.random.stream('workload').next(), sim.random.stream('workload').next()]);
          return draws;
        };
        const base = drawsOf(PING_PONG_NODES);
        const withExtra = drawsOf([...PING_PONG_NODES.slice(0, extraAt), 'extra', ...PING_PONG_NODES.slice(extraAt)]);

        withExtra.delete('extra');

        expect(withExtra).toEqual(base);
      }),
      { seed: 50, numRuns: 100 },
    );
  });

  it('round-trips fault plans through JSON and parseFaultPlan', () => {
    const anyPlan = fc.array(faultArbitrary({ nodes: ['p1', 'p2', 'node-3', 'n:4'], horizonMs: 1e6, withInject: true }), { maxLength: 20 });
    fc.assert(
      fc.property(anyPlan, (plan: FaultPlan) => {
        const text = JSON.stringify(plan);

        const parsed = parseFaultPlan(text);

        expect(parsed).toEqual(plan);
        expect(JSON.stringify(parseFaultPlan(JSON.stringify(parsed)))).toBe(JSON.stringify(parsed));
      }),
      { seed: 51, numRuns: 300 },
    );
  });
});
