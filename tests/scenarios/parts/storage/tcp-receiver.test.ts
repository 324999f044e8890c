import { describe, expect, it } from 'vitest';
import { type Fault, Simulation } from '../../../../engine/index.ts';
import { TcpReceiver } from '../../../../scenarios/parts/storage/tcp-receiver.ts';

/**
 * a sends `sends` (objects, in order, 1 ms apart from t=10) to b over a 5 ms link; `faults`
 * may degrade it. Returns what b's TcpReceiver handed on, in delivery order, and what it dropped.
 */
function receive(sends: object[], faults: Fault[] = []): { handed: unknown[]; dropped: number } {
  const sim = new Simulation({ seed: 3, network: { latency: { kind: 'constant', ms: 5 } } });
  const handed: unknown[] = [];
  let dropped = 0;
  sim.addNode('a', (ctx) => {
    for (let i = 0; i < sends.length; i++) ctx.setTimer(10 + i, sends[i]!);
    return { onTimer: (msg) => ctx.send('b', msg) };
  });
  sim.addNode('b', (ctx) => {
    const transport = new TcpReceiver(ctx);
    return {
      onMessage: (_from, msg) => {
        if (transport.firstDelivery()) handed.push(msg);
        dropped = transport.dropped;
      },
    };
  });
  sim.schedulePlan(faults);
  sim.run();
  return { handed, dropped };
}

describe('TcpReceiver', () => {
  it('hands a message the network duplicates to the server once', () => {
    const request = { type: 'db', id: 1 };
    const { handed, dropped } = receive([request], [{ at: 0, kind: 'degrade', duplicateRate: 1 }]);
    expect(handed).toEqual([request]);
    expect(dropped).toBe(1);
  });

  it('hands on a message sent twice, and a new request with the same content: each is a message of its own', () => {
    const request = { type: 'db', id: 1 };
    const { handed, dropped } = receive([request, request, { type: 'db', id: 1 }]);
    expect(handed).toEqual([request, request, { type: 'db', id: 1 }]);
    expect(dropped).toBe(0);
  });

  it('gives a restarted server the next copy of a duplicated message as new (its connections are new)', () => {
    const request = { type: 'db', id: 2 };
    // Both copies arrive at t=15; a crash between them is not possible at one instant, so the
    // duplicate is made to arrive later by reordering (held back by twice a latency draw).
    const { handed } = receive(
      [request],
      [
        { at: 0, kind: 'degrade', duplicateRate: 1, reorderRate: 1 },
        { at: 16, kind: 'crash', node: 'b' },
        { at: 17, kind: 'restart', node: 'b' },
      ],
    );
    expect(handed).toEqual([request, request]);
  });
});
