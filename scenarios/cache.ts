/** The cache family: cache-strategies, cache-invalidation, cache-stampede, redis-outage. */
import type { AnyScenario } from './framework/scenario.ts';

export const cacheScenarios: readonly AnyScenario[] = [];
