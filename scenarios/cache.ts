/** The cache family: cache-strategies, cache-invalidation, cache-stampede, redis-outage. */
import { cacheInvalidation } from './cache-invalidation/index.ts';
import { cacheStampede } from './cache-stampede/index.ts';
import { cacheStrategies } from './cache-strategies/index.ts';
import type { AnyScenario } from './framework/scenario.ts';
import { redisOutage } from './redis-outage/index.ts';

export const cacheScenarios: readonly AnyScenario[] = [cacheStrategies, cacheInvalidation, cacheStampede, redisOutage];
