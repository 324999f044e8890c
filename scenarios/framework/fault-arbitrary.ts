/**
 * The fast-check arbitrary of a scenario's fault plans, built from its fault space (nodes,
 * kinds, time window). Shrinking goes toward fewer faults (array elements removed), simpler
 * faults (earlier kinds in the list: a crash before a partition), smaller groups and
 * earlier times. Generated plans are plain `FaultPlan` values, sorted by time, exactly what
 * a user writes by hand or draws in the UI.
 */
import fc from 'fast-check';
import type { Fault, FaultKind, FaultPlan } from '../../engine/index.ts';
import type { FaultSpace, InjectArgSpec, InjectSpec } from './scenario.ts';

const DEFAULT_KINDS: readonly FaultKind[] = ['crash', 'restart', 'partition', 'heal'];

export function faultPlanArbitrary(space: FaultSpace): fc.Arbitrary<FaultPlan> {
  const at = fc.integer({ min: 0, max: Math.max(0, Math.floor(space.windowMs)) });
  const kinds = space.kinds ?? DEFAULT_KINDS;
  const options: fc.Arbitrary<Fault>[] = [];
  const crashable = space.crashable;
  const nodeOf = crashable.length > 0 ? fc.constantFrom(...crashable) : null;
  for (const kind of kinds) {
    switch (kind) {
      case 'crash':
      case 'restart':
      case 'pause':
      case 'resume':
        if (nodeOf !== null) options.push(fc.record({ at, kind: fc.constant(kind), node: nodeOf }) as fc.Arbitrary<Fault>);
        break;
      case 'slow':
        if (nodeOf !== null) options.push(fc.record({ at, kind: fc.constant('slow' as const), node: nodeOf, factor: fc.integer({ min: 2, max: 20 }) }));
        break;
      case 'partition':
        if (space.partitionable.length >= 2) options.push(partitionArbitrary(space.partitionable, at));
        break;
      case 'heal':
      case 'restore':
        options.push(fc.record({ at, kind: fc.constant(kind) }) as fc.Arbitrary<Fault>);
        break;
      case 'degrade':
        options.push(
          fc.record(
            {
              at,
              kind: fc.constant('degrade' as const),
              lossRate: fc.integer({ min: 0, max: 50 }).map((p) => p / 100),
              duplicateRate: fc.integer({ min: 0, max: 50 }).map((p) => p / 100),
            },
            { requiredKeys: ['at', 'kind'] },
          ),
        );
        break;
      case 'bridge':
      case 'inject':
        break;
    }
  }
  for (const [node, points] of Object.entries(space.crashPoints ?? {})) {
    if (points.length > 0) options.push(fc.record({ at, kind: fc.constant('crash' as const), node: fc.constant(node), when: fc.constantFrom(...points) }));
  }
  for (const spec of space.injects ?? []) options.push(injectArbitrary(spec, at));
  if (options.length === 0) return fc.constant([]);
  return fc.array(fc.oneof(...options), { maxLength: space.faultsMax ?? 4 }).map(sortByTime);
}

function sortByTime(plan: Fault[]): FaultPlan {
  return plan
    .map((fault, i) => ({ fault, i }))
    .sort((a, b) => a.fault.at - b.fault.at || a.i - b.i)
    .map((x) => x.fault);
}

/** A partition that cuts a non-empty proper subset of the nodes off from the rest. */
function partitionArbitrary(nodes: readonly string[], at: fc.Arbitrary<number>): fc.Arbitrary<Fault> {
  return fc
    .record({
      at,
      side: fc.subarray([...nodes], { minLength: 1, maxLength: nodes.length - 1 }),
      oneWay: fc.boolean(),
    })
    .map(({ at, side, oneWay }): Fault => (oneWay ? { at, kind: 'partition', groups: [side], oneWay: true } : { at, kind: 'partition', groups: [side] }));
}

function injectArbitrary(spec: InjectSpec, at: fc.Arbitrary<number>): fc.Arbitrary<Fault> {
  const argEntries = Object.entries(spec.args ?? {});
  const args = fc.record(Object.fromEntries(argEntries.map(([k, a]) => [k, argArbitrary(a)]))) as fc.Arbitrary<Record<string, string | number | boolean>>;
  const node = spec.nodes !== undefined && spec.nodes.length > 0 ? fc.constantFrom(...spec.nodes) : fc.constant(undefined);
  return fc.record({ at, node, args }).map(({ at, node, args }): Fault => {
    const fault: Fault = { at, kind: 'inject', name: spec.name };
    if (node !== undefined) fault.node = node;
    if (argEntries.length > 0) fault.args = args;
    return fault;
  });
}

function argArbitrary(spec: InjectArgSpec): fc.Arbitrary<string | number | boolean> {
  if ('oneOf' in spec) return fc.constantFrom(...spec.oneOf);
  if (spec.integer) return fc.integer({ min: spec.min, max: spec.max });
  return fc.integer({ min: 0, max: 1000 }).map((k) => spec.min + ((spec.max - spec.min) * k) / 1000);
}
