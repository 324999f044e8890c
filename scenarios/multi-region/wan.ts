/**
 * The wide-area network between regions. The scenario's default link is the fast network
 * inside a region; the links that cross an ocean are set, as part of the topology, to the
 * cross-region latency, so a write that has to cross regions pays for it for the whole run:
 * faults may degrade these links further, and restoring or healing returns them to this.
 */
import type { Latency } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';

export function crossRegionLinks(world: World<unknown>, pairs: readonly (readonly [string, string])[], latency: Latency): void {
  for (const [a, b] of pairs) {
    world.setLink(a, b, { latency });
    world.setLink(b, a, { latency });
  }
}
