/**
 * The fast-check arbitrary of a scenario's fault plans, built from its fault space: crashes
 * (plain, at named protocol points, at the implicit points around every disk write, force and
 * send, tearing unforced writes), restarts, pauses and slowdowns, partitions, link
 * degradation (latency spikes, loss, duplication and reordering, in one direction or all),
 * clock skew and drift, and the scenario's own injects.
 *
 * Swarm testing (Groce et al., ISSTA 2012): each run enables only a random subset of those
 * fault classes and of the nodes, so runs differ in kind and not only in timing — a plan full
 * of partitions never drowns the one slow link that matters. `swarmFor(space, random)` draws
 * the subset; `faultPlanArbitrary(space, swarm)` generates within it.
 *
 * Shrinking goes toward fewer faults (array elements removed), simpler faults (earlier classes
 * in the list: a crash before a partition), fewer nodes and earlier times and smaller sizes.
 * Generated plans are plain `FaultPlan` values, sorted by time, exactly what a user writes by
 * hand or draws in the UI. `coverageItems` names what a plan exercises, for honest reports.
 */
import fc from 'fast-check';
import { FAULTS_PER_PLAN_MAX, type Fault, type FaultPlan, FaultSchema, formatIssues, InputError } from '../../engine/index.ts';
import type { FaultSpace, FaultTarget, InjectArgSpec, InjectSpec } from './scenario.ts';

/** Crash points every node has: before a disk write, before and after a force, before and after a send. */
export const IO_CRASH_POINTS: readonly string[] = ['io:write', 'io:force', 'io:forced', 'io:send', 'io:sent'];

/** A class of faults the swarm can switch on or off as one. */
export type FaultClass =
  | 'crash'
  | 'crash-point'
  | 'io-crash-point'
  | 'restart'
  | 'pause'
  | 'slow'
  | 'partition'
  | 'latency-spike'
  | 'loss'
  | 'duplication'
  | 'reordering'
  | 'restore'
  | 'skew'
  | 'drift'
  | 'inject';

/** Every class, simplest first (shrinking prefers earlier ones). */
export const FAULT_CLASSES: readonly FaultClass[] = [
  'crash',
  'restart',
  'crash-point',
  'io-crash-point',
  'pause',
  'slow',
  'partition',
  'latency-spike',
  'loss',
  'duplication',
  'reordering',
  'restore',
  'skew',
  'drift',
  'inject',
];

/** What one run enables: some fault classes, some nodes. */
export interface Swarm {
  classes: readonly FaultClass[];
  nodes: readonly string[];
}

/** The classes a fault space allows at all. */
export function classesOf(space: FaultSpace): FaultClass[] {
  return [...allowedClasses(space)];
}

/** classesOf, worked out once per fault space (every run of a check draws a swarm from it). */
const classesCache = new WeakMap<FaultSpace, readonly FaultClass[]>();
const namesCache = new WeakMap<FaultSpace, readonly string[]>();

function allowedClasses(space: FaultSpace): readonly FaultClass[] {
  let classes = classesCache.get(space);
  if (classes === undefined) classesCache.set(space, (classes = computeClasses(space)));
  return classes;
}

function nodeNames(space: FaultSpace): readonly string[] {
  let names = namesCache.get(space);
  if (names === undefined) namesCache.set(space, (names = space.nodes.map((n) => n.name)));
  return names;
}

function computeClasses(space: FaultSpace): FaultClass[] {
  const kinds = new Set(space.kinds);
  const has = (pred: (t: FaultTarget) => boolean): boolean => space.nodes.some(pred);
  return FAULT_CLASSES.filter((c) => {
    switch (c) {
      case 'crash':
        return kinds.has('crash') && has((t) => t.crash);
      case 'restart':
        return kinds.has('restart') && has((t) => t.crash);
      case 'crash-point':
        return kinds.has('crash') && has((t) => t.crash && t.crashPoints.length > 0);
      case 'io-crash-point':
        return kinds.has('crash') && has((t) => t.crash);
      case 'pause':
        return kinds.has('pause') && has((t) => t.pause);
      case 'slow':
        return kinds.has('slow') && has((t) => t.pause);
      case 'partition':
        return kinds.has('partition') && space.nodes.filter((t) => t.network).length >= 2;
      case 'latency-spike':
      case 'loss':
      case 'duplication':
      case 'reordering':
        return kinds.has('degrade') && has((t) => t.network);
      case 'restore':
        return kinds.has('restore') && kinds.has('degrade');
      case 'skew':
        return kinds.has('skew') && has((t) => t.clock);
      case 'drift':
        return kinds.has('drift') && has((t) => t.clock);
      case 'inject':
        return kinds.has('inject') && space.injects.length > 0;
    }
    return false;
  });
}

