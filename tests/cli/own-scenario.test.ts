/**
 * A user's own scenario as a first-class citizen of every command: `faultline new` scaffolds
 * it, and list, run, compare, check (on one or two workers, sharded and merged) take its
 * module path; its replay line names the module and reproduces the run; a handler that throws
 * is a finding with the user's file and line, not a crash of faultline.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, ROOT, shellWords } from './cli.ts';

const dir = path.join(ROOT, 'scratch', `own-${process.pid}`);
const rel = (file: string): string => path.relative(ROOT, path.join(dir, file));
let module = '';

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  const made = await cliJson<{ scenario: string; module: string; files: string[] }>(['new', 'lease-demo', '--dir', rel(''), '--json']);
  expect(made.code).toBe(0);
  module = made.json.module;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a scenario of your own', () => {
  it('is scaffolded by faultline new, which names the files and refuses to overwrite them', async () => {
    expect(module).toBe(`./${rel('lease-demo.ts')}`);
    const again = await cli(['new', 'lease-demo', '--dir', rel('')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/lease-demo\.ts exists; choose another id or --dir, or add --force/);
    const bad = await cli(['new', 'Lease_Demo']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/scenario id 'Lease_Demo' must be lower-case letters, digits and dashes/);
  });

  it('is listed from its module path, with a flawed and a sound strategy', async () => {
    const { json } = await cliJson<{ scenarios: { id: string; strategies: { id: string; expectedViolations: string[] }[] }[] }>(['list', module, '--json']);
    expect(json.scenarios.map((s) => s.id)).toEqual(['lease-demo']);
    expect(json.scenarios[0]!.strategies.map((s) => [s.id, s.expectedViolations])).toEqual([
      ['fencing', []],
      ['no-fencing', ['writes-in-lease-order']],
    ]);
  });

  it('runs the same twice, and its replay line (naming the module) reproduces the hash', async () => {
    const a = await cliJson<{ traceHash: string; replay: string }>(['run', module, '--strategy', 'no-fencing', '--seed', '11', '--json']);
    const b = await cliJson<{ traceHash: string }>(['run', module, '--strategy', 'no-fencing', '--seed', '11', '--json']);
    expect(a.json.traceHash).toBe(b.json.traceHash);
    expect(a.json.replay.startsWith(`faultline run ${module} --strategy no-fencing --seed 11`)).toBe(true);
    const words = await shellWords(a.json.replay);
    const replayed = await cliJson<{ traceHash: string }>([...words.slice(1), '--json']);
    expect(replayed.json.traceHash).toBe(a.json.traceHash);
  });

  it('is checked as declared, with the same result on one and two workers', async () => {
    const args = ['check', module, '--all', '--runs', '1000', '--seed', '1', '--expect', 'declared', '--json'];
    const one = await cliJson<{
      results: {
        strategy: string;
        counterexample: { invariant: string; faults: unknown[] } | null;
        runsPerSec: number;
        executedRuns: number;
        elapsedMs: number;
      }[];
    }>([...args, '--workers', '1']);
    const two = await cliJson<typeof one.json>([...args, '--workers', '2']);
    expect(one.code).toBe(0);
    const found = one.json.results.find((r) => r.strategy === 'no-fencing')!.counterexample!;
    expect(found.invariant).toBe('writes-in-lease-order');
    expect(found.faults.length).toBeLessThanOrEqual(2);
    expect(one.json.results.find((r) => r.strategy === 'fencing')!.counterexample).toBeNull();
    const strip = (r: typeof one.json) => JSON.stringify(r.results.map(({ runsPerSec: _r, ...rest }) => rest));
    expect(strip(two.json)).toBe(strip(one.json));
  }, 240_000);

  it('merges its shards into the unsharded result', async () => {
    const base = ['check', module, '--strategy', 'no-fencing', '--runs', '400', '--seed', '3'];
    const whole = await cliJson<{ counterexample: unknown; runs: number; coverage: unknown }>([...base, '--json']);
    for (const i of [1, 2]) expect((await cli([...base, '--shard', `${i}/2`, '--out', rel(`shard-${i}.json`)])).code).toBeLessThan(2);
    const merged = await cliJson<typeof whole.json>(['merge', rel('shard-1.json'), rel('shard-2.json'), '--json']);
    expect(merged.json.counterexample).toEqual(whole.json.counterexample);
    expect(merged.json.runs).toBe(whole.json.runs);
    expect(merged.json.coverage).toEqual(whole.json.coverage);
  }, 240_000);

  it('compares its strategies', async () => {
    const r = await cli(['compare', module, '--strategies', 'fencing,no-fencing', '--seeds', '5']);
    expect(r.code).toBeLessThan(2);
    expect(r.stdout).toMatch(/fencing/);
  });

  it("reports a handler that throws as a finding: shrunk, replayable, at the user's own line", async () => {
    writeFileSync(
      path.join(dir, 'thrower.ts'),
      `import type { NodeContext } from 'faultline';
import { defineScenario, z } from 'faultline/scenarios';
export const thrower = defineScenario({
  id: 'thrower-${process.pid}', title: 'Throws', family: 'test', question: 'q', summary: 's',
  params: z.object({}),
  timing: () => ({ workloadMs: 200, settleMs: 100 }),
  strategies: [{ id: 'fragile', title: 'Fragile', explanation: 'forgets its state at a restart', expectedViolations: [] }],
  defaultStrategy: 'fragile',
  invariants: [{ name: 'fine', kind: 'safety', description: 'd' }],
  goals: [], metrics: [], presets: [],
  faultSpace: () => ({ windowMs: 200, faultsMax: 2 }),
  build(world) {
    world.node('a', { role: 'server' }, (ctx: NodeContext<never, 'tick'>) => {
      ctx.setTimer(10, 'tick');
      return {
        onTimer: () => {
          if (ctx.incarnation > 0) throw new Error('state lost after restart');
          ctx.setTimer(10, 'tick');
        },
      };
    });
    return { metrics: () => ({}) };
  },
});
`,
    );
    const r = await cliJson<{ ok: boolean; asExpected: boolean; counterexample: { invariant: string; stack: string; replay: string; faults: unknown[] } }>([
      'check',
      `./${rel('thrower.ts')}`,
      '--runs',
      '300',
      '--seed',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(r.json.asExpected).toBe(false);
    expect(r.json.counterexample.invariant).toBe('handler-threw');
    expect(r.json.counterexample.stack).toMatch(/thrower\.ts:17:\d+/);
    expect(r.json.counterexample.faults).toHaveLength(1);
    const table = await cli(['check', `./${rel('thrower.ts')}`, '--runs', '300', '--seed', '1']);
    expect(table.stdout).toMatch(/handler threw at t=[\d.]+ ms on a while handling timer "tick": state lost after restart/);
    expect(table.stdout).toMatch(/at .*thrower\.ts:17/);
  }, 120_000);
});
