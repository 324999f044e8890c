/**
 * Strongly connected components (Tarjan), iterative so that a 100,000-transaction chain does
 * not overflow the call stack, over a chosen subset of nodes and of edge kinds. Every cycle
 * of the graph lies inside one component, so the cycle search only ever looks inside them.
 */
import type { DependencyGraph } from './dependency-graph.ts';

/** Components with more than one node, and each node's component (-1 when in none of them). */
export interface Components {
  components: number[][];
  componentOf: Int32Array;
}

/**
 * The non-trivial strongly connected components of `graph` restricted to `nodes` and to
 * edges whose kind is in `mask` and whose target satisfies `inside`.
 */
export function stronglyConnected(graph: DependencyGraph, nodes: Iterable<number>, mask: number, inside: (node: number) => boolean): Components {
  const n = graph.size;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const componentOf = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  // The explicit call stack: node and the position in its edge list.
  const callNode: number[] = [];
  const callEdge: number[] = [];

  for (const root of nodes) {
    if (index[root] !== -1) continue;
    callNode.push(root);
    callEdge.push(0);
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (callNode.length > 0) {
      const v = callNode[callNode.length - 1]!;
      const targets = graph.targets[v]!;
      const kinds = graph.kinds[v]!;
      let e = callEdge[callEdge.length - 1]!;
      let descended = false;
      for (; e < targets.length; e++) {
        if ((kinds[e]! & mask) === 0) continue;
        const w = targets[e]!;
        if (!inside(w)) continue;
        if (index[w] === -1) {
          callEdge[callEdge.length - 1] = e + 1;
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          callNode.push(w);
          callEdge.push(0);
          descended = true;
          break;
        }
        if (onStack[w] && index[w]! < low[v]!) low[v] = index[w]!;
      }
      if (descended) continue;
      callNode.pop();
      callEdge.pop();
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) {
          for (const c of component) componentOf[c] = components.length;
          components.push(component);
        }
      }
      if (callNode.length > 0) {
        const parent = callNode[callNode.length - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
    }
  }
  return { components, componentOf };
}
