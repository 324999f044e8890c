/**
 * HashRing: consistent hashing with virtual nodes. Every node is hashed onto a 32-bit ring at
 * `vnodes` points; a key belongs to the first point clockwise from its own hash. Adding a
 * node takes over only the arcs just before its new points (about 1/(n+1) of the keys), and
 * removing one hands its arcs to the next points on the ring (its own 1/n): no other key
 * moves. More virtual nodes per node cut each node's share into more, smaller arcs, so the
 * shares even out: the spread of load falls roughly as 1/sqrt(vnodes).
 */
import { assert } from '../../../engine/index.ts';
import { hashKey } from './key-hash.ts';

interface Point {
  hash: number;
  node: string;
}

export class HashRing {
  private readonly members: string[] = [];
  /** Ring points sorted by hash (ties broken by node name, so the order never depends on insertion). */
  private points: Point[] = [];
  /**
   * The points again as two flat columns, for the lookup every request makes: a binary search
   * over a typed array of hashes reads one cache-friendly column instead of chasing a pointer
   * per probe.
   */
  private hashes = new Uint32Array(0);
  private owners: string[] = [];

  constructor(
    /** Points per node on the ring. */
    readonly vnodes: number,
    nodes: readonly string[] = [],
  ) {
    assert(Number.isInteger(vnodes) && vnodes >= 1, 'a ring has at least one virtual node per node');
    const points: Point[] = [];
    for (const node of nodes) {
      assert(!this.members.includes(node), `node ${node} is on the ring once`);
      this.members.push(node);
      for (const hash of pointsOf(node, vnodes)) points.push({ hash, node });
    }
    this.setPoints(points.sort(comparePoints));
  }

  private setPoints(points: Point[]): void {
    this.points = points;
    this.hashes = Uint32Array.from(points, (p) => p.hash);
    this.owners = points.map((p) => p.node);
  }

  /** The nodes on the ring, in the order they joined. */
  get nodes(): readonly string[] {
    return this.members;
  }

  has(node: string): boolean {
    return this.members.includes(node);
  }

  /** Puts a node on the ring at its `vnodes` points. */
  add(node: string): void {
    assert(!this.has(node), `node ${node} is not on the ring yet`);
    this.members.push(node);
    const added = pointsOf(node, this.vnodes).map((hash) => ({ hash, node }));
    this.setPoints(this.points.concat(added).sort(comparePoints));
  }

  /** Takes a node off the ring: its arcs go to the next points clockwise. */
  remove(node: string): void {
    const i = this.members.indexOf(node);
    assert(i >= 0, `node ${node} is on the ring`);
    this.members.splice(i, 1);
    this.setPoints(this.points.filter((p) => p.node !== node));
  }

  /** The node that owns `key`: the first point at or after the key's hash, wrapping around. */
  ownerOf(key: string | number): string {
    return this.ownerOfHash(hashKey(key));
  }

  ownerOfHash(hash: number): string {
    const hashes = this.hashes;
    assert(hashes.length > 0, 'the ring has at least one node');
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === hashes.length ? 0 : lo]!;
  }

  /** The fraction of the ring each node owns (its expected share of uniformly hashed keys), in join order. */
  shares(): Map<string, number> {
    const out = new Map<string, number>(this.members.map((n) => [n, 0]));
    const points = this.points;
    const ring = 2 ** 32;
    for (let i = 0; i < points.length; i++) {
      // The arc (previous point, this point] belongs to this point's node.
      const prev = i === 0 ? points[points.length - 1]!.hash - ring : points[i - 1]!.hash;
      const p = points[i]!;
      out.set(p.node, out.get(p.node)! + (p.hash - prev) / ring);
    }
    return out;
  }
}

/**
 * A node's ring positions: the hashes of `node#0`, `node#1`, ... A pure function of its
 * arguments, remembered because rings are rebuilt at every resharding on every shard.
 */
const positions = new Map<string, number[]>();
function pointsOf(node: string, vnodes: number): number[] {
  const key = `${vnodes}:${node}`;
  let hashes = positions.get(key);
  if (hashes === undefined) {
    hashes = [];
    for (let v = 0; v < vnodes; v++) hashes.push(hashKey(`${node}#${v}`));
    if (positions.size < 10_000) positions.set(key, hashes);
  }
  return hashes;
}

function comparePoints(a: Point, b: Point): number {
  return a.hash - b.hash || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
}
