/**
 * The producer: the points service, owner of the source of truth. When a user earns or
 * spends points it commits, in one local transaction, the user's new total, a row in the
 * points history and the request's idempotency key (a spend beyond the balance is refused
 * and only the refusal is recorded), forces it as a database forces a commit, and answers
 * the user. Then the event must reach the broker. How is the strategy:
 *
 *  - dual write (no outbox): publish right after the commit, retrying until the broker
 *    confirms. The retry lives in memory, so a crash after the commit and before the confirm
 *    loses the event for good: the source has it, the broker never will — and the user's
 *    retry is answered from the idempotency key, without publishing again.
 *  - outbox: the event is appended to an outbox table in the same transaction, and a relay
 *    publishes it from there, resuming after a crash (at least once).
 *
 * It also answers the reconciler: "every event of your history from position N on", with
 * its own clock's reading so the reconciler can leave the youngest to the broker.
 *
 * Crash points: `committed` (the points are forced to disk, nothing answered or published
 * yet), and the relay's `outbox-published`. Inject `poison`: the next event is published with
 * a payload no consumer can read (a serializer bug); the source row itself is fine.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { OutboxRelay } from '../parts/messaging/outbox-relay.ts';
import type { Publish, Published } from '../parts/messaging/queue-broker.ts';
import { type Request, RequestClient, type RequestObserver, type RetryPolicy, reply } from '../parts/resilience/request-client.ts';
import type { IdempotencyAudit } from '../parts/storage/idempotency-audit.ts';
import { IdempotencyStore, type LocalEffect } from '../parts/storage/idempotency-store.ts';
import { type TableAppend, TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { PointsAudit } from './audit.ts';
import {
  EVENTS_TABLE,
  POINTS_TOPIC,
  type PointsAnswer,
  type PointsEvent,
  type PointsMessage,
  type PointsPayload,
  type PointsRequest,
  type ProducerTimer,
  type SourceAnswer,
  type SourceQuery,
  sourcePointsKey,
} from './messages.ts';

export interface ProducerConfig {
  /** The broker's node name. */
  broker: string;
  outbox: boolean;
  publishPolicy: RetryPolicy;
  relayPollMs: number;
  audit: PointsAudit;
  /** Judges that every request the service answered survives its crashes. */
  answers: IdempotencyAudit;
  requests: RequestObserver;
}

export function producer(config: ProducerConfig): Spawn<PointsMessage, ProducerTimer> {
  return (ctx) => {
    const { audit } = config;
    const broker = ctx.lookup(config.broker);
    const db = new TransactionalStore(ctx.disk, 'points');
    const answered = new IdempotencyStore<PointsAnswer>(db, 'requests');
    const publisher = new RequestClient<Publish<PointsPayload>, Published>(ctx, config.publishPolicy, 'publish', config.requests);
    const relay = config.outbox ? new OutboxRelay<PointsPayload>(ctx, db, publisher, { broker, pollMs: config.relayPollMs }) : null;
    let garbleNext = false;
    if (ctx.incarnation > 0) {
      audit.recovered(ctx.name, (tx) => db.statusOf(tx) === 'committed');
      config.answers.recovered(ctx.name, (_table, key) => answered.has(key));
    }

    const onPoints = (from: NodeId, request: Request, r: PointsRequest): void => {
      // What the transaction committed, if it committed an event (a refused spend commits only its refusal).
      const made: { event?: PointsEvent; payload?: PointsPayload } = {};
      const done = answered.once(r.id, (): LocalEffect<PointsAnswer> => {
        const total = (db.read(sourcePointsKey(r.user)) ?? 0) + r.points;
        if (total < 0) return { writes: [], response: REFUSED };
        const event: PointsEvent = { id: r.id, user: r.user, points: r.points, atMs: ctx.now };
        const payload: PointsPayload = garbleNext ? { garbled: `{"user":${r.user},"points":` } : { user: r.user, points: r.points };
        made.event = event;
        made.payload = payload;
        const appends: TableAppend[] = [{ table: EVENTS_TABLE, record: event }];
        if (relay !== null) appends.push(relay.entry(POINTS_TOPIC, r.id, payload));
        return { writes: [{ key: sourcePointsKey(r.user), value: total }], appends, response: DONE };
      });
      if (done === null) return; // a row was locked: the user's retry will come
      if (done.replayed) return reply(ctx, from, request, done.response);
      const { event: committed, payload: published } = made;
      const poison = published !== undefined && 'garbled' in published;
      // Told before the force: a crash during it must not hide a commit that became durable.
      if (committed !== undefined) audit.committed(committed, poison, done.tx!);
      ctx.disk.force();
      audit.forced(ctx.name);
      if (committed === undefined || published === undefined) {
        ctx.note(() => `points service refuses ${r.id}: user ${r.user} cannot spend ${-r.points} points`);
        reply(ctx, from, request, done.response);
        return config.answers.answered(ctx.name, answered.tableName, r.id);
      }
      garbleNext = false;
      ctx.state('committed', committed.id);
      ctx.crashPoint('committed');
      reply(ctx, from, request, done.response);
      config.answers.answered(ctx.name, answered.tableName, r.id);
      if (relay !== null) return relay.wake();
      publisher.call(broker, { op: 'publish', topic: POINTS_TOPIC, id: committed.id, body: published }, () => {
        ctx.note(() => `the broker confirmed ${committed.id}`);
      });
    };

    const onSourceQuery = (from: NodeId, request: Request, q: SourceQuery): void => {
      const events = db.table<PointsEvent>(EVENTS_TABLE).slice(q.from);
      reply(ctx, from, request, { op: 'source-events', from: q.from, nowMs: ctx.now, events } satisfies SourceAnswer);
    };

    if (ctx.incarnation > 0) {
      ctx.note(
        () =>
          relay !== null
            ? `producer restarts; its relay finds ${relay.backlog} outbox entr${relay.backlog === 1 ? 'y' : 'ies'} not yet confirmed and publishes from there`
            : 'producer restarts; any event it had committed but not yet seen confirmed is gone from its memory and will never be published',
        'key',
      );
    }

    return {
      onMessage(from, msg) {
        if (publisher.onMessage(from, msg) || msg.type !== 'request') return;
        const body = msg.body;
        if (body.op === 'points') onPoints(from, msg, body);
        else if (body.op === 'source-events') onSourceQuery(from, msg, body);
      },
      onTimer(tag) {
        if (!publisher.onTimer(tag)) relay?.onTimer(tag);
      },
      onInject(fault) {
        if (fault.name !== 'poison') return;
        garbleNext = true;
        ctx.note('a serializer bug: the next points event will be published with a payload no consumer can read', 'warn');
      },
    };
  };
}

/** The service's two answers, one object each (answers are recorded with their keys and sent as they are, never changed). */
const DONE: PointsAnswer = { op: 'points', ok: true };
const REFUSED: PointsAnswer = { op: 'points', ok: false };
