/**
 * The registry: every scenario faultline knows, in the order users see them. The CLI, the
 * server and the browser read this list; adding a scenario means adding one line here.
 */
import { InputError } from '../engine/index.ts';
import { brokerScenarios } from './broker.ts';
import { cacheScenarios } from './cache.ts';
import { dataScenarios } from './data.ts';
import type { AnyScenario } from './framework/scenario.ts';
import { transactionScenarios } from './transactions.ts';

export const scenarios: readonly AnyScenario[] = [...transactionScenarios, ...cacheScenarios, ...brokerScenarios, ...dataScenarios];

export function findScenario(id: string): AnyScenario {
  const s = scenarios.find((x) => x.id === id);
  if (s === undefined) throw new InputError(`unknown scenario '${id}'; scenarios are: ${scenarios.map((x) => x.id).join(', ')}`);
  return s;
}
