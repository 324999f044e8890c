import { describe, expect, it } from 'vitest';
import { type NodeContext, Simulation } from '../../../../engine/index.ts';
import { type AppMessage, openLoopClients, type RequestOutcome } from '../../../../scenarios/parts/workload/open-loop-clients.ts';
import type { Request } from '../../../../scenarios/parts/workload/workload.ts';

const request = (id: number, atMs: number): Request => ({ id, atMs, app: 0, key: 'k0', rank: 0, kind: 'read' });

/** Clients in front of one app that answers each attempt as `answer` says (null: never answers). */
function harness(requests: Request[], answer: (attempt: number) => boolean | null, retries = 2) {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
  const outcomes: RequestOutcome[] = [];
  const attemptsSeen: number[] = [];
  sim.addNode(
    'clients',
    openLoopClients({
      requests,
      apps: [1],
      timeoutMs: 50,
      retries,
      backoff: { baseMs: 10, factor: 2, capMs: 100, jitter: 'none' },
      log: { finished: (o) => outcomes.push(o) },
      burstSpec: { ratePerMs: 1, keys: 4, zipfS: 0, writeFraction: 0, apps: 1 },
    }),
  );
  sim.addNode<AppMessage>('app', (ctx: NodeContext<AppMessage>) => ({
    onMessage(from, msg) {
      if (msg.type !== 'req') return;
      attemptsSeen.push(msg.attempt);
      const ok = answer(msg.attempt);
      if (ok !== null) ctx.send(from, { type: 'res', id: msg.id, attempt: msg.attempt, ok });
    },
  }));
  return { sim, outcomes, attemptsSeen };
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
});