/**
 * The swarm of one run: each allowed class and each node kept with probability 1/2 (at least
 * one class and, when there are nodes, at least one node), drawn from `next` (uniform in [0, 1)).
 */
export function swarmFor(space: FaultSpace, next: () => number): Swarm {
  const all = allowedClasses(space);
  const names = nodeNames(space);
  const pickSome = <T>(items: readonly T[]): T[] => {
    if (items.length === 0) return [];
    const kept = items.filter(() => next() < 0.5);
    return kept.length > 0 ? kept : [items[Math.floor(next() * items.length)]!];
  };
  return { classes: pickSome(all), nodes: pickSome(names) };
}

/** Every class and node: no swarm restriction (the UI's generator, tests). */
export function fullSwarm(space: FaultSpace): Swarm {
  return { classes: classesOf(space), nodes: space.nodes.map((n) => n.name) };
}

/** Which nodes a class's faults may name: those with the class's capability. */
function eligible(c: FaultClass, t: FaultTarget): boolean {
  switch (c) {
    case 'crash':
    case 'restart':
    case 'crash-point':
    case 'io-crash-point':
      return t.crash;
    case 'pause':
    case 'slow':
      return t.pause;
    case 'partition':
    case 'latency-spike':
    case 'loss':
    case 'duplication':
    case 'reordering':
      return t.network;
    case 'skew':
    case 'drift':
      return t.clock;
    case 'restore':
      return false;
    case 'inject':
      return true;
  }
}

/**
 * The arbitraries of one class over some nodes, kept per fault space: a check builds a swarm
 * for every run, and building fast-check arbitraries afresh each time cost more than the run of
 * a small scenario. The key is the class and the nodes it may name, so runs share them: the
 * nodes as bits (a small integer) while the space has at most 26 nodes, their names otherwise. (Swarms themselves rarely repeat, so the plan arbitrary is built per run.)
 */
const optionCache = new WeakMap<FaultSpace, Map<number | string, fc.Arbitrary<Fault>[]>[]>();

/** Each node's bit, and for each class the bits of the nodes it may name (spaces of at most 26 nodes). */
interface SpaceBits {
  bit: Map<string, number>;
  eligible: number[];
}
const bitsCache = new WeakMap<FaultSpace, SpaceBits | null>();
const NODE_BITS_MAX = 26;

function spaceBits(space: FaultSpace): SpaceBits | null {
  let bits = bitsCache.get(space);
  if (bits === undefined) {
    bits =
      space.nodes.length > NODE_BITS_MAX
        ? null
        : {
            bit: new Map(space.nodes.map((t, i) => [t.name, 1 << i])),
            eligible: FAULT_CLASSES.map((c) => space.nodes.reduce((mask, t, i) => (eligible(c, t) ? mask | (1 << i) : mask), 0)),
          };
    bitsCache.set(space, bits);
  }
  return bits;
}

export function faultPlanArbitrary(space: FaultSpace, swarm: Swarm = fullSwarm(space)): fc.Arbitrary<FaultPlan> {
  let caches = optionCache.get(space);
  if (caches === undefined) optionCache.set(space, (caches = FAULT_CLASSES.map(() => new Map())));
  const bits = spaceBits(space);
  const enabled = bits === null ? new Set(swarm.nodes) : null;
  let enabledMask = 0;
  if (bits !== null) for (const name of swarm.nodes) enabledMask |= bits.bit.get(name) ?? 0;
  const options: fc.Arbitrary<Fault>[] = [];
  for (const c of swarm.classes) {
    const classIndex = FAULT_CLASSES.indexOf(c);
    const cache = caches[classIndex]!;
    let key: number | string;
    let targets: FaultTarget[] | null = null;
    if (bits !== null) key = enabledMask & bits.eligible[classIndex]!;
    else {
      targets = space.nodes.filter((t) => enabled!.has(t.name) && eligible(c, t));
      key = targets.map((t) => t.name).join(',');
    }
    let found = cache.get(key);
    if (found === undefined) {
      targets ??= space.nodes.filter((t) => swarm.nodes.includes(t.name) && eligible(c, t));
      found = classOptions(space, c, targets);
      if (cache.size < 2_000) cache.set(key, found);
    }
    for (const option of found) options.push(option);
  }
  if (options.length === 0) return fc.constant([]);
  return fc.array(fc.oneof(...options), { maxLength: space.faultsMax }).map(sortByTime);
}

