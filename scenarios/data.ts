/** The data family: sharding, hotspot, read-replicas, multi-region. */
import type { AnyScenario } from './framework/scenario.ts';
import { hotspot } from './hotspot/index.ts';
import { multiRegion } from './multi-region/index.ts';
import { readReplicas } from './read-replicas/index.ts';
import { sharding } from './sharding/index.ts';

export const dataScenarios: readonly AnyScenario[] = [sharding, hotspot, readReplicas, multiRegion];
