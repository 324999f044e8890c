import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../scenarios/index.ts';
import { toy } from './toy-scenario.ts';

const base = { ...toy } as unknown as Parameters<typeof defineScenario>[0];

describe('defineScenario', () => {
  it('accepts a consistent definition', () => {
    expect(defineScenario(base).id).toBe('toy-counter');
  });

  it('rejects a strategy that expects to break an invariant the scenario does not declare', () => {
    const strategies = [...base.strategies, { id: 'odd', title: 'Odd', explanation: '.', expectedViolations: ['no-such-invariant'] }];
    expect(() => defineScenario({ ...base, strategies })).toThrow(/expected violation 'no-such-invariant' is a declared invariant/);
  });

  it('rejects duplicate strategy ids', () => {
    expect(() => defineScenario({ ...base, strategies: [...base.strategies, base.strategies[0]!] })).toThrow(/strategy id 'durable' is unique/);
  });

  it('rejects a default strategy that does not exist', () => {
    expect(() => defineScenario({ ...base, defaultStrategy: 'ghost' })).toThrow(/default strategy 'ghost' exists/);
  });

  it('rejects an id that is not kebab-case', () => {
    expect(() => defineScenario({ ...base, id: 'Toy Counter' })).toThrow(/lower-case kebab-case/);
  });

  it('rejects more alarm states than the palette has alarming colours', () => {
    expect(() => defineScenario({ ...base, alarmStates: ['a', 'b', 'c', 'd'] })).toThrow(/at most three alarm states/);
  });
});
