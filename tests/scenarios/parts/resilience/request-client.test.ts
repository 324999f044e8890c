import { describe, expect, it } from 'vitest';
import { type NodeContext, Simulation } from '../../../../engine/index.ts';
import { isRequest, type Request, RequestClient, type RetryPolicy, reply } from '../../../../scenarios/parts/resilience/request-client.ts';

const policy: RetryPolicy = { timeoutMs: 10, attemptsMax: 5, backoff: { baseMs: 4, factor: 2, capMs: 100, jitter: 'none' } };

interface Rig {
  sim: Simulation;
  /** Requests the server received, in order, with their arrival times. */
  received: { t: number; request: Request }[];
  replies: { t: number; body: unknown }[];
  gaveUp: number[];
  client: () => RequestClient<string, string>;
  callAt(atMs: number, body: string, key?: string): void;
}

/** A client and a server that ignores the first `ignore` requests it gets, then answers each with "ok <body>". */
function rig(ignore: number, retry: RetryPolicy = policy): Rig {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
  const received: Rig['received'] = [];
  const replies: Rig['replies'] = [];
  const gaveUp: number[] = [];
  let current: RequestClient<string, string> | null = null;
  let ctxNow: NodeContext<unknown> | null = null;
  sim.addNode('client', (ctx) => {
    ctxNow = ctx;
    current = new RequestClient<string, string>(ctx, retry);
    const mine = current;
    return {
      onMessage: (from, msg) => {
        mine.onMessage(from, msg);
      },
      onTimer: (tag) => {
        mine.onTimer(tag);
      },
    };
  });
  sim.addNode('server', (ctx) => ({
    onMessage(from, msg) {
      if (!isRequest(msg)) return;
      received.push({ t: ctx.now, request: msg });
      if (received.length > ignore) reply(ctx, from, msg, `ok ${msg.body as string}`);
    },
  }));
  return {
    sim,
    received,
    replies,
    gaveUp,
    client: () => current!,
    callAt(atMs, body, key) {
      sim.at(atMs, () => {
        const c = current!;
        const at = ctxNow!;
        c.call(1, body, (answer) => replies.push({ t: at.now, body: answer }), { key, onGiveUp: () => gaveUp.push(at.now) });
      });
    },
  };
}

describe('RequestClient', () => {
  it('delivers the reply of a request answered at once', () => {
    const r = rig(0);
    r.callAt(0, 'charge');

    r.sim.run();

    expect(r.replies).toEqual([{ t: 2, body: 'ok charge' }]);
    expect(r.received).toHaveLength(1);
  });

  it('retries after each timeout, waiting an exponentially growing backoff', () => {
    const r = rig(3);
    r.callAt(0, 'charge');

    r.sim.run();

    // Attempt k times out 10 ms after it is sent, then waits 4, 8, 16 ms before the next.
    expect(r.received.map((x) => x.t)).toEqual([1, 1 + 10 + 4, 15 + 10 + 8, 33 + 10 + 16]);
    expect(r.replies).toHaveLength(1);
    expect(r.client().retries).toBe(3);
  });

  it('sends every attempt of a call with the same request id and idempotency key', () => {
    const r = rig(2);
    r.callAt(0, 'charge', 'o1:charge');

    r.sim.run();

    expect(new Set(r.received.map((x) => x.request.rid)).size).toBe(1);
    expect(r.received.map((x) => x.request.key)).toEqual(['o1:charge', 'o1:charge', 'o1:charge']);
  });

  it('gives up after attemptsMax attempts and says so', () => {
    const r = rig(Number.POSITIVE_INFINITY, { ...policy, attemptsMax: 3 });
    r.callAt(0, 'charge');

    r.sim.run();

    expect(r.received).toHaveLength(3);
    expect(r.gaveUp).toHaveLength(1);
    expect(r.replies).toHaveLength(0);
  });

  it('hands a call its first reply only, ignoring the answers to earlier attempts that arrive late', () => {
    const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 8 } } });
    const replies: string[] = [];
    let client: RequestClient<string, string> | null = null;
    sim.addNode('client', (ctx) => {
      client = new RequestClient<string, string>(ctx, { ...policy, timeoutMs: 5 });
      ctx.setTimer(0, 'go');
      return {
        onMessage: (from, msg) => {
          client!.onMessage(from, msg);
        },
        onTimer: (tag) => {
          if (tag === 'go') client!.call(1, 'x', (a) => replies.push(a));
          else client!.onTimer(tag);
        },
      };
    });
    sim.addNode('server', (ctx) => ({ onMessage: (from, msg) => (isRequest(msg) ? reply(ctx, from, msg, 'done') : undefined) }));

    sim.run();

    expect(replies).toEqual(['done']);
    expect(client!.inFlight).toBe(0);
  });

  it('forgets its calls in a crash, and ignores replies meant for the crashed incarnation', () => {
    const r = rig(0);
    r.callAt(0, 'charge');
    r.sim.schedulePlan([
      { at: 0.5, kind: 'crash', node: 'client' },
      { at: 1.5, kind: 'restart', node: 'client' },
    ]);

    r.sim.run();

    expect(r.received).toHaveLength(1);
    expect(r.replies).toHaveLength(0);
    expect(r.client().inFlight).toBe(0);
  });

  it('does not claim messages and timers that are not its own', () => {
    const r = rig(0);
    r.sim.start();

    expect(r.client().onMessage(1, { type: 'reply', rid: 'someone-else/1', body: 1 })).toBe(false);
    expect(r.client().onTimer({ kind: 'request-timeout', client: 'other', rid: 'x' })).toBe(false);
    expect(r.client().onTimer('tick')).toBe(false);
  });
});
