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
    const probe = (args: Record<string, string | number | boolean> | undefined): Fault => {
      const fault: Fault & { kind: 'inject' } = { at, kind: 'inject', name: spec.name };
      if (node !== undefined) fault.node = node;
      if (args !== undefined) fault.args = args;
      return fault;
    };
    if (entries.length === 0) probes.push(probe(undefined));
    for (const [k, values] of entries) for (const v of values) probes.push(probe(Object.assign({}, base, { [k]: v })));
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
          options.push(injectArbitrary(nodes ? { ...spec, nodes } : spec, at));
        }
        break;
    }
  }
  return options;
}

/**
 * A sorted copy, stable (faults at the same time keep their drawn order): an insertion sort, as
 * a plan holds a handful. Never in place: the arbitrary's shrink context keeps the drawn array.
 */
function sortByTime(plan: readonly Fault[]): FaultPlan {
  const out = plan.slice();
  for (let k = 1; k < out.length; k++) {
    const fault = out[k]!;
    let j = k - 1;
    for (; j >= 0 && out[j]!.at > fault.at; j--) out[j + 1] = out[j]!;
    out[j + 1] = fault;
  }
  return out;
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

// ------------------------------------------------------------------ drawing a plan directly

/**
 * A check draws a plan for every run, and building the arbitraries of the run's swarm, then
 * fast-check's values and shrink contexts, cost more than some scenarios' whole run (hotspot's
 * 16 nodes: ~100 µs a run). A run that passes needs the plan only, so the scan draws it here,
 * straight from fast-check's Random, making exactly the calls `faultPlanArbitrary(space,
 * swarm).generate(random, bias)` makes, in the same order: the same plan, key order included.
 * A failing run is drawn again by the arbitrary itself, whose context shrinking needs (and
 * `shrinkFailure` checks that both agree). Each piece below names what it mirrors; a test
 * compares the two on every scenario, so a fast-check upgrade that changes its draws fails it.
 *
 * The nodes an option may name are a bit mask (the swarm's nodes the class allows), read in
 * declaration order, so a run allocates no list of names or of (node, crash point) pairs.
 */
type Drawer<T> = (random: fc.Random, bias: number | undefined) => T;

/**
 * floor(log2(v)) for a positive integer, exactly. fast-check computes it as
 * Math.floor(Math.log(v) / Math.log(2)), which V8 gets exactly below 2^47 (a test pins it);
 * spaces with wider ranges are left to fast-check (drawable).
 */
export function floorLog2(v: number): number {
  let k = 0;
  for (let p = 2; p <= v; p *= 2) k++;
  return k;
}
export const LOG_EXACT_BELOW = 2 ** 47;

/** fast-check's biasNumericRange: the small ranges a biased draw picks from. */
function biasedRanges(min: number, max: number): { min: number; max: number }[] {
  if (min === max) return [{ min, max }];
  if (min < 0 && max > 0) {
    const logMin = floorLog2(-min);
    const logMax = floorLog2(max);
    return [
      { min: -logMin, max: logMax },
      { min: max - logMax, max },
      { min, max: min + logMin },
    ];
  }
  const logGap = floorLog2(max - min);
  const closeToMin = { min, max: min + logGap };
  const closeToMax = { min: max - logGap, max };
  return min < 0 ? [closeToMax, closeToMin] : [closeToMin, closeToMax];
}

/** fc.integer({ min, max }). */
function drawInteger(min: number, max: number): Drawer<number> {
  const ranges = biasedRanges(min, max);
  return (random, bias) => {
    if (bias === undefined || random.nextInt(1, bias) !== 1) return random.nextInt(min, max);
    if (ranges.length === 1) return random.nextInt(ranges[0]!.min, ranges[0]!.max);
    const id = random.nextInt(-2 * (ranges.length - 1), ranges.length - 2);
    const range = id < 0 ? ranges[0]! : ranges[id + 1]!;
    return random.nextInt(range.min, range.max);
  };
}

/** fc.constantFrom(...values): no draw for a single value. */
function drawOne<T>(values: readonly T[]): Drawer<T> {
  if (values.length === 1) {
    const only = values[0]!;
    return () => only;
  }
  return (random) => values[random.nextInt(0, values.length - 1)]!;
}

/**
 * fc.boolean() (unbiased). fc.record draws one too after its fields (whether the object gets a
 * null prototype), so every record below ends with a coin.
 */
function coin(random: fc.Random): boolean {
  return random.nextInt(0, 1) === 1;
}

/** fc.option(arb, { nil: undefined, freq: 2 }): which of the two (nil first, at depth 0). */
function optionTaken(random: fc.Random): boolean {
  return random.nextInt(0, 1) === 1;
}

function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/** The index of the k-th (from 0) set bit of a mask. */
function nthBit(mask: number, k: number): number {
  let m = mask;
  for (let i = 0; i < k; i++) m &= m - 1;
  return 31 - Math.clz32(m & -m);
}

/** The draw of one option, by kind (an option is a kind, the node mask of its class, and an inject's index). */
enum Opt {
  Crash,
  CrashNamed,
  CrashIo,
  Restart,
  Pause,
  Resume,
  Slow,
  Partition,
  Heal,
  Latency,
  Loss,
  Duplication,
  Reordering,
  Restore,
  Skew,
  Drift,
  Resync,
  Inject,
}

/** The classes that offer one option whenever some node is eligible for them. */
const SINGLE_OPTION: Partial<Record<FaultClass, Opt>> = {
  crash: Opt.Crash,
  restart: Opt.Restart,
  'io-crash-point': Opt.CrashIo,
  slow: Opt.Slow,
  'latency-spike': Opt.Latency,
  loss: Opt.Loss,
  duplication: Opt.Duplication,
  reordering: Opt.Reordering,
  skew: Opt.Skew,
};

interface SpaceDrawers {
  names: readonly string[];
  crashPoints: readonly (readonly string[])[];
  /** Per class (FAULT_CLASSES order), the nodes it may name. */
  eligible: readonly number[];
  at: Drawer<number>;
  tornCount: Drawer<number>;
  factor: Drawer<number>;
  spikeMs: Drawer<number>;
  rate: Drawer<number>;
  skewMs: Drawer<number>;
  driftRate: Drawer<number>;
  injects: readonly { name: string; nodes: readonly number[] | undefined; args: readonly (readonly [string, Drawer<string | number | boolean>])[] }[];
  /** The run's options (kind, node mask, inject index), reused: drawing is synchronous. */
  kinds: Opt[];
  masks: number[];
  aux: number[];
}
const drawersCache = new WeakMap<FaultSpace, SpaceDrawers | null>();

/**
 * What drawing a space's plans needs, or null when fast-check must draw them: when it is
 * configured to size arrays differently, for more nodes than a mask holds, or for integer
 * ranges too wide for floorLog2 to agree with fast-check's logarithm.
 */
function drawersOf(space: FaultSpace): SpaceDrawers | null {
  let found = drawersCache.get(space);
  if (found !== undefined) return found;
  const bits = spaceBits(space);
  const window = Math.max(0, Math.floor(space.windowMs));
  const spike = Math.max(1, Math.round(space.latencySpikeMsMax));
  const skew = Math.max(1, space.clockSkewMsMax);
  const argGaps = space.injects.flatMap((i) => Object.values(i.args ?? {}).flatMap((a) => ('oneOf' in a ? [] : a.integer ? [a.max - a.min] : [])));
  const wide = [window, spike, skew, ...argGaps].some((gap) => !(gap < LOG_EXACT_BELOW));
  const config = fc.readConfigureGlobal();
  const resized = (config.baseSize !== undefined && config.baseSize !== 'small') || config.defaultSizeToMaxWhenMaxSpecified === true;
  found =
    bits === null || wide || resized
      ? null
      : {
          names: nodeNames(space),
          crashPoints: space.nodes.map((t) => t.crashPoints),
          eligible: bits.eligible,
          at: drawInteger(0, window),
          tornCount: drawInteger(1, 4),
          factor: drawInteger(2, 20),
          spikeMs: drawInteger(1, spike),
          rate: drawInteger(5, 50),
          skewMs: drawInteger(1, skew),
          driftRate: drawOne([1.5, 0.5, 2, 0.8, 1.25]),
          injects: space.injects.map((spec) => ({
            name: spec.name,
            // Bit index of each node the inject may target, in the spec's order (-1: not a node of the space, never enabled).
            nodes: spec.nodes?.map((n) => space.nodes.findIndex((t) => t.name === n)),
            args: Object.entries(spec.args ?? {}).map(([k, a]) => [k, argDrawer(a)] as const),
          })),
          kinds: [],
          masks: [],
          aux: [],
        };
  drawersCache.set(space, found);
  return found;
}

/** True when `drawFaultPlan` can draw this space's plans (else the caller generates them with the arbitrary). */
export function drawable(space: FaultSpace): boolean {
  return drawersOf(space) !== null;
}

/**
 * The plan `faultPlanArbitrary(space, swarm).generate(random, bias).value` is, drawn without
 * building an arbitrary: the same calls on `random`, the same plan. Only for a `drawable` space.
 */
export function drawFaultPlan(space: FaultSpace, swarm: Swarm, random: fc.Random, bias: number | undefined): FaultPlan {
  const d = drawersOf(space);
  if (d === null) throw new Error('drawFaultPlan: this fault space is not drawable (check drawable(space) first)');
  const bit = spaceBits(space)!.bit;
  let enabled = 0;
  for (const name of swarm.nodes) enabled |= bit.get(name) ?? 0;
  const { kinds, masks, aux } = d;
  kinds.length = 0;
  masks.length = 0;
  aux.length = 0;
  const push = (kind: Opt, mask: number, extra = 0): void => {
    kinds.push(kind);
    masks.push(mask);
    aux.push(extra);
  };
  // classOptions, class by class in the swarm's order: the same options in the same order.
  for (const c of swarm.classes) {
    const m = enabled & d.eligible[FAULT_CLASSES.indexOf(c)]!;
    const single = SINGLE_OPTION[c];
    if (single !== undefined) {
      if (m !== 0) push(single, m);
      continue;
    }
    switch (c) {
      case 'crash-point':
        if (namedPoints(d, m) > 0) push(Opt.CrashNamed, m);
        break;
      case 'pause':
        if (m !== 0) {
          push(Opt.Pause, m);
          push(Opt.Resume, m);
        }
        break;
      case 'partition':
        if (bitCount(m) >= 2) {
          push(Opt.Partition, m);
          push(Opt.Heal, 0);
        }
        break;
      case 'restore':
        push(Opt.Restore, 0);
        break;
      case 'drift':
        if (m !== 0) {
          push(Opt.Drift, m);
          push(Opt.Resync, m);
        }
        break;
      case 'inject':
        d.injects.forEach((spec, i) => {
          if (spec.nodes === undefined || injectTargets(spec.nodes, m) > 0) push(Opt.Inject, m, i);
        });
        break;
    }
  }
  // fc.constant([]) when no class has an option: nothing drawn.
  if (kinds.length === 0) return [];
  // fc.array(fc.oneof(...options), { maxLength: faultsMax }) at fast-check's default size ('small': at most 10 generated).
  const generatedMax = Math.min(10, space.faultsMax);
  let length: number;
  let itemBias: number | undefined;
  if (bias === undefined) length = random.nextInt(0, generatedMax);
  else if (generatedMax === 0) {
    length = random.nextInt(0, 0);
    itemBias = bias;
  } else if (random.nextInt(1, bias) !== 1) length = random.nextInt(0, generatedMax);
  else {
    // A second roll: 1 draws the length from the biased (short) range.
    const short = random.nextInt(1, bias) === 1;
    length = random.nextInt(0, short ? floorLog2(generatedMax) : generatedMax);
    itemBias = bias;
  }
  if (length === 0) return [];
  const plan: Fault[] = [];
  for (let i = 0; i < length; i++) {
    // fc.oneof: every option weighs 1, and even a single one is drawn.
    const k = random.nextInt(0, kinds.length - 1);
    plan.push(drawOption(d, kinds[k]!, masks[k]!, aux[k]!, random, itemBias));
  }
  return sortByTime(plan);
}

/** The (node, crash point) pairs of the nodes in a mask. */
function namedPoints(d: SpaceDrawers, mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n += d.crashPoints[31 - Math.clz32(m & -m)]!.length;
  return n;
}

/** How many of an inject's nodes (in its own order) are enabled. */
function injectTargets(nodes: readonly number[], mask: number): number {
  let n = 0;
  for (const i of nodes) if (i >= 0 && (mask >>> i) & 1) n++;
  return n;
}

/** fc.constantFrom over the nodes of a mask, in declaration order. */
function drawNode(d: SpaceDrawers, mask: number, random: fc.Random): string {
  const n = bitCount(mask);
  return d.names[nthBit(mask, n === 1 ? 0 : random.nextInt(0, n - 1))]!;
}

/** One option's fault: the draws of the arbitrary classOptions builds for it, in its order. */
function drawOption(d: SpaceDrawers, kind: Opt, mask: number, aux: number, random: fc.Random, bias: number | undefined): Fault {
  const at = d.at(random, bias);
  switch (kind) {
    case Opt.Crash:
    case Opt.CrashNamed:
    case Opt.CrashIo: {
      // fc.record({ at, where: fc.constantFrom(...pairs), torn: fc.option(fc.integer({ min: 1, max: 4 }), ...) }).
      let node: string;
      let when: string | undefined;
      if (kind === Opt.Crash) node = drawNode(d, mask, random);
      else if (kind === Opt.CrashIo) {
        const k = random.nextInt(0, bitCount(mask) * IO_CRASH_POINTS.length - 1);
        node = d.names[nthBit(mask, Math.floor(k / IO_CRASH_POINTS.length))]!;
        when = IO_CRASH_POINTS[k % IO_CRASH_POINTS.length]!;
      } else {
        const total = namedPoints(d, mask);
        let k = total === 1 ? 0 : random.nextInt(0, total - 1);
        let i = 0;
        for (let m = mask; m !== 0; m &= m - 1) {
          i = 31 - Math.clz32(m & -m);
          if (k < d.crashPoints[i]!.length) break;
          k -= d.crashPoints[i]!.length;
        }
        node = d.names[i]!;
        when = d.crashPoints[i]![k]!;
      }
      const torn = optionTaken(random) ? d.tornCount(random, bias) : undefined;
      coin(random);
      const fault: Fault = { at, kind: 'crash', node };
      if (when !== undefined) fault.when = when;
      if (torn !== undefined) fault.torn = torn;
      return fault;
    }
    case Opt.Restart:
    case Opt.Pause:
    case Opt.Resume:
    case Opt.Resync: {
      // fc.record({ at, kind: fc.constant(kind), node: fc.constantFrom(...nodes) }).
      const node = drawNode(d, mask, random);
      coin(random);
      return { at, kind: kind === Opt.Restart ? 'restart' : kind === Opt.Pause ? 'pause' : kind === Opt.Resume ? 'resume' : 'resync', node };
    }
    case Opt.Slow: {
      const node = drawNode(d, mask, random);
      const factor = d.factor(random, bias);
      coin(random);
      return { at, kind: 'slow', node, factor };
    }
    case Opt.Partition: {
      // partitionArbitrary: fc.record({ at, side: fc.subarray(nodes, { minLength: 1, maxLength: n - 1 }), oneWay: fc.boolean() }).
      const n = bitCount(mask);
      const max = n - 1;
      const biasedMax = max === 1 ? 1 : 1 + floorLog2(max - 1);
      const size = random.nextInt(1, bias !== undefined && random.nextInt(1, bias) === 1 ? biasedMax : max);
      const remaining: number[] = [];
      for (let i = 0; i < n; i++) remaining.push(i);
      const ids: number[] = [];
      for (let k = 0; k < size; k++) ids.push(remaining.splice(random.nextInt(0, remaining.length - 1), 1)[0]!);
      ids.sort((a, b) => a - b);
      const side = ids.map((i) => d.names[nthBit(mask, i)]!);
      const oneWay = coin(random);
      coin(random);
      return oneWay ? { at, kind: 'partition', groups: [side], oneWay: true } : { at, kind: 'partition', groups: [side] };
    }
    case Opt.Heal:
    case Opt.Restore:
      coin(random);
      return { at, kind: kind === Opt.Heal ? 'heal' : 'restore' };
    case Opt.Latency:
    case Opt.Loss:
    case Opt.Duplication:
    case Opt.Reordering: {
      // degradeArbitrary: fc.record({ at, from: end, to: end, value }), end an fc.option of the nodes.
      const from = optionTaken(random) ? drawNode(d, mask, random) : undefined;
      const to = optionTaken(random) ? drawNode(d, mask, random) : undefined;
      let value: unknown;
      if (kind === Opt.Latency) {
        const ms = d.spikeMs(random, bias);
        const spread = coin(random);
        coin(random);
        value = spread ? { kind: 'uniform', minMs: Math.floor(ms / 4), maxMs: ms } : { kind: 'constant', ms };
      } else value = d.rate(random, bias) / 100;
      coin(random);
      const fault: Fault = { at, kind: 'degrade' };
      if (from !== undefined) fault.from = from;
      if (to !== undefined) fault.to = to;
      (fault as Record<string, unknown>)[
        kind === Opt.Latency ? 'latency' : kind === Opt.Loss ? 'lossRate' : kind === Opt.Duplication ? 'duplicateRate' : 'reorderRate'
      ] = value;
      return fault;
    }
    case Opt.Skew: {
      const node = drawNode(d, mask, random);
      // fc.integer(...).chain((m) => fc.constantFrom(m, -m)).
      const m = d.skewMs(random, bias);
      const byMs = random.nextInt(0, 1) === 0 ? m : -m;
      coin(random);
      return { at, kind: 'skew', node, byMs };
    }
    case Opt.Drift: {
      const node = drawNode(d, mask, random);
      const rate = d.driftRate(random, bias);
      coin(random);
      return { at, kind: 'drift', node, rate };
    }
    case Opt.Inject: {
      // injectArbitrary: fc.record({ at, node, args: fc.record(args) }).
      const spec = d.injects[aux]!;
      let node: string | undefined;
      if (spec.nodes !== undefined) {
        const n = injectTargets(spec.nodes, mask);
        let k = n === 1 ? 0 : random.nextInt(0, n - 1);
        for (const i of spec.nodes)
          if (i >= 0 && (mask >>> i) & 1 && k-- === 0) {
            node = d.names[i]!;
            break;
          }
      }
      const args: Record<string, string | number | boolean> = {};
      for (const [k, draw] of spec.args) args[k] = draw(random, bias);
      coin(random);
      coin(random);
      const fault: Fault = { at, kind: 'inject', name: spec.name };
      if (node !== undefined) fault.node = node;
      if (spec.args.length > 0) fault.args = args;
      return fault;
    }
  }
}

/** argArbitrary. */
function argDrawer(spec: InjectArgSpec): Drawer<string | number | boolean> {
  if ('oneOf' in spec) return drawOne(spec.oneOf);
  if (spec.integer) return drawInteger(spec.min, spec.max);
  const k = drawInteger(0, 1000);
  return (random, bias) => spec.min + ((spec.max - spec.min) * k(random, bias)) / 1000;
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
