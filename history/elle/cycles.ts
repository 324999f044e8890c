/**
 * Finds the cycles of a dependency graph and classifies them as Adya and Elle do, by the
 * dependencies they need:
 *
 * - G0: only write dependencies (ww);
 * - G1c: write and read dependencies (ww, wr), at least one wr;
 * - G-single: exactly one anti-dependency (rw), the rest ww/wr (read skew, lost update);
 * - G2-item: two or more anti-dependencies (write skew);
 * - `-realtime` variants: a cycle that exists only with real-time edges (strict serializability).
 *
 * Near-linear: one Tarjan pass per family of edge kinds finds the components where each kind
 * of cycle can live (a G-single cycle exists exactly when some rw edge joins two nodes of one
 * ww/wr component), then one breadth-first search per component finds a shortest witness.
 */
import { type DependencyGraph, EDGE, type EdgeKind, type EdgeReason } from './dependency-graph.ts';
import { stronglyConnected } from './strongly-connected.ts';

/** One edge of a cycle. */
export interface CycleStep {
  from: number;
  to: number;
  kind: EdgeKind;
  reason: EdgeReason;
}

export type CycleAnomalyType = 'G0' | 'G1c' | 'G-single' | 'G2-item' | 'G0-realtime' | 'G1c-realtime' | 'G-single-realtime' | 'G2-item-realtime';

/** A cycle and its classification. */
export interface FoundCycle {
  type: CycleAnomalyType;
  steps: CycleStep[];
}

const KIND_OF_BIT: Record<number, EdgeKind> = { 1: 'ww', 2: 'wr', 4: 'rw', 8: 'rt' };
const DATA = EDGE.ww | EDGE.wr | EDGE.rw;
const WRITE_READ = EDGE.ww | EDGE.wr;

/** The classified cycles of `graph`; real-time cycles only when `realtime` (the graph then has rt edges). */
export function findCycles(graph: DependencyGraph, realtime: boolean): FoundCycle[] {
  const search = new PathSearch(graph);
  const found: FoundCycle[] = [];
  const all = range(graph.size);
  const data = stronglyConnected(graph, all, DATA, () => true);
  for (const component of data.components) {
    const c = data.componentOf[component[0]!]!;
    const inC = (v: number) => data.componentOf[v] === c;
    // G0: cycles of write dependencies only.
    const ww = stronglyConnected(graph, component, EDGE.ww, inC);
    for (const sub of ww.components) {
      const steps = search.cycleThrough(sub[0]!, EDGE.ww, (v) => ww.componentOf[v] === ww.componentOf[sub[0]!]);
      if (steps !== null) found.push(classify(steps, false));
    }
    // G1c: cycles of write and read dependencies through a wr edge.
    const wr = stronglyConnected(graph, component, WRITE_READ, inC);
    for (const sub of wr.components) {
      const id = wr.componentOf[sub[0]!]!;
      const inside = (v: number) => wr.componentOf[v] === id;
      const edge = findEdge(graph, sub, EDGE.wr, (a, b) => inside(a) && inside(b));
      if (edge === null) continue;
      const steps = search.cycleWithEdge(edge, WRITE_READ, inside);
      if (steps !== null) found.push(classify(steps, false));
    }
    // G-single: an rw edge inside one ww/wr component closes a cycle with exactly one rw.
    const singleDone = new Set<number>();
    forEachEdge(graph, component, EDGE.rw, (a, slot, b) => {
      const id = wr.componentOf[a]!;
      if (id === -1 || id !== wr.componentOf[b] || singleDone.has(id)) return;
      singleDone.add(id);
      const steps = search.cycleWithEdge({ from: a, slot }, WRITE_READ, (v) => wr.componentOf[v] === id);
      if (steps !== null) found.push(classify(steps, false));
    });
    const g2 = findEdge(graph, component, EDGE.rw, (a, b) => inC(b) && (wr.componentOf[a] === -1 || wr.componentOf[a] !== wr.componentOf[b]));
    // G2-item: an rw edge whose ends no ww/wr path joins needs a second rw edge to close.
    if (g2 !== null) {
      const steps = search.cycleWithEdge(g2, DATA, inC);
      if (steps !== null) found.push(classify(steps, false));
    }
  }
  if (realtime) {
    const every = stronglyConnected(graph, all, DATA | EDGE.rt, () => true);
    for (const component of every.components) {
      const id = every.componentOf[component[0]!]!;
      const edge = findEdge(
        graph,
        component,
        EDGE.rt,
        (a, b) => every.componentOf[b] === id && (data.componentOf[a] === -1 || data.componentOf[a] !== data.componentOf[b]),
      );
      if (edge === null) continue;
      const steps = search.cycleWithEdge(edge, DATA | EDGE.rt, (v) => every.componentOf[v] === id);
      if (steps !== null) found.push(classify(steps, true));
    }
  }
  return found;
}

