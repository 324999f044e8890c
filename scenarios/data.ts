/** The data family: sharding, hotspot, read-replicas, multi-region. */
import type { AnyScenario } from './framework/scenario.ts';

export const dataScenarios: readonly AnyScenario[] = [];
