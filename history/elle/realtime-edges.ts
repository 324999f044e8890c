/**
 * Real-time order for strict serializability: T1 → T2 when T1 completed before T2 was
 * invoked. All such pairs would be quadratic; it suffices to keep the transitive reduction,
 * which a sweep over the history finds: a `frontier` of completed transactions that no later
 * completed transaction follows yet. An invocation depends on the frontier; a completion
 * replaces, in the frontier, the transactions it depended on. The frontier stays about as
 * large as the number of concurrent clients, so this is linear in the history.
 */
import type { DependencyGraph } from './dependency-graph.ts';
import type { Transaction } from './transaction.ts';

/** Adds `rt` edges between the transactions that `include` accepts (committed or indeterminate). */
export function addRealtimeEdges(graph: DependencyGraph, txns: readonly Transaction[], include: (txn: Transaction) => boolean): void {
  const nodes = txns.filter(include);
  const completions = nodes.filter((t) => Number.isFinite(t.completePosition)).sort((a, b) => a.completePosition - b.completePosition);
  const frontier = new Set<number>();
  const predecessors = new Map<number, number[]>();
  let c = 0;
  for (const txn of nodes) {
    while (c < completions.length && completions[c]!.completePosition < txn.invokePosition) complete(completions[c++]!);
    const preds = [...frontier];
    for (const p of preds) graph.add(p, txn.index, 'rt', {});
    predecessors.set(txn.index, preds);
  }
  while (c < completions.length) complete(completions[c++]!);

  function complete(txn: Transaction): void {
    for (const p of predecessors.get(txn.index) ?? []) frontier.delete(p);
    predecessors.delete(txn.index);
    frontier.add(txn.index);
  }
}
