/**
 * The network between nodes: per-link latency, loss, duplication and reordering, and the
 * cuts that partitions make. Every directed pair (src, dst) has a link model (an index into
 * a small table, so degrading one link does not allocate per message) and a cut flag.
 * Partitions accumulate until `heal`; link degradations until `restore`, which returns every
 * link to its base: the default link, or what the topology set for that pair (`setBase`, e.g.
 * the slow links that cross an ocean), which no fault and no heal undoes.
 *
 * The matrices have a `stride` that doubles as nodes are added (adding n nodes costs O(n²) in
 * all, not O(n³)), and two flags say whether any link is cut or differs from the default, so the
 * send path reads neither matrix while the network is whole (the common case). Each matrix is
 * allocated the first time something needs it (a partition, a degraded or topology link, a
 * FIFO link): a topology whose links are all the default one and that is never cut holds no
 * per-pair state at all, however many nodes it has (1,000 nodes: 13 MB of matrices zeroed and
 * copied as they grew, about 20 ms a run, before).
 */
import { z } from 'zod';
import { assert } from './assert.ts';
import { type Latency, LatencyModel, LatencySchema } from './latency.ts';

export const LinkSpecSchema = z
  .object({
    latency: LatencySchema.default({ kind: 'exponential', meanMs: 5, minMs: 1 }).describe('one-way delay distribution'),
    lossRate: z.number().min(0).max(1).default(0).describe('probability a message is lost'),
    duplicateRate: z.number().min(0).max(1).default(0).describe('probability a message is delivered twice'),
    reorderRate: z.number().min(0).max(1).default(0).describe('probability a message is held back so later ones overtake it'),
    fifo: z.boolean().default(false).describe('deliver messages on each link in send order (like one TCP connection)'),
  })
  .strict();

/** How one directed link behaves. */
export type LinkSpec = z.input<typeof LinkSpecSchema>;

/** A compiled link: what the send path reads. */
export class LinkModel {
  readonly latency: LatencyModel;
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly reorderRate: number;
  readonly fifo: boolean;
  /** True when the link only delays: no loss, duplication or reordering, no FIFO order to keep. */
  readonly plain: boolean;

  constructor(readonly spec: Required<Omit<LinkSpec, 'latency'>> & { latency: Latency }) {
    this.latency = new LatencyModel(spec.latency);
    this.lossRate = spec.lossRate;
    this.duplicateRate = spec.duplicateRate;
    this.reorderRate = spec.reorderRate;
    this.fifo = spec.fifo;
    this.plain = this.lossRate === 0 && this.duplicateRate === 0 && this.reorderRate === 0 && !this.fifo;
  }
}

/** Compiled link models by spec: a model is immutable, so runs with the same spec share one. */
const compiled = new Map<string, LinkModel>();
/**
 * The same, by the spec object itself: a check's runs pass the one spec their parameters give,
 * and skip writing it out as a key. A frozen spec only: an object that may change later could
 * stand for another link by then.
 */
const compiledObjects = new WeakMap<object, LinkModel>();
/** The default link (no spec). */
let compiledDefault: LinkModel | null = null;

/** Validates and compiles a link spec (defaults filled in). */
export function linkModel(spec?: LinkSpec): LinkModel {
  if (spec === undefined) return (compiledDefault ??= compile({}));
  const known = compiledObjects.get(spec);
  if (known !== undefined) return known;
  const model = compile(spec);
  if (Object.isFrozen(spec) && isDeepFrozen(spec)) compiledObjects.set(spec, model);
  return model;
}

function compile(spec: LinkSpec): LinkModel {
  const key = JSON.stringify(spec);
  let model = compiled.get(key);
  if (model === undefined) {
    model = new LinkModel(LinkSpecSchema.parse(spec));
    if (compiled.size < 1000) compiled.set(key, model);
  }
  return model;
}

function isDeepFrozen(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null && !isDeepFrozen(v)) return false;
  return true;
}

export interface LinkPatch {
  latency?: Latency;
  lossRate?: number;
  duplicateRate?: number;
  reorderRate?: number;
}

export class Network {
  /** Number of nodes. */
  size = 0;
  /** Row length of the matrices: the pair (src, dst) is at src * stride + dst. */
  stride = 0;
  /** True while some link is cut (a partition or a bridge). */
  anyCut = false;
  /** True while some link's model is not the default (degraded, or a base link set). */
  anyOverride = false;
  /** cut[src * stride + dst] = 1 when messages from src to dst are dropped (empty until the first cut). */
  cut = new Uint8Array(0);
  /** modelOf[src * stride + dst] = index into `models` (empty until the first link differs from the default). */
  modelOf = new Uint16Array(0);
  /** The link model each pair returns to on `restore` (allocated with modelOf). */
  baseModelOf = new Uint16Array(0);
  /** lastDeliveryMs[src * stride + dst]: for FIFO links, the latest scheduled delivery (empty until a FIFO link is used: see `lastDelivery`). */
  lastDeliveryMs = new Float64Array(0);
  models: LinkModel[];
  /** Which matrices exist (each is allocated on first need, then grows with the stride). */
  private hasCut = false;
  private hasModels = false;
  private hasFifo = false;

  constructor(readonly base: LinkModel) {
    this.models = [base];
  }

