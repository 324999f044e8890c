import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeScenario, findScenario, runScenario, scenarios } from '../../scenarios/index.ts';
import { type RunningServer, startServer } from '../../server/index.ts';
import { postRun } from './server-fixtures.ts';

let server: RunningServer;
let tight: RunningServer;
let narrow: RunningServer;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false });
  tight = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, limits: { traceEventsMax: 500, bodyBytesMax: 2048 } });
  narrow = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, limits: { runsPerClientMax: 1 } });
});

afterAll(async () => {
  await server.close();
  await tight.close();
  await narrow.close();
});

const PREPARE_CRASH = { scenario: 'two-phase-commit', strategy: 'in-memory', seed: 7, preset: 'coordinator-crash-after-prepare' };

describe('GET /api/scenarios', () => {
  it('lists every registered scenario as faultline list --json describes it', async () => {
    const res = await fetch(`${server.url}/api/scenarios`);

    const body = (await res.json()) as { scenarios: unknown[] };

    expect(res.status).toBe(200);
    expect(body.scenarios).toEqual(JSON.parse(JSON.stringify(scenarios.map(describeScenario))));
  });

  it('answers one scenario by id, and 404 with the known ids for an unknown one', async () => {
    const ok = await fetch(`${server.url}/api/scenarios/two-phase-commit`);
    const missing = await fetch(`${server.url}/api/scenarios/nope`);

    expect(((await ok.json()) as { id: string }).id).toBe('two-phase-commit');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('two-phase-commit');
  });
});

describe('POST /api/runs', () => {
  it('runs a scenario off the request thread and reports the trace hash the CLI computes', async () => {
    const { status, body } = await postRun(server.url, PREPARE_CRASH);

    const scenario = findScenario('two-phase-commit');
    const faults = scenario.presets.find((p) => p.id === 'coordinator-crash-after-prepare')!.faults(describeScenario(scenario).defaults);
    const cli = runScenario(scenario, { strategy: 'in-memory', seed: 7, faults, trace: 'hash' });
    const run = body.run as { id: string; traceHash: string; faults: unknown; topology: unknown[]; stats: { states: { label: string }[] } };
    expect(status).toBe(201);
    expect(run.traceHash).toBe(cli.traceHash);
    expect(run.faults).toEqual(faults);
    expect(run.topology.length).toBe(cli.nodes.length);
    expect(run.stats.states.map((s) => s.label)).toContain('in-doubt');
  });

  it('picks a seed when none is given and reports it', async () => {
    const { status, body } = await postRun(server.url, { scenario: 'two-phase-commit' });

    expect(status).toBe(201);
    expect(Number.isSafeInteger((body.run as { seed: number }).seed)).toBe(true);
  });

  it('serves a finished run again by id', async () => {
    const { body } = await postRun(server.url, PREPARE_CRASH);
    const id = (body.run as { id: string }).id;

    const res = await fetch(`${server.url}/api/runs/${id}`);

    expect(((await res.json()) as { run: { id: string } }).run.id).toBe(id);
  });

  it.each([
    [{ scenario: 'nope' }, 'scenario', 'two-phase-commit'],
    [{ scenario: 42 }, 'scenario', 'expected string'],
    [{ scenario: 'two-phase-commit', strategy: 'paxos' }, 'strategy', 'durable-log'],
    [{ scenario: 'two-phase-commit', preset: 'meteor' }, 'preset', 'coordinator-crash-after-prepare'],
    [{ scenario: 'two-phase-commit', params: { participants: 99 } }, 'params', 'an integer from 2 to 8'],
    [{ scenario: 'two-phase-commit', params: { planets: 3 } }, 'params', 'its parameters are'],
    [{ scenario: 'two-phase-commit', faults: [{ at: -5, kind: 'crash', node: 'p1' }] }, 'faults', 'faults[0].at'],
    [{ scenario: 'two-phase-commit', faults: [{ at: 5, kind: 'explode' }] }, 'faults', 'crash, restart'],
    [{ scenario: 'two-phase-commit', faults: [{ at: 5, kind: 'crash', node: 'p9' }] }, 'faults[0]', "node 'p9'"],
    [{ scenario: 'two-phase-commit', faults: [], preset: 'partition' }, 'faults', 'not both'],
    [{ scenario: 'two-phase-commit', seed: -1 }, 'seed', 'non-negative integer'],
    [{ scenario: 'two-phase-commit', seed: 1.5 }, 'seed', 'non-negative integer'],
    [{ scenario: 'two-phase-commit', colour: 'blue' }, 'colour', 'unknown field'],
    [[1, 2, 3], 'body', 'expected object'],
  ])('rejects %j with a 400 that names %s and what is allowed', async (request, field, allowed) => {
    const { status, body } = await postRun(server.url, request);

    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(String(body.message)).toContain(allowed);
  });

  it('rejects a malformed JSON body with a 400 that says so', async () => {
    const res = await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"scenario":42' });

    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('rejects a body that is not JSON with a 415', async () => {
    const res = await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'scenario=two-phase-commit' });

    expect(res.status).toBe(415);
  });

  it('rejects a body over the size limit with a 413', async () => {
    const res = await fetch(`${tight.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: 'two-phase-commit', params: { padding: 'x'.repeat(4096) } }),
    });

    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toContain('2048 bytes');
  });

  it('stops a run past the events-per-run limit with a 422 that says why', async () => {
    const { status, body } = await postRun(tight.url, { scenario: 'two-phase-commit', seed: 1 });

    expect(status).toBe(422);
    expect(String(body.message)).toContain('500 trace events');
  });

  it('refuses a client more concurrent runs than allowed with a 429', async () => {
    const big = { scenario: 'two-phase-commit', seed: 1, params: { transfers: 400, workloadMs: 20_000 } };

    const answers = await Promise.all([postRun(narrow.url, big), postRun(narrow.url, big), postRun(narrow.url, big)]);

    expect(answers.map((a) => a.status)).toContain(429);
    expect(String(answers.find((a) => a.status === 429)!.body.message)).toContain('limit');
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await fetch(`${server.url}/api/nothing`);

    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('not-found');
  });
});

describe('security headers', () => {
  it('sends a CSP that allows only its own scripts and workers, and nosniff', async () => {
    const res = await fetch(`${server.url}/api/scenarios`);

    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("worker-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('binds to the host it is given', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });
});
