import { describe, expect, it } from 'vitest';
import { coerceParamText, describeAllowed, paramsJsonSchema, parseParams } from '../../scenarios/index.ts';
import { toy } from './toy-scenario.ts';

describe('scenario parameters', () => {
  it('fill in defaults', () => {
    expect(parseParams(toy, { increments: 5 })).toEqual({ increments: 5, gapMs: 10, eventsMax: 1_000_000 });
  });

  it('reject a value out of bounds, naming the parameter and what is allowed', () => {
    expect(() => parseParams(toy, { increments: 5000 })).toThrow(/parameter 'increments' of toy-counter: .*allowed: an integer from 1 to 1000/);
  });

  it('reject an unknown parameter, listing the parameters there are', () => {
    expect(() => parseParams(toy, { nope: 1 })).toThrow("unknown parameter 'nope' for toy-counter; its parameters are: increments, gapMs, eventsMax");
  });

  it('are described as JSON Schema with defaults, bounds and descriptions', () => {
    const schema = paramsJsonSchema(toy) as { properties: Record<string, Record<string, unknown>> };

    expect(schema.properties.increments).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'increments to send' });
    expect(describeAllowed(toy, 'gapMs')).toBe('a number from 1 to 1000');
  });

  it('coerce command-line text to the schema type', () => {
    expect(coerceParamText(toy, 'increments', '7')).toBe(7);
    expect(coerceParamText(toy, 'increments', 'seven')).toBe('seven');
  });
});
