/**
 * Placement: which shard owns a key. Three classic schemes, each an immutable value, so a
 * resharding is "old placement -> new placement" and the keys to move are exactly those
 * whose owner differs:
 *
 *  - range: each shard owns a contiguous span of ids. Range scans stay on one shard, but
 *    sequential ids all land in the last span (a hot tail), and adding a shard splits the
 *    fullest span at its median, moving half of one shard.
 *  - hash mod N: owner = shards[hash(key) mod N]. Even spread; but changing N changes the
 *    owner of almost every key: adding one shard to n moves about n/(n+1) of them.
 *  - consistent hashing: a HashRing with virtual nodes. Adding one shard to n moves about
 *    1/(n+1) of the keys, all of them onto the new shard.
 */
import { assert } from '../../../engine/index.ts';
import { HashRing } from './hash-ring.ts';
import { hashKey } from './key-hash.ts';

export type PlacementKind = 'range' | 'hash-mod-n' | 'consistent-hashing';

export interface Placement {
  readonly kind: PlacementKind;
  /** The shards that own keys, in a stable order. */
  readonly shards: readonly string[];
  ownerOf(key: number): string;
  /** The placement after `shard` joins. `keys` (the ids stored now) lets range placement split where the data is. */
  withShard(shard: string, keys: readonly number[]): Placement;
  /** The placement after `shard` leaves; its keys go to the others. */
  withoutShard(shard: string): Placement;
  /** One line in plain words, for narration. */
  describe(): string;
  /** The placement as plain JSON (it travels in messages and sits on disk). */
  spec(): PlacementSpec;
}

/** A placement as plain JSON. */
export type PlacementSpec =
  | { kind: 'range'; shards: string[]; starts: number[] }
  | { kind: 'hash-mod-n'; shards: string[] }
  | { kind: 'consistent-hashing'; shards: string[]; vnodes: number };

/** Rebuilds a placement from its JSON form. */
export function placementFromSpec(spec: PlacementSpec): Placement {
  switch (spec.kind) {
    case 'range':
      return RangePlacement.fromStarts(spec.shards, spec.starts);
    case 'hash-mod-n':
      return new ModNPlacement(spec.shards);
    case 'consistent-hashing':
      return ringPlacement(spec.vnodes, spec.shards);
  }
}

/**
 * Ring placements are immutable and a pure function of (vnodes, shards): every shard
 * rebuilds the same one at each resharding, so they are built once and shared.
 */
const rings = new Map<string, RingPlacement>();
function ringPlacement(vnodes: number, shards: readonly string[]): RingPlacement {
  const key = `${vnodes}|${shards.join(',')}`;
  let placement = rings.get(key);
  if (placement === undefined) {
    placement = new RingPlacement(new HashRing(vnodes, shards));
    if (rings.size < 1000) rings.set(key, placement);
  }
  return placement;
}

/** A placement of `kind` over `shards`; range spans split [lo, hi) evenly, the last one open-ended. */
export function placementOf(kind: PlacementKind, shards: readonly string[], options: { lo: number; hi: number; vnodes: number }): Placement {
  assert(shards.length > 0, 'a placement has at least one shard');
  switch (kind) {
    case 'range':
      return RangePlacement.evenly(shards, options.lo, options.hi);
    case 'hash-mod-n':
      return new ModNPlacement(shards);
    case 'consistent-hashing':
      return ringPlacement(options.vnodes, shards);
  }
}

/** The ids among `keys` whose owner differs between two placements. */
export function keysToMove(before: Placement, after: Placement, keys: readonly number[]): number[] {
  return keys.filter((k) => before.ownerOf(k) !== after.ownerOf(k));
}

interface Span {
  /** First id of the span (the first span starts at -Infinity). */
  start: number;
  shard: string;
}

export class RangePlacement implements Placement {
  readonly kind = 'range' as const;
  readonly shards: readonly string[];

  private constructor(private readonly spans: readonly Span[]) {
    assert(spans.length > 0 && spans[0]!.start === Number.NEGATIVE_INFINITY, 'the spans cover every id');
    for (let i = 1; i < spans.length; i++) assert(spans[i]!.start > spans[i - 1]!.start, 'spans are in increasing order');
    this.shards = spans.map((s) => s.shard);
  }

  static evenly(shards: readonly string[], lo: number, hi: number): RangePlacement {
    assert(hi > lo, 'the id space is not empty');
    return new RangePlacement(
      shards.map((shard, i) => ({ start: i === 0 ? Number.NEGATIVE_INFINITY : lo + Math.round(((hi - lo) * i) / shards.length), shard })),
    );
  }

  /** A range placement from its spans' first ids (the first is ignored: it is -infinity). */
  static fromStarts(shards: readonly string[], starts: readonly number[]): RangePlacement {
    assert(shards.length === starts.length, 'one start per shard');
    return new RangePlacement(shards.map((shard, i) => ({ start: i === 0 ? Number.NEGATIVE_INFINITY : starts[i]!, shard })));
  }

  ownerOf(key: number): string {
    return this.spans[this.spanIndexOf(key)]!.shard;
  }

  spec(): PlacementSpec {
    // JSON has no -Infinity: the first span's start is written as 0 and ignored when read.
    return { kind: 'range', shards: [...this.shards], starts: this.spans.map((s, i) => (i === 0 ? 0 : s.start)) };
  }

