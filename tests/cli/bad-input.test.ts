/**
 * Bad input of every kind exits with code 2, names the bad value (and what is allowed) on
 * stderr, and with --json still prints one JSON object: `{"error": {...}}`. A few kinds run
 * the real command in a child process; the others run the same `runCli` in-process (a spawn
 * costs a second or more of start-up each).
 */
import { describe, expect, it } from 'vitest';
import { type CliResult, cli } from './cli.ts';
import { runInProcess } from './in-process.ts';

interface Case {
  what: string;
  args: string[];
  says: string[];
}

const spawned: Case[] = [
  { what: 'an unknown scenario', args: ['run', 'no-such-scenario'], says: ["'no-such-scenario'", 'two-phase-commit'] },
  { what: 'a fault plan that is not JSON', args: ['run', 'two-phase-commit', '--faults', '{broken'], says: ['not valid JSON'] },
  { what: 'a shard index past the count', args: ['check', 'two-phase-commit', '--shard', '3/2'], says: ["'3/2'", 'I/N'] },
];

const inProcess: Case[] = [
  { what: 'an unknown command', args: ['frobnicate'], says: ["'frobnicate'"] },
  { what: 'an unknown parameter', args: ['run', 'two-phase-commit', '--param', 'noSuchParam=1'], says: ["'noSuchParam'", 'participants'] },
  { what: 'an unknown strategy', args: ['run', 'two-phase-commit', '--strategy', 'no-such-strategy'], says: ["'no-such-strategy'", 'durable-log'] },
  { what: 'an unknown preset', args: ['run', 'two-phase-commit', '--preset', 'nope'], says: ["'nope'", 'partition'] },
  { what: 'a parameter out of bounds', args: ['run', 'two-phase-commit', '--param', 'participants=99'], says: ["'participants'", 'from 2 to 8'] },
  {
    what: 'a parameter of the wrong type',
    args: ['compare', 'two-phase-commit', '--strategies', 'saga,cooperative', '--param', 'participants=lots'],
    says: ["'participants'", 'integer'],
  },
  { what: 'a parameter without a value', args: ['check', 'two-phase-commit', '--param', 'participants'], says: ["'participants'", 'key=value'] },
  { what: 'an unknown fault kind', args: ['run', 'two-phase-commit', '--faults', '[{"at":1,"kind":"explode"}]'], says: ['faults[0].kind', 'crash'] },
  {
    what: 'a fault at a negative time',
    args: ['compare', 'two-phase-commit', '--strategies', 'saga,cooperative', '--faults', '[{"at":-1,"kind":"heal"}]'],
    says: ['faults[0].at'],
  },
  {
    what: 'a fault naming an unknown node',
    args: ['run', 'two-phase-commit', '--seed', '1', '--faults', '[{"at":1,"kind":"crash","node":"p9"}]'],
    says: ["'p9'", 'coordinator'],
  },
  { what: 'a fault file that does not exist', args: ['run', 'two-phase-commit', '--faults', 'no-such-plan.json'], says: ["'no-such-plan.json'"] },
  { what: 'both --preset and --faults', args: ['run', 'two-phase-commit', '--preset', 'partition', '--faults', '[]'], says: ['alternatives'] },
  { what: 'a seed that is not an integer', args: ['run', 'two-phase-commit', '--seed', '7x'], says: ["'7x'", 'integer'] },
  { what: 'a negative seed', args: ['check', 'two-phase-commit', '--seed', '-1'], says: ["'-1'"] },
  { what: 'an unknown trace format', args: ['run', 'two-phase-commit', '--trace', 'x.log', '--trace-format', 'xml'], says: ["'xml'", 'ndjson'] },
  {
    what: 'a trace file that cannot be written',
    args: ['run', 'two-phase-commit', '--seed', '1', '--trace', '/no/such/dir/t.ndjson'],
    says: ["'/no/such/dir/t.ndjson'"],
  },
  { what: 'a shard spec that is not I/N', args: ['check', 'two-phase-commit', '--shard', 'first'], says: ["'first'", 'I/N'] },
  { what: 'zero runs', args: ['check', 'two-phase-commit', '--runs', '0'], says: ["'0'", '--runs'] },
  { what: 'a worker count that is not a number', args: ['check', 'two-phase-commit', '--workers', 'many'], says: ["'many'", '--workers'] },
  { what: 'both --all and --strategy', args: ['check', 'two-phase-commit', '--all', '--strategy', 'saga'], says: ['alternatives'] },
  { what: 'an unknown strategy to check', args: ['check', 'two-phase-commit', '--strategy', 'nope'], says: ["'nope'"] },
  { what: 'a single strategy to compare', args: ['compare', 'two-phase-commit', '--strategies', 'saga'], says: ['at least two'] },
  { what: 'an unknown strategy to compare', args: ['compare', 'two-phase-commit', '--strategies', 'saga,nope'], says: ["'nope'"] },
  { what: 'one seed to compare', args: ['compare', 'two-phase-commit', '--strategies', 'saga,durable-log', '--seeds', '1'], says: ["'1'", '--seeds'] },
  { what: 'a shard file that does not exist', args: ['merge', 'no-such-shard.json'], says: ["'no-such-shard.json'"] },
  { what: 'a port out of range', args: ['serve', '--port', '99999'], says: ["'99999'", '65,535'] },
  { what: 'an unknown option', args: ['run', 'two-phase-commit', '--sed', '7'], says: ["'--sed'"] },
  { what: 'a missing scenario argument', args: ['check'], says: ["'scenario'"] },
];

function expectBadInput({ code, stdout, stderr }: CliResult, says: readonly string[]): void {
  expect(code).toBe(2);
  for (const text of says) expect(stderr).toContain(text);
  expect(JSON.parse(stdout)).toMatchObject({ error: { kind: 'bad-input', message: expect.any(String) } });
}

describe.concurrent('bad input exits 2 with a message naming it (the real command)', () => {
  it.each(spawned)('$what', async ({ args, says }) => {
    expectBadInput(await cli([...args, '--json']), says);
  });
});

describe('bad input exits 2 with a message naming it (in-process)', () => {
  it.each(inProcess)('$what', async ({ args, says }) => {
    expectBadInput(await runInProcess([...args, '--json']), says);
  });
});
