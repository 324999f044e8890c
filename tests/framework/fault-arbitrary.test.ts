import fc, { Random } from 'fast-check';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { FaultPlanSchema, InputError, parseFaultPlan } from '../../engine/index.ts';
import { assertDrawable, drawable, drawFaultPlan, floorLog2, LOG_EXACT_BELOW } from '../../scenarios/framework/fault-arbitrary.ts';
import {
  CheckPlan,
  checkScenario,
  classesOf,
  coverageCatalogue,
  coverageItems,
  defineScenario,
  type FaultSpace,
  faultPlanArbitrary,
  fullSwarm,
  scenarios,
  swarmFor,
} from '../../scenarios/index.ts';
import { toy } from './toy-scenario.ts';

const target = (name: string, can: { crash?: boolean; pause?: boolean; network?: boolean; clock?: boolean; crashPoints?: string[] }) => ({
  name,
  role: 'server',
  crash: can.crash ?? true,
  pause: can.pause ?? true,
  network: can.network ?? true,
  clock: can.clock ?? true,
  crashPoints: can.crashPoints ?? [],
});

const space: FaultSpace = {
  windowMs: 500,
  faultsMax: 5,
  nodes: [target('a', { crashPoints: ['step-one'] }), target('b', { clock: false }), target('c', { crash: false, pause: false })],
  kinds: ['crash', 'restart', 'pause', 'resume', 'slow', 'partition', 'heal', 'degrade', 'restore', 'skew', 'drift', 'resync', 'inject'],
  excluded: [],
  injects: [{ name: 'burst', description: 'a burst', args: { factor: { min: 2, max: 5, integer: true } } }],
  latencySpikeMsMax: 50,
  clockSkewMsMax: 100,
  crashable: ['a', 'b'],
  partitionable: ['a', 'b', 'c'],
  crashPoints: { a: ['step-one'] },
};