/** Classifies a cycle by the kinds of its edges. */
export function classify(steps: CycleStep[], realtime: boolean): FoundCycle {
  let rw = 0;
  let wr = 0;
  for (const s of steps) {
    if (s.kind === 'rw') rw++;
    if (s.kind === 'wr') wr++;
  }
  const base = rw === 0 ? (wr === 0 ? 'G0' : 'G1c') : rw === 1 ? 'G-single' : 'G2-item';
  const usesRealtime = realtime && steps.some((s) => s.kind === 'rt');
  return { type: (usesRealtime ? `${base}-realtime` : base) as CycleAnomalyType, steps };
}

/** An edge: its source and its position in the source's edge list. */
interface EdgeRef {
  from: number;
  slot: number;
}

/** The first edge of kind `bit` from a node of `nodes` for which `accept(from, to)` holds. */
function findEdge(graph: DependencyGraph, nodes: readonly number[], bit: number, accept: (a: number, b: number) => boolean): EdgeRef | null {
  for (const a of nodes) {
    const targets = graph.targets[a]!;
    const kinds = graph.kinds[a]!;
    for (let e = 0; e < targets.length; e++) if ((kinds[e]! & bit) !== 0 && accept(a, targets[e]!)) return { from: a, slot: e };
  }
  return null;
}

function forEachEdge(graph: DependencyGraph, nodes: readonly number[], bit: number, visit: (a: number, slot: number, b: number) => void): void {
  for (const a of nodes) {
    const targets = graph.targets[a]!;
    const kinds = graph.kinds[a]!;
    for (let e = 0; e < targets.length; e++) if ((kinds[e]! & bit) !== 0) visit(a, e, targets[e]!);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Breadth-first searches over the graph, reusing their arrays across calls. */
class PathSearch {
  private readonly stamp: Int32Array;
  private readonly parentNode: Int32Array;
  private readonly parentSlot: Int32Array;
  private round = 0;

  constructor(private readonly graph: DependencyGraph) {
    this.stamp = new Int32Array(graph.size);
    this.parentNode = new Int32Array(graph.size);
    this.parentSlot = new Int32Array(graph.size);
  }

  /** A shortest cycle starting with `edge` and returning to its source over `mask` edges inside. */
  cycleWithEdge(edge: EdgeRef, mask: number, inside: (v: number) => boolean): CycleStep[] | null {
    const to = this.graph.targets[edge.from]![edge.slot]!;
    const first = this.step(edge.from, edge.slot);
    if (to === edge.from) return [first];
    const path = this.shortestPath(to, edge.from, mask, inside);
    return path === null ? null : [first, ...path];
  }

  /** A shortest cycle through `start` over `mask` edges inside. */
  cycleThrough(start: number, mask: number, inside: (v: number) => boolean): CycleStep[] | null {
    return this.shortestPath(start, start, mask, inside);
  }

  /** A shortest path of at least one edge from `from` to `to`. */
  private shortestPath(from: number, to: number, mask: number, inside: (v: number) => boolean): CycleStep[] | null {
    const g = this.graph;
    this.round++;
    const queue = [from];
    this.stamp[from] = this.round;
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head]!;
      const targets = g.targets[v]!;
      const kinds = g.kinds[v]!;
      for (let e = 0; e < targets.length; e++) {
        if ((kinds[e]! & mask) === 0) continue;
        const w = targets[e]!;
        if (w === to) return [...this.trace(v, from), this.step(v, e)];
        if (this.stamp[w] === this.round || !inside(w)) continue;
        this.stamp[w] = this.round;
        this.parentNode[w] = v;
        this.parentSlot[w] = e;
        queue.push(w);
      }
    }
    return null;
  }

  /** The steps from `from` to `v` recorded by the last search. */
  private trace(v: number, from: number): CycleStep[] {
    const steps: CycleStep[] = [];
    while (v !== from) {
      const p = this.parentNode[v]!;
      steps.push(this.step(p, this.parentSlot[v]!));
      v = p;
    }
    return steps.reverse();
  }

  private step(from: number, slot: number): CycleStep {
    const g = this.graph;
    return { from, to: g.targets[from]![slot]!, kind: KIND_OF_BIT[g.kinds[from]![slot]!]!, reason: g.reasons[from]![slot]! };
  }
}
