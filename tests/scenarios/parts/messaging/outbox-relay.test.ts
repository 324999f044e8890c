import { describe, expect, it } from 'vitest';
import { type FaultPlan, Simulation } from '../../../../engine/index.ts';
import { OutboxRelay } from '../../../../scenarios/parts/messaging/outbox-relay.ts';
import type { Publish, Published } from '../../../../scenarios/parts/messaging/queue-broker.ts';
import { isRequest, type Request, RequestClient, reply } from '../../../../scenarios/parts/resilience/request-client.ts';
import { TransactionalStore } from '../../../../scenarios/parts/storage/transactional-store.ts';

interface Rig {
  sim: Simulation;
  /** Event ids the broker stored, in arrival order (duplicates included). */
  published: string[];
  db: () => TransactionalStore;
}

const BROKER = 1;

/**
 * A service that commits a counter change and an outbox event at each of `commitsAt`, then
 * crosses the crash point `committed` before waking its relay; and a broker that confirms
 * every publish.
 */
function rig(commitsAt: number[], faults: FaultPlan = []): Rig {
  const sim = new Simulation({ seed: 5, network: { latency: { kind: 'constant', ms: 1 } } });
  const published: string[] = [];
  sim.addNode('service', (ctx) => {
    const db = new TransactionalStore(ctx.disk, 'svc');
    const publisher = new RequestClient<Publish<number>, Published>(ctx, {
      timeoutMs: 10,
      attemptsMax: Number.POSITIVE_INFINITY,
      backoff: { baseMs: 5, factor: 2, capMs: 20, jitter: 'none' },
    });
    const relay = new OutboxRelay<number>(ctx, db, publisher, { broker: BROKER, pollMs: 2 });
    commitsAt.forEach((t, i) => {
      if (t >= ctx.now && db.table('outbox').length <= i) ctx.setTimer(t - ctx.now, i);
    });
    return {
      onMessage: (from, msg) => {
        publisher.onMessage(from, msg);
      },
      onTimer: (tag) => {
        if (publisher.onTimer(tag) || relay.onTimer(tag)) return;
        const i = tag as number;
        db.commitLocalWith(db.nextTxId(), [{ key: 'count', value: i + 1 }], [relay.entry('events', `e${i + 1}`, i + 1)]);
        ctx.disk.force();
        ctx.crashPoint('committed');
        relay.wake();
      },
    };
  });
  sim.addNode('broker', (ctx) => ({
    onMessage(from, msg) {
      if (!isRequest(msg)) return;
      const body = (msg as Request<Publish>).body;
      published.push(body.id);
      reply(ctx, from, msg, { op: 'published', id: body.id } satisfies Published);
    },
  }));
  sim.schedulePlan(faults);
  return { sim, published, db: () => new TransactionalStore(sim.disk(0), 'svc') };
}

describe('Outbox relay', () => {
  it('publishes every committed event, in commit order, and advances its cursor', () => {
    const r = rig([0, 1, 2]);

    r.sim.run();

    expect(r.published).toEqual(['e1', 'e2', 'e3']);
    expect(r.db().read('outbox:relayed')).toBe(3);
  });

  it('publishes an event committed just before a crash once the service restarts', () => {
    const r = rig(
      [0],
      [
        { at: 0, kind: 'crash', node: 'service', when: 'committed' },
        { at: 50, kind: 'restart', node: 'service' },
      ],
    );

    r.sim.run();

    expect(r.db().read('count')).toBe(1);
    expect(r.published).toEqual(['e1']);
  });

  it('publishes again an event whose confirm came just before a crash (at least once)', () => {
    const r = rig(
      [0, 10],
      [
        { at: 0, kind: 'crash', node: 'service', when: 'outbox-published' },
        { at: 50, kind: 'restart', node: 'service' },
      ],
    );

    r.sim.run();

    expect(r.published).toEqual(['e1', 'e1']);
  });

  it('keeps publishing until the broker confirms', () => {
    const r = rig(
      [0],
      [
        { at: 0, kind: 'crash', node: 'broker' },
        { at: 40, kind: 'restart', node: 'broker' },
      ],
    );

    r.sim.run();

    expect(r.published).toEqual(['e1']);
    expect(r.db().read('outbox:relayed')).toBe(1);
  });

  it('writes no event when the state change does not commit', () => {
    const sim = new Simulation({ seed: 1 });
    let entries = -1;
    sim.addNode('service', (ctx) => {
      const db = new TransactionalStore(ctx.disk, 'svc');
      const publisher = new RequestClient<Publish<number>, Published>(ctx, {
        timeoutMs: 10,
        attemptsMax: 1,
        backoff: { baseMs: 1, factor: 1, capMs: 1, jitter: 'none' },
      });
      const relay = new OutboxRelay<number>(ctx, db, publisher, { broker: 0, pollMs: 1 });
      db.lockAll('someone-else', ['count']);
      db.commitLocalWith(db.nextTxId(), [{ key: 'count', value: 1 }], [relay.entry('events', 'e1', 1)]);
      entries = relay.backlog;
      return {};
    });

    sim.run();

    expect(entries).toBe(0);
  });
});
