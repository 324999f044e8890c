/**
 * The registry: every scenario faultline knows, in the order users see them — the built-ins
 * (adding one means adding one line to its family's list) and the user's own, registered when
 * their module is loaded (`faultline run ./my-scenario.ts`, `serve --scenarios DIR`). The CLI,
 * the server and the browser read it; a user scenario is found exactly as a built-in is.
 */
import { InputError } from '../engine/index.ts';
import { brokerScenarios } from './broker.ts';
import { cacheScenarios } from './cache.ts';
import { dataScenarios } from './data.ts';
import { type AnyScenario, defineScenario } from './framework/scenario.ts';
import { transactionScenarios } from './transactions.ts';

/** The built-in scenarios. */
export const scenarios: readonly AnyScenario[] = [...transactionScenarios, ...cacheScenarios, ...brokerScenarios, ...dataScenarios];

/** User scenarios by id, with the module each came from (as the user named it). */
const own = new Map<string, { scenario: AnyScenario; module: string }>();

/** Every scenario: the built-ins, then the user's own in the order they were registered. */
export function allScenarios(): AnyScenario[] {
  return [...scenarios, ...[...own.values()].map((o) => o.scenario)];
}

/**
 * Registers a user's scenario, loaded from `module` (a path, shown in replay lines and links).
 * Its definition is checked again (it may come from another copy of faultline). Registering an
 * id again replaces it (a module reloaded after an edit); a built-in id is refused.
 */
export function registerScenario(scenario: AnyScenario, module: string): AnyScenario {
  if (scenarios.some((s) => s.id === scenario.id)) {
    throw new InputError(`${module} defines scenario '${scenario.id}', which is a built-in scenario's id; choose another id`);
  }
  const known = own.get(scenario.id);
  if (known !== undefined && known.module !== module) {
    throw new InputError(`scenario '${scenario.id}' is defined by both ${known.module} and ${module}; ids must be unique`);
  }
  const checked = defineScenario(scenario as Parameters<typeof defineScenario>[0]);
  own.set(scenario.id, { scenario: checked, module });
  return checked;
}

/** Forgets a user's scenario (its module was removed). */
export function unregisterScenario(id: string): void {
  own.delete(id);
}

/** The module a user scenario came from; null for a built-in or an unknown id. */
export function moduleOf(id: string): string | null {
  return own.get(id)?.module ?? null;
}

export function findScenario(id: string): AnyScenario {
  const s = scenarios.find((x) => x.id === id) ?? own.get(id)?.scenario;
  if (s === undefined) {
    throw new InputError(
      `unknown scenario '${id}'; scenarios are: ${allScenarios()
        .map((x) => x.id)
        .join(', ')} (or give the path of a module that exports your own)`,
    );
  }
  return s;
}
