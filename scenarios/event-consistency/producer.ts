/**
 * The producer: the points service, owner of the source of truth. When a user earns points
 * it commits, in one local transaction, the user's new total and a row in the points
 * history; then the event must reach the broker. How is the strategy:
 *
 *  - dual write (no outbox): publish right after the commit, retrying until the broker
 *    confirms. The retry lives in memory, so a crash after the commit and before the confirm
 *    loses the event for good: the source has it, the broker never will.
 *  - outbox: the event is appended to an outbox table in the same transaction, and a relay
 *    publishes it from there, resuming after a crash (at least once).
 *
 * It also answers the reconciler: "every event you committed after time T".
 *
 * Crash points: `committed` (the points are on disk, nothing published yet), and the relay's
 * `outbox-published`. Inject `poison`: the next event is published with a payload no consumer
 * can read (a serializer bug); the source row itself is fine.
 */
import type { InjectFault, NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { OutboxRelay } from '../parts/messaging/outbox-relay.ts';
import type { Publish, Published } from '../parts/messaging/queue-broker.ts';
import { isRequest, type Request, RequestClient, type RetryPolicy, reply } from '../parts/resilience/request-client.ts';
import { type TableAppend, TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { PointsAudit } from './audit.ts';
import { EVENTS_TABLE, POINTS_TOPIC, type PointsEvent, type PointsPayload, type SourceAnswer, type SourceQuery, sourcePointsKey } from './messages.ts';

/** A user earning points: one event the workload makes happen at `atMs`. */
export interface Earning {
  id: string;
  atMs: number;
  user: number;
  points: number;
}

export interface ProducerConfig {
  earnings: readonly Earning[];
  broker: NodeId;
  outbox: boolean;
  publishPolicy: RetryPolicy;
  relayPollMs: number;
  audit: PointsAudit;
}

export function producer(config: ProducerConfig): Spawn<unknown> {
  return (ctx: NodeContext<unknown>) => {
    const { audit } = config;
    const db = new TransactionalStore(ctx.durable, 'points');
    const publisher = new RequestClient<Publish<PointsPayload>, Published>(ctx, config.publishPolicy, 'publish');
    const relay = config.outbox ? new OutboxRelay<PointsPayload>(ctx, db, publisher, { broker: config.broker, pollMs: config.relayPollMs }) : null;
    const history = (): readonly PointsEvent[] => db.table<PointsEvent>(EVENTS_TABLE);
    const known = new Set(history().map((e) => e.id));
    let garbleNext = false;

    // Earnings due while the producer was down never happened (the user's request failed); later ones still come.
    config.earnings.forEach((e, i) => {
      if (e.atMs >= ctx.now && !known.has(e.id)) ctx.setTimer(e.atMs - ctx.now, i);
    });

    const onEarn = (earning: Earning): void => {
      if (known.has(earning.id)) return;
      const event: PointsEvent = { id: earning.id, user: earning.user, points: earning.points, atMs: ctx.now };
      const payload: PointsPayload = garbleNext ? { garbled: `{"user":${earning.user},"points":` } : { user: earning.user, points: earning.points };
      const poison = garbleNext;
      garbleNext = false;
      const total = (db.read(sourcePointsKey(earning.user)) ?? 0) + earning.points;
      const appends: TableAppend[] = [{ table: EVENTS_TABLE, record: event }];
      if (relay !== null) appends.push(relay.entry(POINTS_TOPIC, event.id, payload));
      const ok = db.commitLocalWith(db.nextTxId('earn'), [{ key: sourcePointsKey(earning.user), value: total }], appends);
      if (!ok) return;
      known.add(event.id);
      audit.committed(event, poison);
      ctx.state('committed', event.id);
      ctx.crashPoint('committed');
      if (relay !== null) return relay.wake();
      publisher.call(config.broker, { op: 'publish', topic: POINTS_TOPIC, id: event.id, body: payload }, () => {
        ctx.note(() => `the broker confirmed ${event.id}`);
      });
    };

    const onSourceQuery = (from: NodeId, request: Request<SourceQuery>): void => {
      // Commits happen in time order, so everything up to the cutoff is already in the history.
      const cutoffMs = ctx.now;
      const events = history().filter((e) => e.atMs > request.body.afterMs && e.atMs <= cutoffMs);
      reply(ctx, from, request, { op: 'source-events', cutoffMs, events } satisfies SourceAnswer);
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
        if (publisher.onMessage(from, msg)) return;
        if (isRequest(msg) && (msg.body as SourceQuery).op === 'source-events') onSourceQuery(from, msg as Request<SourceQuery>);
      },
      onTimer(tag) {
        if (publisher.onTimer(tag) || relay?.onTimer(tag)) return;
        onEarn(config.earnings[tag as number]!);
      },
      onInject(fault: InjectFault) {
        if (fault.name !== 'poison') return;
        garbleNext = true;
        ctx.note('a serializer bug: the next points event will be published with a payload no consumer can read', 'warn');
      },
    };
  };
}
