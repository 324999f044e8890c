import { describe, expect, it } from 'vitest';
import { type FaultPlan, Simulation } from '../../../../engine/index.ts';
import { ack, type Delivery, isDelivery, nack, type QueueSpec, queueBroker, queueOnDisk } from '../../../../scenarios/parts/messaging/queue-broker.ts';
import { RequestClient } from '../../../../scenarios/parts/resilience/request-client.ts';

type Verdict = 'ack' | 'nack' | 'ignore';

interface Rig {
  sim: Simulation;
  /** Deliveries the consumer saw: message id and attempt. */
  seen: { t: number; id: string; attempt: number }[];
  confirmed: string[];
  queue: () => ReturnType<typeof queueOnDisk>;
}

const BROKER = 1;

/** A publisher publishing `ids` at 1 ms apart, a broker with one queue, and a consumer that answers each delivery as `decide` says. */
function rig(ids: string[], decide: (d: Delivery) => Verdict, spec: Partial<QueueSpec> = {}, faults: FaultPlan = []): Rig {
  const sim = new Simulation({ seed: 3, network: { latency: { kind: 'constant', ms: 1 } } });
  const queue: QueueSpec = {
    name: 'work',
    consumer: 'consumer',
    prefetch: 1,
    visibilityTimeoutMs: 50,
    maxDeliveries: 3,
    retryBackoff: { baseMs: 10, factor: 2, capMs: 100, jitter: 'none' },
    ...spec,
  };
  const seen: Rig['seen'] = [];
  const confirmed: string[] = [];
  sim.addNode('publisher', (ctx) => {
    const client = new RequestClient(ctx, {
      timeoutMs: 20,
      attemptsMax: Number.POSITIVE_INFINITY,
      backoff: { baseMs: 5, factor: 2, capMs: 40, jitter: 'none' },
    });
    ids.forEach((_, i) => {
      ctx.setTimer(i, i);
    });
    return {
      onMessage: (from, msg) => {
        client.onMessage(from, msg);
      },
      onTimer: (tag) => {
        if (client.onTimer(tag)) return;
        const id = ids[tag as number]!;
        client.call(BROKER, { op: 'publish', topic: 'jobs', id, body: id }, () => confirmed.push(id));
      },
    };
  });
  sim.addNode('broker', queueBroker({ queues: [queue], routes: { jobs: ['work'] } }));
  sim.addNode('consumer', (ctx) => ({
    onMessage(_from, msg) {
      if (!isDelivery(msg)) return;
      seen.push({ t: ctx.now, id: msg.id, attempt: msg.attempt });
      const verdict = decide(msg);
      if (verdict === 'ack') ack(ctx, BROKER, msg);
      else if (verdict === 'nack') nack(ctx, BROKER, msg, 'cannot process');
    },
  }));
  sim.schedulePlan(faults);
  return { sim, seen, confirmed, queue: () => queueOnDisk(sim.disk(BROKER), queue) };
}

describe('Queue broker', () => {
  it('confirms each publish and delivers the messages in order', () => {
    const r = rig(['a', 'b', 'c'], () => 'ack');

    r.sim.run();

    expect(r.confirmed).toEqual(['a', 'b', 'c']);
    expect(r.seen.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(r.queue().depth).toBe(0);
  });

  it('delivers an unacknowledged message again after the visibility timeout', () => {
    let first = true;
    const r = rig(['a'], () => {
      const v = first ? 'ignore' : 'ack';
      first = false;
      return v;
    });

    r.sim.run();

    expect(r.seen.map((s) => s.attempt)).toEqual([1, 2]);
    expect(r.seen[1]!.t - r.seen[0]!.t).toBe(50);
  });

  it('retries a failed message after a growing backoff and then parks it in the dead-letter queue', () => {
    const r = rig(['poison', 'b'], (d) => (d.id === 'poison' ? 'nack' : 'ack'));

    r.sim.run();

    const poison = r.seen.filter((s) => s.id === 'poison');
    expect(poison.map((s) => s.attempt)).toEqual([1, 2, 3]);
    // Each retry waits the backoff (10, then 20 ms) plus the nack's and the delivery's 1 ms trips.
    expect([poison[1]!.t - poison[0]!.t, poison[2]!.t - poison[1]!.t]).toEqual([12, 22]);
    expect(r.queue().parked.map((m) => m.id)).toEqual(['poison']);
    expect(r.seen.at(-1)?.id).toBe('b');
  });

  it('keeps every later message waiting behind a failing one when it never parks', () => {
    const r = rig(['poison', 'b', 'c'], (d) => (d.id === 'poison' ? 'nack' : 'ack'), { maxDeliveries: Number.POSITIVE_INFINITY });

    r.sim.run({ untilMs: 2000 });

    expect(r.seen.some((s) => s.id !== 'poison')).toBe(false);
    expect(r.queue().depth).toBe(3);
  });

  it('lets other messages past a failing one within the prefetch window', () => {
    const r = rig(['poison', 'b', 'c'], (d) => (d.id === 'poison' ? 'nack' : 'ack'), { prefetch: 2, maxDeliveries: Number.POSITIVE_INFINITY });

    r.sim.run({ untilMs: 2000 });

    expect(r.seen.filter((s) => s.id !== 'poison').map((s) => s.id)).toEqual(['b', 'c']);
  });

  it('keeps its queues through a crash and delivers every unacknowledged message again after the restart', () => {
    const acked = new Set<string>();
    const r = rig(
      ['a', 'b'],
      (d) => {
        // The consumer processes but its acks are lost while the broker is down.
        acked.add(d.id);
        return 'ack';
      },
      {},
      [
        { at: 1.5, kind: 'crash', node: 'broker' },
        { at: 30, kind: 'restart', node: 'broker' },
      ],
    );

    r.sim.run();

    expect(r.seen.filter((s) => s.id === 'a').length).toBe(2);
    expect(r.queue().depth).toBe(0);
    expect(r.confirmed).toContain('b');
  });

  it('stores a message twice when its confirm is lost and the publisher publishes again', () => {
    const r = rig(['a'], () => 'ack', {}, [
      { at: 0, kind: 'partition', groups: [['broker']], oneWay: true },
      { at: 10, kind: 'heal' },
    ]);

    r.sim.run();

    expect(r.queue().all.map((m) => m.id)).toEqual(['a', 'a']);
    expect(r.seen.map((s) => s.id)).toEqual(['a', 'a']);
  });
});