describe('the fault-plan arbitrary', () => {
  it('generates valid plans, sorted by time, inside the window, each fault on a node its class allows', () => {
    fc.assert(
      fc.property(faultPlanArbitrary(space), (plan) => {
        expect(FaultPlanSchema.safeParse(plan).success).toBe(true);
        expect(plan.length).toBeLessThanOrEqual(5);
        for (let i = 1; i < plan.length; i++) expect(plan[i]!.at).toBeGreaterThanOrEqual(plan[i - 1]!.at);
        for (const f of plan) {
          expect(f.at).toBeGreaterThanOrEqual(0);
          expect(f.at).toBeLessThanOrEqual(500);
          if (f.kind === 'crash' || f.kind === 'restart' || f.kind === 'pause' || f.kind === 'resume' || f.kind === 'slow')
            expect(['a', 'b']).toContain(f.node);
          if (f.kind === 'skew' || f.kind === 'drift' || f.kind === 'resync') expect(['a', 'c']).toContain(f.node);
          if (f.kind === 'crash' && f.when !== undefined && !f.when.startsWith('io:')) expect(f).toMatchObject({ node: 'a', when: 'step-one' });
          if (f.kind === 'degrade')
            expect(f.latency !== undefined || f.lossRate !== undefined || f.duplicateRate !== undefined || f.reorderRate !== undefined).toBe(true);
          if (f.kind === 'degrade' && f.latency?.kind === 'constant') expect(f.latency.ms).toBeLessThanOrEqual(50);
          if (f.kind === 'skew') expect(Math.abs(f.byMs)).toBeLessThanOrEqual(100);
          if (f.kind === 'inject') expect(f.args?.factor).toBeGreaterThanOrEqual(2);
        }
      }),
      { seed: 4, numRuns: 500 },
    );
  });

  it('draws every class the space allows, and only those', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(faultPlanArbitrary(space), (plan) => {
        for (const f of plan) for (const item of coverageItems(f)) seen.add(item);
      }),
      { seed: 5, numRuns: 2000 },
    );

    expect([...seen].sort()).toEqual(coverageCatalogue(space).sort());
  });

  it('keeps a swarm run to the classes and nodes the swarm enabled', () => {
    let k = 0;
    const uniform = () => (k = (k * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let run = 0; run < 50; run++) {
      const swarm = swarmFor(space, uniform);
      expect(swarm.classes.length).toBeGreaterThan(0);
      expect(swarm.nodes.length).toBeGreaterThan(0);
      for (const c of swarm.classes) expect(classesOf(space)).toContain(c);
      fc.assert(
        fc.property(faultPlanArbitrary(space, swarm), (plan) => {
          for (const f of plan) {
            if ('node' in f && typeof f.node === 'string') expect(swarm.nodes).toContain(f.node);
            if (f.kind === 'partition') for (const n of f.groups.flat()) expect(swarm.nodes).toContain(n);
          }
        }),
        { seed: run, numRuns: 20 },
      );
    }
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

  // A check's runs skip the fault schema (faultsCanonical): what they draw must be exactly what parsing gives, key order included.
  it("draws plans already in the fault schema's canonical form, in every scenario", () => {
    for (const scenario of scenarios) {
      const plan = new CheckPlan(scenario, undefined, {}, 11);
      for (let i = 0; i < 150; i++) {
        const faults = plan.input(i).plan.value;
        expect(JSON.stringify(parseFaultPlan(faults)), `${scenario.id} run ${i}`).toBe(JSON.stringify(faults));
      }
    }
  });

  it('refuses, once and in words, a fault space that would draw what no plan may hold', () => {
    expect(() => assertDrawable(space, 'toy')).not.toThrow();
    const badPoint = { ...space, nodes: [target('a', { crashPoints: ['Before_Commit'] }), ...space.nodes.slice(1)] };
    expect(() => assertDrawable(badPoint, 'toy')).toThrow(InputError);
    expect(() => assertDrawable(badPoint, 'toy')).toThrow(/toy: its fault space would draw .*"when":"Before_Commit".*fault\.when/);
    expect(() => assertDrawable({ ...space, clockSkewMsMax: 2e9 }, 'toy')).toThrow(/"kind":"skew".*fault\.byMs/);
    const badArg = { ...space, injects: [{ name: 'burst', description: 'a burst', args: { factor: { min: 2, max: Number.POSITIVE_INFINITY } } }] };
    expect(() => assertDrawable(badArg, 'toy')).toThrow(/"name":"burst".*fault\.args\.factor/);
    expect(() => assertDrawable({ ...space, windowMs: Number.NaN }, 'toy')).toThrow(/fault\.at/);
    expect(() => assertDrawable({ ...space, faultsMax: 20_000 }, 'toy')).toThrow(/20000 faults per plan/);
  });

  it('refuses to plan a check of a scenario whose crash point no plan may name', () => {
    const bad = defineScenario({
      ...toy,
      id: 'toy-bad-point',
      build(world) {
        const model = toy.build(world);
        world.node('extra', { role: 'server', crashPoints: ['Before_Commit'] }, () => ({}));
        return model;
      },
    });
    expect(() => checkScenario(bad, { runs: 5, seed: 1 })).toThrow(/toy-bad-point: its fault space would draw .*Before_Commit/);
  });

  // The scan draws plans without the arbitrary (drawFaultPlan); shrinking regenerates them with it. Both must agree exactly.
  describe('drawn directly', () => {
    const wide: FaultSpace = {
      ...space,
      faultsMax: 12,
      nodes: Array.from({ length: 26 }, (_, i) => target(`n${i}`, { crashPoints: i % 7 === 0 ? ['step', 'other'] : [], clock: i % 3 !== 0 })),
      injects: [
        { name: 'flag', description: 'choices', nodes: ['n9', 'n1', 'elsewhere', 'n2'], args: { mode: { oneOf: ['a', 'b', 'c'] }, on: { oneOf: [true] } } },
        { name: 'shift', description: 'a signed integer and a fraction', args: { by: { min: -40, max: 9, integer: true }, share: { min: 0.1, max: 0.9 } } },
        { name: 'bare', description: 'no arguments' },
      ],
    };
    const spaces: [string, FaultSpace][] = [
      ['the test space', space],
      ['26 nodes, injects of every argument kind', wide],
      ['one fault at most, a window of 0', { ...space, faultsMax: 1, windowMs: 0 }],
      ['no fault at all', { ...space, faultsMax: 0 }],
      ['two nodes', { ...space, nodes: space.nodes.slice(0, 2) }],
    ];
    const agree = (s: FaultSpace, swarm: ReturnType<typeof fullSwarm>, seed: number, bias: number | undefined): void => {
      const a = new Random(xoroshiro128plus(seed));
      const b = new Random(xoroshiro128plus(seed));
      const drawn = drawFaultPlan(s, swarm, a, bias);
      const generated = faultPlanArbitrary(s, swarm).generate(b, bias).value;
      expect(JSON.stringify(drawn)).toBe(JSON.stringify(generated));
      // The same calls on the random source, not only the same value: the next draw agrees too.
      expect(a.nextInt(0, 2 ** 30)).toBe(b.nextInt(0, 2 ** 30));
    };
    for (const [name, s] of spaces) {
      it(`makes the arbitrary's plan and its calls on the random source: ${name}`, () => {
        expect(drawable(s)).toBe(true);
        let k = 1;
        const uniform = () => (k = (k * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let run = 0; run < 400; run++) {
          const swarm = run % 5 === 0 ? fullSwarm(s) : swarmFor(s, uniform);
          agree(s, swarm, run, run % 9 === 0 ? undefined : 2 + (run % 7));
        }
      });
    }

    it("makes every scenario's check plans, at low and high run indices", () => {
      for (const scenario of scenarios) {
        for (const seed of [3, 0x5eed]) {
          const plan = new CheckPlan(scenario, undefined, {}, seed);
          for (const index of [...Array.from({ length: 200 }, (_, i) => i), 99_999, 100_000, 123_456, 1_000_000, 2 ** 31]) {
            expect(JSON.stringify(plan.draw(index).faults), `${scenario.id} seed ${seed} run ${index}`).toBe(JSON.stringify(plan.input(index).plan.value));
          }
        }
      }
    });

    it("computes fast-check's floor(log2) exactly where it draws itself, and leaves wider ranges to fast-check", () => {
      for (let k = 0; 2 ** k < LOG_EXACT_BELOW; k++)
        for (let d = -3; d <= 3; d++) {
          const v = 2 ** k + d;
          if (v >= 1 && v < LOG_EXACT_BELOW) expect(floorLog2(v), `${v}`).toBe(Math.floor(Math.log(v) / Math.log(2)));
        }
      expect(drawable({ ...space, windowMs: LOG_EXACT_BELOW })).toBe(false);
      // A node mask holds 26 nodes: a larger system's plans come from the arbitrary.
      expect(drawable({ ...space, nodes: Array.from({ length: 27 }, (_, i) => target(`n${i}`, {})) })).toBe(false);
      const plan = new CheckPlan(toy, undefined, {}, 1);
      expect(drawable(plan.space)).toBe(true);
    });
  });
});
