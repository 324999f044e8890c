/**
 * The dependency graph of a transactional history (Adya's direct serialization graph, as Elle
 * builds it): one node per transaction, and an edge T1 → T2 when T2 must come after T1:
 *
 * - `ww` (write dependency): T2 overwrote (appended after) a version T1 installed;
 * - `wr` (read dependency): T2 read a version T1 installed;
 * - `rw` (anti-dependency): T1 read a version that T2's write replaced;
 * - `rt` (real time): T1 completed before T2 was invoked (only for strict serializability).
 *
 * Each edge carries why it exists (the key and the values involved), so that a cycle can be
 * told in words. Parallel edges of the same type between the same pair are kept once.
 */

/** The kinds of dependency, as bits so that a search can allow a set of them. */
export const EDGE = { ww: 1, wr: 2, rw: 4, rt: 8 } as const;
export type EdgeKind = keyof typeof EDGE;
export const EDGE_KINDS: readonly EdgeKind[] = ['ww', 'wr', 'rw', 'rt'];

/** Why an edge exists: the key, and the values of the two transactions' micro-ops. */
export interface EdgeReason {
  key?: unknown;
  /** The version the edge's source wrote (ww, wr) or read (rw). */
  fromValue?: unknown;
  /** The version the edge's target wrote (ww, rw) or read (wr). */
  toValue?: unknown;
}

/** A directed multigraph over transactions 0..n-1 with typed edges. */
export class DependencyGraph {
  /** For each node, its out-edges' targets, kinds (EDGE bits) and reasons, in parallel arrays. */
  readonly targets: number[][];
  readonly kinds: number[][];
  readonly reasons: EdgeReason[][];
  private readonly seen = new Set<number>();
  private edges = 0;

  constructor(readonly size: number) {
    this.targets = Array.from({ length: size }, () => []);
    this.kinds = Array.from({ length: size }, () => []);
    this.reasons = Array.from({ length: size }, () => []);
  }

  /** Adds `from → to` of `kind` unless the same edge is there already; self-edges are ignored. */
  add(from: number, to: number, kind: EdgeKind, reason: EdgeReason): void {
    if (from === to) return;
    const bit = EDGE[kind];
    const id = (from * this.size + to) * 16 + bit;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.targets[from]!.push(to);
    this.kinds[from]!.push(bit);
    this.reasons[from]!.push(reason);
    this.edges++;
  }

  /** How many edges the graph has. */
  get edgeCount(): number {
    return this.edges;
  }
}
