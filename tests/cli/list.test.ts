import { describe, expect, it } from 'vitest';
import { cliJson } from './cli.ts';
import { runInProcess } from './in-process.ts';

interface ListJson {
  scenarios: {
    id: string;
    title: string;
    question: string;
    strategies: { id: string; title: string; expectedViolations: string[] }[];
    invariants: { name: string; description: string }[];
    params: { type: string; properties: Record<string, unknown> };
    presets: { id: string; faults: unknown[] }[];
  }[];
}

describe('faultline list', () => {
  it('prints every scenario with strategies, invariants, parameters as JSON Schema and presets', async () => {
    const { code, json } = await cliJson<ListJson>(['list', '--json']);

    expect(code).toBe(0);
    const tpc = json.scenarios.find((s) => s.id === 'two-phase-commit')!;
    expect(tpc).toMatchObject({ title: expect.any(String), question: expect.any(String) });
    expect(tpc.strategies.find((s) => s.id === 'in-memory')?.expectedViolations).toContain('atomicity');
    expect(tpc.invariants[0]).toMatchObject({ name: expect.any(String), description: expect.any(String) });
    expect(tpc.params.type).toBe('object');
    expect(Object.keys(tpc.params.properties)).toContain('participants');
    expect(tpc.presets.length).toBeGreaterThan(0);
  });

  it('shows one scenario in detail as a table', async () => {
    const { code, stdout } = await runInProcess(['list', 'two-phase-commit']);

    expect(code).toBe(0);
    expect(stdout).toContain('strategies:');
    expect(stdout).toContain('participants');
  });

  it('rejects an unknown scenario with exit 2, naming it and the known ones', async () => {
    const { code, stderr } = await runInProcess(['list', 'no-such-scenario', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("'no-such-scenario'");
    expect(stderr).toContain('two-phase-commit');
  });
});
