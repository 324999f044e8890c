import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, shellWords } from './cli.ts';

interface RunJson {
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: unknown[];
  simTimeMs: number;
  events: number;
  traceEvents: number;
  traceHash: string;
  ok: boolean;
  metrics: Record<string, number>;
  invariants: { name: string; ok: boolean; violations: { time: number; node: string | null; message: string }[] }[];
  replay: string;
  url: string;
  trace: { file: string; format: string; lines: number } | null;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'faultline-run-'));
let first: RunJson;

beforeAll(async () => {
  first = (await cliJson<RunJson>(['run', 'two-phase-commit', '--seed', '7', '--param', 'participants=4', '--json'])).json;
});

describe.concurrent('faultline run', () => {
  it('prints the run as one JSON object with the documented fields', () => {
    expect(first).toMatchObject({ scenario: 'two-phase-commit', strategy: 'durable-log', seed: 7, ok: true });
    expect(first.params.participants).toBe(4);
    expect(first.faults.length).toBeGreaterThan(0);
    expect(first.simTimeMs).toBeGreaterThan(0);
    expect(first.events).toBeGreaterThan(0);
    expect(first.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof first.metrics.committed).toBe('number');
    expect(first.invariants.map((i) => i.name)).toContain('atomicity');
    expect(first.invariants[0]).toMatchObject({ name: expect.any(String), ok: true, violations: [] });
  });

  it('prints a replay command that reproduces the trace hash', async () => {
    const words = await shellWords(first.replay);
    expect(words.slice(0, 3)).toEqual(['faultline', 'run', 'two-phase-commit']);
    expect(words).toContain('--seed');
    expect(words).toContain('participants=4');

    const replayed = await cliJson<RunJson>([...words.slice(1), '--json']);

    expect(replayed.json.traceHash).toBe(first.traceHash);
  });

  it('exits 1 and reports the violation when an invariant breaks', async () => {
    // The coordinator decides COMMIT, tells one participant and crashes; in memory, it forgets.
    const { code, json } = await cliJson<RunJson>([
      'run',
      'two-phase-commit',
      '--strategy',
      'in-memory',
      '--preset',
      'coordinator-crash-after-decision',
      '--seed',
      '1',
      '--json',
    ]);

    expect(code).toBe(1);
    expect(json.ok).toBe(false);
    const broken = json.invariants.filter((i) => !i.ok);
    expect(broken.length).toBeGreaterThan(0);
    expect(broken[0]!.violations[0]).toMatchObject({ time: expect.any(Number), message: expect.any(String) });
  });

  it('writes every trace event as one JSON line with --trace, and gives the same trace hash when run again', async () => {
    const file = path.join(dir, 'run.ndjson');
    const { json } = await cliJson<RunJson>(['run', 'two-phase-commit', '--seed', '7', '--param', 'participants=4', '--trace', file, '--json']);

    expect(json.traceHash).toBe(first.traceHash);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(json.traceEvents + 1);
    const events = lines.slice(0, -1).map((l) => JSON.parse(l) as { type: string; t: number });
    expect(events.every((e) => typeof e.type === 'string' && e.type !== 'trace-end' && typeof e.t === 'number')).toBe(true);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ type: 'trace-end', t: json.simTimeMs, events: json.traceEvents, traceHash: json.traceHash });
    expect(json.trace).toEqual({ file, format: 'ndjson', lines: json.traceEvents });
  });

  it('writes a ShiViz log whose every entry parses with the regex on its first line', async () => {
    const file = path.join(dir, 'run.shiviz.log');
    await cli(['run', 'two-phase-commit', '--seed', '7', '--trace', file, '--trace-format', 'shiviz', '--json']);

    const [regexLine, delimiter, ...entries] = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(entries.at(-1)).toMatch(/^trace-end \{"trace-end":1\} \[t=[\d.]+ ms\] end of trace: \d+ entries, trace hash [0-9a-f]+$/);
    expect(delimiter).toBe('');
    const regex = new RegExp(`^${regexLine}$`);
    const own = new Map<string, number>();
    for (const entry of entries) {
      const m = regex.exec(entry);
      expect(m, entry).not.toBeNull();
      const { host, clock } = m!.groups!;
      const vc = JSON.parse(clock!) as Record<string, number>;
      // ShiViz's rule: a host's own entry starts at 1 and grows by one per event.
      expect(vc[host!]).toBe((own.get(host!) ?? 0) + 1);
      own.set(host!, vc[host!]!);
    }
    expect(entries.some((e) => / deliver #/.test(e))).toBe(true);
  });

  it('without --seed or --json: picks a seed and says which, narrates key moments on stderr, prints a table on stdout', async () => {
    const { code, stdout, stderr } = await cli(['run', 'two-phase-commit']);

    expect(code).toBe(0);
    const seed = /seed (\d+) \(picked at random/.exec(stderr)?.[1];
    expect(seed).toBeDefined();
    expect(stdout).toContain(`--seed ${seed}`);
    expect(stdout).toContain('invariant');
    expect(stdout).toMatch(/replay: (npx )?faultline run two-phase-commit/);
    expect(stderr).toContain('key moments');
    expect(stderr).toMatch(/\n +[\d,.]+ ms +coordinator +\S/);
  });
});
