/**
 * Scenario parameters: validated by the scenario's zod schema at every boundary (CLI flags,
 * HTTP bodies, URLs), with errors that name the parameter and what is allowed.
 */
import { z } from 'zod';
import { InputError } from '../../engine/index.ts';
import type { AnyScenario } from './scenario.ts';

/** The parameter schema as JSON Schema (for forms, `faultline list`, /api/scenarios). */
export function paramsJsonSchema(scenario: AnyScenario): unknown {
  return z.toJSONSchema(scenario.params, { io: 'input', unrepresentable: 'any' });
}

/** Describes what a parameter allows, from its JSON Schema: "an integer from 2 to 8". */
export function describeAllowed(scenario: AnyScenario, key: string): string {
  const schema = paramsJsonSchema(scenario) as { properties?: Record<string, Record<string, unknown>> };
  const p = schema.properties?.[key];
  if (p === undefined) return `one of the parameters ${Object.keys(schema.properties ?? {}).join(', ')}`;
  if (Array.isArray(p.enum)) return `one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const kind = p.type === 'integer' ? 'an integer' : p.type === 'number' ? 'a number' : p.type === 'boolean' ? 'true or false' : `a ${String(p.type)}`;
  const lo = p.minimum ?? p.exclusiveMinimum;
  const hi = p.maximum ?? p.exclusiveMaximum;
  if (lo !== undefined && hi !== undefined) return `${kind} from ${lo} to ${hi}`;
  if (lo !== undefined) return `${kind} of at least ${lo}`;
  if (hi !== undefined) return `${kind} of at most ${hi}`;
  return kind;
}

/** Parses a scenario's parameters (defaults filled in). Throws an InputError naming each bad parameter. */
export function parseParams<T = Record<string, unknown>>(scenario: AnyScenario, input: unknown = {}): T {
  const result = (scenario.params as z.ZodObject).strict().safeParse(input ?? {});
  if (result.success) return result.data as T;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} for ${scenario.id}; its parameters are: ${Object.keys(scenario.params.shape).join(', ')}`;
    }
    const key = String(issue.path[0] ?? '');
    return `parameter '${key}' of ${scenario.id}: ${issue.message}; allowed: ${describeAllowed(scenario, key)}`;
  });
  throw new InputError(problems.join('; '));
}

/**
 * Turns `key=value` text (CLI flags, URL query) into typed values using the schema, so that
 * "3" becomes 3 for a number parameter and "true" becomes true for a boolean one.
 */
export function coerceParamText(scenario: AnyScenario, key: string, text: string): unknown {
  const schema = paramsJsonSchema(scenario) as { properties?: Record<string, { type?: string }> };
  const type = schema.properties?.[key]?.type;
  if (type === 'number' || type === 'integer') {
    const n = Number(text);
    return text.trim() === '' || Number.isNaN(n) ? text : n;
  }
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}
