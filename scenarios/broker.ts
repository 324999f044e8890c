/** The broker family: delivery-semantics, duplicate-handling, consumer-lag, partitioning. */
import type { AnyScenario } from './framework/scenario.ts';

export const brokerScenarios: readonly AnyScenario[] = [];