  /** Splits the span holding the most keys at its median; the new shard takes the upper half. */
  withShard(shard: string, keys: readonly number[]): RangePlacement {
    assert(!this.shards.includes(shard), `${shard} is not a shard yet`);
    const bySpan = this.spans.map(() => [] as number[]);
    for (const k of keys) bySpan[this.spanIndexOf(k)]!.push(k);
    let fullest = this.spans.length - 1;
    bySpan.forEach((ks, i) => {
      if (ks.length > bySpan[fullest]!.length) fullest = i;
    });
    const inSpan = bySpan[fullest]!.slice().sort((a, b) => a - b);
    const span = this.spans[fullest]!;
    const next = this.spans[fullest + 1]?.start;
    let at = inSpan.length >= 2 ? inSpan[inSpan.length >> 1]! : Number.NaN;
    if (!(at > span.start) || (next !== undefined && !(at < next))) {
      // Too few keys to find a median: split the span's own bounds (or just past its start).
      at = next !== undefined && Number.isFinite(span.start) ? Math.floor((span.start + next) / 2) : (inSpan[0] ?? 0) + 1;
    }
    const spans = this.spans.slice();
    spans.splice(fullest + 1, 0, { start: at, shard });
    return new RangePlacement(spans);
  }

  /** The leaving shard's span merges into the span before it (or after it, for the first span). */
  withoutShard(shard: string): RangePlacement {
    const i = this.spans.findIndex((s) => s.shard === shard);
    assert(i >= 0, `${shard} is a shard`);
    assert(this.spans.length > 1, 'the last shard cannot leave');
    const spans = this.spans.slice();
    if (i === 0) spans[1] = { start: Number.NEGATIVE_INFINITY, shard: spans[1]!.shard };
    spans.splice(i, 1);
    return new RangePlacement(spans);
  }

  describe(): string {
    const spans = this.spans.map((s, i) => {
      const end = this.spans[i + 1]?.start;
      return end === undefined ? `${s.shard} from ${s.start.toLocaleString('en-US')} on` : `${s.shard} below ${end.toLocaleString('en-US')}`;
    });
    return `id ranges ${spans.join(', ')}`;
  }

  /** The last span whose start is at or below the key. */
  private spanIndexOf(key: number): number {
    const spans = this.spans;
    let lo = 0;
    let hi = spans.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (spans[mid]!.start <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

export class ModNPlacement implements Placement {
  readonly kind = 'hash-mod-n' as const;

  constructor(readonly shards: readonly string[]) {
    assert(shards.length > 0, 'at least one shard');
  }

  ownerOf(key: number): string {
    return this.shards[hashKey(key) % this.shards.length]!;
  }

  spec(): PlacementSpec {
    return { kind: 'hash-mod-n', shards: [...this.shards] };
  }

  withShard(shard: string): ModNPlacement {
    assert(!this.shards.includes(shard), `${shard} is not a shard yet`);
    return new ModNPlacement([...this.shards, shard]);
  }

  withoutShard(shard: string): ModNPlacement {
    assert(this.shards.includes(shard) && this.shards.length > 1, `${shard} is a shard and not the last one`);
    return new ModNPlacement(this.shards.filter((s) => s !== shard));
  }

  describe(): string {
    return `hash(key) mod ${this.shards.length} over ${this.shards.join(', ')}`;
  }
}

/** Ids below this have their ring owner remembered by a RingPlacement (16 KiB per placement). */
const KNOWN_IDS_MAX = 16_384;

export class RingPlacement implements Placement {
  readonly kind = 'consistent-hashing' as const;

  /**
   * Owners of the small ids already looked up, as 1 + the shard's index (0: not yet). A
   * placement is immutable and shared by every run (ringPlacement), and sequential ids are the
   * same few thousand in each, so each id's ring search is made once per process.
   */
  private readonly known = new Uint8Array(KNOWN_IDS_MAX);

  /** Takes ownership of `ring`, which must not change afterwards. */
  constructor(private readonly ring: HashRing) {
    assert(ring.nodes.length < 256, 'a remembered owner fits in a byte');
  }

  get shards(): readonly string[] {
    return this.ring.nodes;
  }

  ownerOf(key: number): string {
    if (!(key >>> 0 === key && key < KNOWN_IDS_MAX)) return this.ring.ownerOf(key);
    const known = this.known[key]!;
    if (known !== 0) return this.ring.nodes[known - 1]!;
    const owner = this.ring.ownerOf(key);
    this.known[key] = this.ring.nodes.indexOf(owner) + 1;
    return owner;
  }

  spec(): PlacementSpec {
    return { kind: 'consistent-hashing', shards: [...this.ring.nodes], vnodes: this.ring.vnodes };
  }

  withShard(shard: string): RingPlacement {
    assert(!this.ring.has(shard), `${shard} is not a shard yet`);
    return ringPlacement(this.ring.vnodes, [...this.ring.nodes, shard]);
  }

  withoutShard(shard: string): RingPlacement {
    assert(this.ring.has(shard) && this.ring.nodes.length > 1, `${shard} is a shard and not the last one`);
    return ringPlacement(
      this.ring.vnodes,
      this.ring.nodes.filter((n) => n !== shard),
    );
  }

  /** Each shard's fraction of the ring. */
  shares(): Map<string, number> {
    return this.ring.shares();
  }

  describe(): string {
    return `a hash ring with ${this.ring.vnodes} virtual node${this.ring.vnodes === 1 ? '' : 's'} per shard over ${this.ring.nodes.join(', ')}`;
  }
}