/**
 * Refuses a fault space whose generated plans the fault schema would refuse (a crash point
 * named `Commit`, a skew past the schema's bound, an inject argument that is not finite). The
 * checker's plans are canonical by construction and skip the schema on every run, so this is
 * their validation: the most extreme fault of each kind the space can draw, each parsed once
 * when a check is planned, and refused with the fault in words.
 */
export function assertDrawable(space: FaultSpace, scenario: string): void {
  if (!Number.isInteger(space.faultsMax) || space.faultsMax < 0 || space.faultsMax > FAULTS_PER_PLAN_MAX)
    throw new InputError(`${scenario}: its fault space allows ${space.faultsMax} faults per plan; a plan holds 0 to ${FAULTS_PER_PLAN_MAX}`);
  const at = Math.max(0, Math.floor(space.windowMs));
  const probes: Fault[] = [];
  const spikeMs = Math.max(1, Math.round(space.latencySpikeMsMax));
  for (const t of space.nodes) {
    if (t.crash) for (const when of [...t.crashPoints, ...IO_CRASH_POINTS]) probes.push({ at, kind: 'crash', node: t.name, when, torn: 4 });
    if (t.pause) probes.push({ at, kind: 'slow', node: t.name, factor: 20 });
    if (t.network) probes.push({ at, kind: 'degrade', from: t.name, to: t.name, latency: { kind: 'uniform', minMs: Math.floor(spikeMs / 4), maxMs: spikeMs } });
    if (t.clock) probes.push({ at, kind: 'skew', node: t.name, byMs: -Math.max(1, space.clockSkewMsMax) });
  }
  const linked = space.nodes.filter((t) => t.network).map((t) => t.name);
  if (linked.length >= 2) probes.push({ at, kind: 'partition', groups: [linked.slice(0, -1)], oneWay: true });
  for (const spec of space.injects) {
    const node = spec.nodes?.[0];
    const entries = Object.entries(spec.args ?? {}).map(([k, a]) => [k, argExtremes(a)] as const);
    const base = Object.fromEntries(entries.flatMap(([k, values]) => (values.length > 0 ? [[k, values[0]!] as const] : [])));
    const probe = (args: Record<string, string | number | boolean> | undefined): Fault => ({
      at,
      kind: 'inject',
      name: spec.name,
      ...(node === undefined ? {} : { node }),
      ...(args === undefined ? {} : { args }),
    });
    if (entries.length === 0) probes.push(probe(undefined));
    for (const [k, values] of entries) for (const v of values) probes.push(probe({ ...base, [k]: v }));
  }
  for (const fault of probes) {
    const parsed = FaultSchema.safeParse(fault);
    if (!parsed.success)
      throw new InputError(
        `${scenario}: its fault space would draw ${JSON.stringify(fault)}, which no fault plan may hold (${formatIssues(parsed.error, 'fault')})`,
      );
  }
}

/** The values an inject argument's arbitrary can draw at its ends (every choice of a list). */
function argExtremes(spec: InjectArgSpec): readonly (string | number | boolean)[] {
  if ('oneOf' in spec) return spec.oneOf;
  return spec.integer ? [spec.min, spec.max] : [spec.min, spec.min + (spec.max - spec.min)];
}

/** The arbitraries every class of a space shares (fast-check's arbitraries are immutable): built once per space, not at every cache miss. */
const sharedCache = new WeakMap<FaultSpace, { at: fc.Arbitrary<number>; torn: fc.Arbitrary<number | undefined> }>();

