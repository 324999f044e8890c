import { describe, expect, it } from 'vitest';
import { Simulation, type Spawn } from '../../../../engine/index.ts';
import { type AppMessage, type AppRequest, openLoopClients, type RequestOutcome } from '../../../../scenarios/parts/workload/open-loop-clients.ts';
import type { Request } from '../../../../scenarios/parts/workload/workload.ts';

const request = (id: number, atMs: number): Request => ({ id, atMs, app: 0, key: 'k0', rank: 0, kind: 'read' });

/** Clients in front of one app that answers each attempt as `answer` says (null: never answers). */
function harness(requests: Request[], answer: (attempt: number) => boolean | null, retries = 2) {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
  const outcomes: RequestOutcome[] = [];
  const attemptsSeen: number[] = [];
  const seen: AppRequest[] = [];
  sim.addNode(
    'clients',
    openLoopClients({
      requests,
      apps: ['app'],
      timeoutMs: 50,
      retries,
      backoff: { baseMs: 10, factor: 2, capMs: 100, jitter: 'none' },
      log: { finished: (o) => outcomes.push(o) },
      burstSpec: { ratePerMs: 1, keys: 4, zipfS: 0, writeFraction: 0, apps: 1 },
    }),
  );
  const app: Spawn<AppMessage> = (ctx) => ({
    onMessage(from, msg) {
      if (msg.type !== 'req') return;
      attemptsSeen.push(msg.attempt);
      seen.push(msg);
      const ok = answer(msg.attempt);
      if (ok !== null) ctx.send(from, { type: 'res', id: msg.id, attempt: msg.attempt, ok });
    },
  });
  sim.addNode('app', app);
  return { sim, outcomes, attemptsSeen, seen };
}

describe('open-loop clients', () => {
  it('send each request at its arrival time, whether or not earlier ones were answered', () => {
    const { sim, attemptsSeen } = harness([request(1, 0), request(2, 5), request(3, 10)], () => null, 0);

    sim.run({ untilMs: 12 });

    expect(attemptsSeen).toEqual([1, 1, 1]);
  });

  it('retry a failed attempt after the backoff, up to `retries` times, then give up', () => {
    const { sim, outcomes, attemptsSeen } = harness([request(1, 0)], () => false, 2);

    sim.run();

    expect(attemptsSeen).toEqual([1, 2, 3]);
    expect(outcomes[0]).toMatchObject({ ok: false, attempts: 3 });
    // 2 ms per round trip, then waits of 10 and 20 ms before the retries.
    expect(outcomes[0]!.latencyMs).toBeCloseTo(2 + 10 + 2 + 20 + 2);
  });

  it('treat a missing answer as a failure after the timeout, and retry', () => {
    const { sim, outcomes } = harness([request(1, 0)], (attempt) => (attempt === 1 ? null : true), 1);

    sim.run();

    expect(outcomes[0]).toMatchObject({ ok: true, attempts: 2 });
    expect(outcomes[0]!.latencyMs).toBeCloseTo(50 + 10 + 2);
  });

  it('add arrivals at (factor - 1) times the base rate during a burst', () => {
    const { sim, attemptsSeen } = harness([], () => true);
    sim.schedulePlan([{ at: 0, kind: 'inject', name: 'burst', node: 'clients', args: { factor: 3, durationMs: 500 } }]);

    sim.run();

    expect(attemptsSeen.length).toBeGreaterThan(800);
    expect(attemptsSeen.length).toBeLessThan(1200);
  });

  it('send a delete with its tombstone, and a write with its own value', () => {
    const { sim, seen } = harness(
      [
        { ...request(1, 0), kind: 'write' },
        { ...request(2, 5), kind: 'delete' },
      ],
      () => true,
    );

    sim.run();

    expect(seen.map((m) => [m.kind, m.value])).toEqual([
      ['write', { w: 1 }],
      ['delete', { w: 2, deleted: true }],
    ]);
  });

  it('read a write back once it is acknowledged, and only then', () => {
    const { sim, seen, outcomes } = harness([{ ...request(1, 0), kind: 'write', readBack: true }], (attempt) => attempt > 1, 1);

    sim.run();

    // The app fails every first attempt: the read-back too is retried, and it comes after the write's success.
    expect(seen.map((m) => [m.kind, m.attempt])).toEqual([
      ['write', 1],
      ['write', 2],
      ['read', 1],
      ['read', 2],
    ]);
    const back = outcomes.find((o) => o.request.readBackOf === 1)!;
    expect(back.request.key).toBe('k0');
    expect(back.startMs).toBe(outcomes.find((o) => o.request.id === 1)!.latencyMs);
  });

  it('do not retry twice when the network duplicates a failed answer', () => {
    const { sim, attemptsSeen } = harness([request(1, 0)], () => false, 1);
    sim.network.degrade(null, null, { duplicateRate: 1 });

    sim.run();

    expect(Math.max(...attemptsSeen)).toBe(2);
  });
});
