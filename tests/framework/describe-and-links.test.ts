import { describe, expect, it } from 'vitest';
import { describeScenario, scenarios } from '../../scenarios/index.ts';
import { decodeRunLink, encodeRunLink, nonDefaultParams } from '../../wire/index.ts';
import { toy } from './toy-scenario.ts';

describe('scenario descriptions', () => {
  it('are plain JSON with strategies, invariants, parameters and presets at defaults', () => {
    const info = describeScenario(toy);

    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
    expect(info.strategies.map((s) => s.id)).toEqual(['durable', 'volatile', 'runaway']);
    expect(info.presets[0]!.faults).toEqual([
      { at: 100, kind: 'crash', node: 'counter' },
      { at: 150, kind: 'restart', node: 'counter' },
    ]);
    expect(info.topology.map((n) => n.name)).toEqual(['sender', 'counter']);
  });

  it('exist for every registered scenario', () => {
    for (const s of scenarios) expect(describeScenario(s).id).toBe(s.id);
  });
});

describe('run links', () => {
  it('round-trip scenario, strategy, seed, parameters and faults', () => {
    const link = {
      scenario: 'toy-counter',
      strategy: 'volatile',
      seed: 12,
      params: { gapMs: 3 },
      faults: [{ at: 5, kind: 'crash' as const, node: 'counter' }],
    };

    const url = encodeRunLink(link, 'http://127.0.0.1:9999/');

    expect(url.startsWith('http://127.0.0.1:9999/#/run?')).toBe(true);
    const { raw, ...decoded } = decodeRunLink(url);
    expect(decoded).toEqual(link);
  });

  it('carry only the parameters that differ from the defaults', () => {
    expect(nonDefaultParams({ a: 1, b: [2], c: 3 }, { a: 1, b: [2], c: 4 })).toEqual({ c: 3 });
  });
});