  /** Grows the matrices (those allocated) to hold `n` nodes, keeping existing cuts and link models. */
  resize(n: number): void {
    assert(n >= this.size, 'the network only grows');
    if (n > this.stride) {
      const old = this.stride;
      const stride = Math.max(n, old * 2, 8);
      if (this.hasCut) this.cut = restride(this.cut, old, stride, this.size);
      if (this.hasModels) {
        this.modelOf = restride(this.modelOf, old, stride, this.size);
        this.baseModelOf = restride(this.baseModelOf, old, stride, this.size);
      }
      if (this.hasFifo) this.lastDeliveryMs = restride(this.lastDeliveryMs, old, stride, this.size);
      this.stride = stride;
    }
    this.size = n;
  }

  isCut(src: number, dst: number): boolean {
    return this.anyCut && this.cut[src * this.stride + dst] === 1;
  }

  model(src: number, dst: number): LinkModel {
    return this.anyOverride ? this.models[this.modelOf[src * this.stride + dst]!]! : this.base;
  }

  /** The FIFO matrix (latest scheduled delivery per pair), allocated on first use. */
  lastDelivery(): Float64Array {
    if (!this.hasFifo) {
      this.hasFifo = true;
      this.lastDeliveryMs = new Float64Array(this.stride * this.stride);
    }
    return this.lastDeliveryMs;
  }

  private cutMatrix(): Uint8Array {
    if (!this.hasCut) {
      this.hasCut = true;
      this.cut = new Uint8Array(this.stride * this.stride);
    }
    return this.cut;
  }

  private modelMatrices(): void {
    if (this.hasModels) return;
    this.hasModels = true;
    this.modelOf = new Uint16Array(this.stride * this.stride);
    this.baseModelOf = new Uint16Array(this.stride * this.stride);
  }

  /**
   * Splits the nodes into groups; nodes in no group form one more group. Messages between
   * different groups are dropped both ways, or only from earlier to later groups if `oneWay`.
   */
  partition(groups: readonly (readonly number[])[], oneWay: boolean): void {
    const n = this.size;
    const stride = this.stride;
    const cut = this.cutMatrix();
    const groupOf = new Int32Array(n).fill(groups.length);
    groups.forEach((g, i) => {
      for (const node of g) groupOf[node] = i;
    });
    for (let s = 0; s < n; s++) {
      for (let d = 0; d < n; d++) {
        const gs = groupOf[s]!;
        const gd = groupOf[d]!;
        if (gs === gd) continue;
        if (!oneWay || gs < gd) {
          cut[s * stride + d] = 1;
          this.anyCut = true;
        }
      }
    }
  }

  /** Cuts group a from group b both ways; `via` keeps talking to both sides (a bridge). */
  bridge(a: readonly number[], b: readonly number[], via: number): void {
    const n = this.stride;
    const cut = this.cutMatrix();
    for (const x of a) {
      for (const y of b) {
        if (x === via || y === via) continue;
        cut[x * n + y] = 1;
        cut[y * n + x] = 1;
        this.anyCut = true;
      }
    }
  }

  heal(): void {
    if (this.anyCut) this.cut.fill(0);
    this.anyCut = false;
  }

  /** Applies a patch to the links from `from` (all when null) to `to` (all when null) until `restore`. */
  degrade(from: number | null, to: number | null, patch: LinkPatch): void {
    this.patch(from, to, patch, false);
  }

  /** Changes the base link from `from` to `to` (all when null): part of the topology, kept across `restore`. */
  setBase(from: number | null, to: number | null, patch: LinkPatch): void {
    this.patch(from, to, patch, true);
  }

  private patch(from: number | null, to: number | null, patch: LinkPatch, base: boolean): void {
    const n = this.size;
    this.modelMatrices();
    this.anyOverride = true;
    const derived = new Map<number, number>();
    for (let s = 0; s < n; s++) {
      if (from !== null && s !== from) continue;
      for (let d = 0; d < n; d++) {
        if (to !== null && d !== to) continue;
        const i = s * this.stride + d;
        const current = base ? this.baseModelOf[i]! : this.modelOf[i]!;
        let next = derived.get(current);
        if (next === undefined) {
          const spec = this.models[current]!.spec;
          assert(this.models.length < 65535, 'fewer than 65,535 distinct link models');
          this.models.push(new LinkModel(Object.assign({}, spec, definedOnly(patch))));
          next = this.models.length - 1;
          derived.set(current, next);
        }
        if (!base) this.modelOf[i] = next;
        else {
          // A link degraded right now stays degraded until `restore`, which then lands on the new base.
          if (this.modelOf[i] === current) this.modelOf[i] = next;
          this.baseModelOf[i] = next;
        }
      }
    }
  }

  restore(): void {
    if (!this.hasModels) return;
    this.modelOf.set(this.baseModelOf);
    // Still overridden if the topology set base links of its own.
    this.anyOverride = this.baseModelOf.some((m) => m !== 0);
  }
}

/** An old × old matrix copied to a larger stride, its first `size` rows and columns kept. */
function restride<T extends Uint8Array | Uint16Array | Float64Array>(matrix: T, old: number, stride: number, size: number): T {
  const next = new (matrix.constructor as new (length: number) => T)(stride * stride);
  for (let s = 0; s < size; s++) next.set(matrix.subarray(s * old, s * old + size), s * stride);
  return next;
}

function definedOnly(patch: LinkPatch): LinkPatch {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return out as LinkPatch;
}
