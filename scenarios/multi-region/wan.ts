/**
 * The wide-area network between regions. The kernel's default link is the fast network
 * inside a region; the links that cross an ocean are set, as part of the topology, to the
 * cross-region latency, so a write that has to cross regions pays for it for the whole run:
 * faults may degrade these links further, and restoring or healing returns them to this.
 */
import type { Latency, NodeId, Simulation } from '../../engine/index.ts';

export function crossRegionLinks(sim: Simulation, pairs: readonly (readonly [NodeId, NodeId])[], latency: Latency): void {
  for (const [a, b] of pairs) {
    sim.setLink(a, b, { latency });
    sim.setLink(b, a, { latency });
  }
}
