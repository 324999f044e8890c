/** The broker family: delivery-semantics, duplicate-handling, consumer-lag, partitioning. */
import { consumerLag } from './consumer-lag/index.ts';
import { deliverySemantics } from './delivery-semantics/index.ts';
import { duplicateHandling } from './duplicate-handling/index.ts';
import type { AnyScenario } from './framework/scenario.ts';
import { partitioning } from './partitioning/index.ts';

export const brokerScenarios: readonly AnyScenario[] = [deliverySemantics, duplicateHandling, consumerLag, partitioning];