function shared(space: FaultSpace): { at: fc.Arbitrary<number>; torn: fc.Arbitrary<number | undefined> } {
  let found = sharedCache.get(space);
  if (found === undefined) {
    found = {
      at: fc.integer({ min: 0, max: Math.max(0, Math.floor(space.windowMs)) }),
      torn: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 2 }),
    };
    sharedCache.set(space, found);
  }
  return found;
}

/** The arbitraries of one fault class over the given nodes (each one the class may name). */
function classOptions(space: FaultSpace, only: FaultClass, targets: readonly FaultTarget[]): fc.Arbitrary<Fault>[] {
  const { at, torn } = shared(space);
  const enabled = new Set(targets.map((t) => t.name));
  const names = (pred: (t: FaultTarget) => boolean): string[] => targets.filter(pred).map((t) => t.name);
  const crashable = names((t) => t.crash);
  const pausable = names((t) => t.pause);
  const linked = names((t) => t.network);
  const clocked = names((t) => t.clock);
  const options: fc.Arbitrary<Fault>[] = [];
  const crash = (where: fc.Arbitrary<readonly [string, string | undefined]>): fc.Arbitrary<Fault> =>
    fc.record({ at, where, torn }).map(({ at, where: [node, when], torn }) => {
      const fault: Fault = { at, kind: 'crash', node };
      if (when !== undefined) fault.when = when;
      if (torn !== undefined) fault.torn = torn;
      return fault;
    });
  const pairs = (nodes: readonly string[], points: readonly (string | undefined)[]): (readonly [string, string | undefined])[] =>
    nodes.flatMap((n) => points.map((p) => [n, p] as const));
  for (const c of [only]) {
    switch (c) {
      case 'crash':
        if (crashable.length > 0) options.push(crash(fc.constantFrom(...pairs(crashable, [undefined]))));
        break;
      case 'restart':
        if (crashable.length > 0) options.push(fc.record({ at, kind: fc.constant('restart' as const), node: fc.constantFrom(...crashable) }));
        break;
      case 'crash-point': {
        const named = targets.filter((t) => t.crash).flatMap((t) => pairs([t.name], t.crashPoints));
        if (named.length > 0) options.push(crash(fc.constantFrom(...named)));
        break;
      }
      case 'io-crash-point':
        if (crashable.length > 0) options.push(crash(fc.constantFrom(...pairs(crashable, IO_CRASH_POINTS))));
        break;
      case 'pause':
        if (pausable.length > 0) {
          options.push(fc.record({ at, kind: fc.constant('pause' as const), node: fc.constantFrom(...pausable) }));
          options.push(fc.record({ at, kind: fc.constant('resume' as const), node: fc.constantFrom(...pausable) }));
        }
        break;
      case 'slow':
        if (pausable.length > 0)
          options.push(fc.record({ at, kind: fc.constant('slow' as const), node: fc.constantFrom(...pausable), factor: fc.integer({ min: 2, max: 20 }) }));
        break;
      case 'partition':
        if (linked.length >= 2) {
          options.push(partitionArbitrary(linked, at));
          options.push(fc.record({ at, kind: fc.constant('heal' as const) }));
        }
        break;
      case 'latency-spike':
        if (linked.length > 0) options.push(degradeArbitrary(linked, at, 'latency', space.latencySpikeMsMax));
        break;
      case 'loss':
        if (linked.length > 0) options.push(degradeArbitrary(linked, at, 'lossRate', 0));
        break;
      case 'duplication':
        if (linked.length > 0) options.push(degradeArbitrary(linked, at, 'duplicateRate', 0));
        break;
      case 'reordering':
        if (linked.length > 0) options.push(degradeArbitrary(linked, at, 'reorderRate', 0));
        break;
      case 'restore':
        options.push(fc.record({ at, kind: fc.constant('restore' as const) }));
        break;
      case 'skew':
        if (clocked.length > 0) {
          const byMs = fc.integer({ min: 1, max: Math.max(1, space.clockSkewMsMax) }).chain((m) => fc.constantFrom(m, -m));
          options.push(fc.record({ at, kind: fc.constant('skew' as const), node: fc.constantFrom(...clocked), byMs }));
        }
        break;
      case 'drift':
        if (clocked.length > 0) {
          options.push(
            fc.record({ at, kind: fc.constant('drift' as const), node: fc.constantFrom(...clocked), rate: fc.constantFrom(1.5, 0.5, 2, 0.8, 1.25) }),
          );
          options.push(fc.record({ at, kind: fc.constant('resync' as const), node: fc.constantFrom(...clocked) }));
        }
        break;
      case 'inject':
        for (const spec of space.injects) {
          const nodes = spec.nodes?.filter((n) => enabled.has(n));
          if (spec.nodes !== undefined && nodes!.length === 0) continue;
          options.push(injectArbitrary({ ...spec, ...(nodes ? { nodes } : {}) }, at));
        }
        break;
    }
  }
  return options;
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

/**
 * A degraded link: out of one node, into one node, between two, or everywhere; with a latency
 * spike (constant, so order is kept, or spread, so messages overtake each other), or a rate
 * of loss, duplication or reordering.
 */
function degradeArbitrary(
  nodes: readonly string[],
  at: fc.Arbitrary<number>,
  what: 'latency' | 'lossRate' | 'duplicateRate' | 'reorderRate',
  spikeMsMax: number,
): fc.Arbitrary<Fault> {
  const end = fc.option(fc.constantFrom(...nodes), { nil: undefined, freq: 2 });
  const value =
    what === 'latency'
      ? fc
          .record({ ms: fc.integer({ min: 1, max: Math.max(1, Math.round(spikeMsMax)) }), spread: fc.boolean() })
          .map(({ ms, spread }) => (spread ? { kind: 'uniform' as const, minMs: Math.floor(ms / 4), maxMs: ms } : { kind: 'constant' as const, ms }))
      : fc.integer({ min: 5, max: 50 }).map((p) => p / 100);
  return fc.record({ at, from: end, to: end, value }).map(({ at, from, to, value }) => {
    const fault: Fault = { at, kind: 'degrade' };
    if (from !== undefined) fault.from = from;
    if (to !== undefined) fault.to = to;
    (fault as Record<string, unknown>)[what] = value;
    return fault;
  });
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

/**
 * The coverage items a fault space can exercise, in a fixed order: each fault class, each
 * named crash point and each implicit one per node, torn writes, each inject. A check counts
 * the runs whose plan included each item.
 */
export function coverageCatalogue(space: FaultSpace): string[] {
  const items: string[] = [];
  for (const c of allowedClasses(space)) {
    if (c === 'inject') items.push(...space.injects.map((i) => `inject:${i.name}`));
    else if (c === 'crash-point') items.push(...space.nodes.flatMap((t) => t.crashPoints.map((p) => `crash-point:${t.name}:${p}`)));
    else if (c === 'io-crash-point') items.push(...IO_CRASH_POINTS.map((p) => `crash-point:*:${p}`));
    else items.push(c);
  }
  if (allowedClasses(space).some((c) => c === 'crash' || c === 'crash-point' || c === 'io-crash-point')) items.push('torn-write');
  return items;
}

/** The coverage items one fault exercises (names as in `coverageCatalogue`). */
export function coverageItems(fault: Fault): string[] {
  switch (fault.kind) {
    case 'crash': {
      const out = [
        fault.when === undefined ? 'crash' : fault.when.startsWith('io:') ? `crash-point:*:${fault.when}` : `crash-point:${fault.node}:${fault.when}`,
      ];
      if (fault.torn !== undefined && fault.torn > 0) out.push('torn-write');
      return out;
    }
    case 'restart':
    case 'pause':
    case 'slow':
    case 'partition':
    case 'restore':
    case 'skew':
    case 'drift':
      return [fault.kind];
    case 'resume':
      return ['pause'];
    case 'heal':
      return ['partition'];
    case 'resync':
      return ['drift'];
    case 'degrade': {
      const out: string[] = [];
      if (fault.latency !== undefined) out.push('latency-spike');
      if (fault.lossRate !== undefined) out.push('loss');
      if (fault.duplicateRate !== undefined) out.push('duplication');
      if (fault.reorderRate !== undefined) out.push('reordering');
      return out;
    }
    case 'inject':
      return [`inject:${fault.name}`];
    default:
      return [];
  }
}
