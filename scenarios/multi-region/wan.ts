/**
 * The wide-area network between regions. The kernel has one default link (the fast network
 * inside a region); the links that cross an ocean are slowed to the cross-region latency
 * here, at the start and again right after the framework heals every fault (healing also
 * restores every link to the default), so a write that has to cross regions pays for it
 * for the whole run.
 */
import type { Latency, NodeId, Simulation } from '../../engine/index.ts';

export function crossRegionLinks(sim: Simulation, pairs: readonly (readonly [NodeId, NodeId])[], latency: Latency, healAtMs: number): void {
  const slow = (): void => {
    for (const [a, b] of pairs) {
      sim.network.degrade(a, b, { latency });
      sim.network.degrade(b, a, { latency });
    }
  };
  slow();
  // The framework's heal is scheduled after build, at the same instant: an event scheduled
  // from inside an event at that instant runs after it.
  sim.at(healAtMs, () => sim.at(healAtMs, slow));
}
