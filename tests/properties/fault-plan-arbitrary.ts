/**
 * fast-check arbitraries of fault plans over a given set of node names. Every generated
 * fault is already in the canonical form parseFaultPlan returns (optional latency fields
 * filled in), so a plan survives a JSON round trip as the same value.
 */
import fc from 'fast-check';
import type { Fault, FaultKind, FaultPlan, Latency } from '../../engine/index.ts';

export interface PlanArbitraryOptions {
  /** The nodes faults may name. */
  nodes: readonly string[];
  /** Faults happen at times in [0, horizonMs]. */
  horizonMs: number;
  /** Also generate `inject` faults (only for plans that are parsed, never run). */
  withInject?: boolean;
}

const positive = (max: number): fc.Arbitrary<number> => fc.double({ min: 0.01, max, noNaN: true });
/** Doubles in [0, max] without -0, which JSON cannot carry. */
const nonNegative = (max: number): fc.Arbitrary<number> => fc.double({ min: 0, max, noNaN: true }).map((x) => x + 0);
const rate = nonNegative(1);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x + 0);

/** Latencies with finite means and tails short enough for a run to finish quickly. */
export const latencyArbitrary: fc.Arbitrary<Latency> = fc.oneof(
  nonNegative(50).map((ms) => ({ kind: 'constant' as const, ms })),
  fc.tuple(nonNegative(20), nonNegative(20)).map(([a, b]) => ({ kind: 'uniform' as const, minMs: Math.min(a, b), maxMs: Math.max(a, b) })),
  fc.record({ kind: fc.constant('exponential' as const), meanMs: nonNegative(20), minMs: nonNegative(5) }),
  fc.record({ kind: fc.constant('normal' as const), meanMs: nonNegative(20), sdMs: nonNegative(10), minMs: nonNegative(5) }),
  fc.record({ kind: fc.constant('lognormal' as const), medianMs: positive(20), sigma: nonNegative(1.5), minMs: nonNegative(5) }),
  fc.record({ kind: fc.constant('pareto' as const), minMs: positive(10), alpha: fc.double({ min: 1.5, max: 4, noNaN: true }) }),
);

/** One arbitrary per fault kind. */
function faultsByKind(options: PlanArbitraryOptions): Record<Exclude<FaultKind, 'inject'>, fc.Arbitrary<Fault>> {
  const at = nonNegative(options.horizonMs);
  const node = fc.constantFrom(...options.nodes);
  const group = fc.uniqueArray(node, { minLength: 1, maxLength: Math.max(1, options.nodes.length - 1) });
  return {
    crash: fc.record({ at, kind: fc.constant('crash' as const), node, torn: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: ['at', 'kind', 'node'] }),
    restart: fc.record({ at, kind: fc.constant('restart' as const), node }),
    pause: fc.record({ at, kind: fc.constant('pause' as const), node }),
    resume: fc.record({ at, kind: fc.constant('resume' as const), node }),
    slow: fc.record({ at, kind: fc.constant('slow' as const), node, factor: fc.double({ min: 1, max: 20, noNaN: true }) }),
    partition: fc.record(
      { at, kind: fc.constant('partition' as const), groups: fc.array(group, { minLength: 1, maxLength: 3 }), oneWay: fc.boolean() },
      { requiredKeys: ['at', 'kind', 'groups'] },
    ),
    bridge: fc.record({ at, kind: fc.constant('bridge' as const), groups: fc.tuple(group, group), via: node }),
    heal: fc.record({ at, kind: fc.constant('heal' as const) }),
    degrade: fc.record(
      { at, kind: fc.constant('degrade' as const), from: node, to: node, latency: latencyArbitrary, lossRate: rate, duplicateRate: rate, reorderRate: rate },
      { requiredKeys: ['at', 'kind'] },
    ),
    restore: fc.record({ at, kind: fc.constant('restore' as const) }),
    skew: fc.record({ at, kind: fc.constant('skew' as const), node, byMs: fc.double({ min: -1000, max: 1000, noNaN: true }).map((x) => x + 0) }),
    drift: fc.record({ at, kind: fc.constant('drift' as const), node, rate: fc.double({ min: 0.5, max: 2, noNaN: true }) }),
    resync: fc.record({ at, kind: fc.constant('resync' as const), node }),
  };
}

/** Any one fault, every kind equally likely. */
export function faultArbitrary(options: PlanArbitraryOptions): fc.Arbitrary<Fault> {
  const kinds: fc.Arbitrary<Fault>[] = Object.values(faultsByKind(options));
  if (options.withInject) {
    kinds.push(
      fc.record(
        {
          at: nonNegative(options.horizonMs),
          kind: fc.constant('inject' as const),
          name: fc.string({ minLength: 1, maxLength: 12 }),
          node: fc.constantFrom(...options.nodes),
          args: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.oneof(finite, fc.string(), fc.boolean()), { maxKeys: 3, noNullPrototype: true }),
        },
        { requiredKeys: ['at', 'kind', 'name'] },
      ),
    );
  }
  return fc.oneof(...kinds);
}

/**
 * Plans as lists of episodes. Most faults come with their pair on the same node or network
 * (crash then restart; pause then resume, or then crash and restart; partition or bridge
 * then heal; degrade then restore; slow then normal speed), so that faults meet each other
 * and the traffic often; single faults of any kind are mixed in. A plan is still a flat
 * FaultPlan: episodes only bias what gets generated.
 */
export function planArbitrary(options: PlanArbitraryOptions & { episodesMax?: number }): fc.Arbitrary<FaultPlan> {
  const byKind = faultsByKind(options);
  const node = fc.constantFrom(...options.nodes);
  const at = nonNegative(options.horizonMs);
  const window = fc.tuple(at, at).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  const ended = (start: fc.Arbitrary<Fault>, end: (fault: Fault, atMs: number) => Fault): fc.Arbitrary<Fault[]> =>
    fc.tuple(start, window).map(([fault, [a, b]]) => [{ ...fault, at: a }, end(fault, b)]);
  const episode: fc.Arbitrary<Fault[]> = fc.oneof(
    faultArbitrary(options).map((fault) => [fault]),
    fc.tuple(node, window).map(([n, [a, b]]): Fault[] => [
      { at: a, kind: 'crash', node: n },
      { at: b, kind: 'restart', node: n },
    ]),
    fc.tuple(node, window).map(([n, [a, b]]): Fault[] => [
      { at: a, kind: 'pause', node: n },
      { at: b, kind: 'resume', node: n },
    ]),
    fc.tuple(node, window, nonNegative(options.horizonMs / 4)).map(([n, [a, b], downMs]): Fault[] => [
      { at: a, kind: 'pause', node: n },
      { at: b, kind: 'crash', node: n },
      { at: b + downMs, kind: 'restart', node: n },
    ]),
    ended(fc.oneof(byKind.partition, byKind.bridge), (_, b) => ({ at: b, kind: 'heal' })),
    ended(byKind.degrade, (_, b) => ({ at: b, kind: 'restore' })),
    ended(byKind.slow, (fault, b) => ({ at: b, kind: 'slow', node: (fault as Extract<Fault, { kind: 'slow' }>).node, factor: 1 })),
  );
  return fc.array(episode, { maxLength: options.episodesMax ?? 6 }).map((episodes) => episodes.flat());
}
