/**
 * What flows in the event-consistency scenario: the users' requests to the points service
 * (earn or spend points), the points events (the producer's facts), the payload a consumer
 * reads (or fails to), and the reconciliation query the consumer asks the producer. Broker
 * and request envelopes come from the parts (queue-broker.ts, request-client.ts); the
 * message and timer unions here type every node's context, so handlers need no casts.
 */
import type { OutboxTimer } from '../parts/messaging/outbox-relay.ts';
import type { ConsumerMessage, Publish, Published } from '../parts/messaging/queue-broker.ts';
import type { Reply, Request, RequestTimer } from '../parts/resilience/request-client.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';

/** A fact of the source of truth: a user earned points (or spent them: negative points). */
export interface PointsEvent {
  id: string;
  user: number;
  points: number;
  /** When the producer committed it, by its own clock. */
  atMs: number;
}

/** The payload of a published event: readable, or garbled (a poison message no consumer can parse). */
export type PointsPayload = { user: number; points: number } | { garbled: string };

/** The one topic events are published to. */
export const POINTS_TOPIC = 'points-earned';

/** A user's request to the points service: earn points, or spend them (negative), once per id. */
export interface PointsRequest {
  op: 'points';
  id: string;
  user: number;
  points: number;
}

/** The points service's answer: recorded, or refused (a spend larger than the balance). */
export interface PointsAnswer {
  op: 'points';
  ok: boolean;
}

/** The reconciler's question: every event from position `from` of the source's history on. */
export interface SourceQuery {
  op: 'source-events';
  from: number;
}

/**
 * The producer's answer: the events at positions `from`, `from + 1`... in commit order, and
 * the producer's clock when it answered (to tell settled events from those still in flight).
 */
export interface SourceAnswer {
  op: 'source-events';
  from: number;
  nowMs: number;
  events: PointsEvent[];
}

/** Everything a node of this scenario sends or receives. */
export type PointsMessage =
  | Request<PointsRequest>
  | Reply<PointsAnswer>
  | Request<Publish<PointsPayload>>
  | Reply<Published>
  | Request<SourceQuery>
  | Reply<SourceAnswer>
  | ConsumerMessage<PointsPayload>;

export type UsersTimer = RequestTimer | { kind: 'arrival'; index: number };
export type ProducerTimer = RequestTimer | OutboxTimer;
export type ConsumerTimer = RequestTimer | { kind: 'reconcile' };

/** A user's row in the projection, spelt once: every apply reads and writes it. */
export const balanceKey = numberedNames('balance:u');
/** A user's points row at the source, spelt once: every points request reads and writes it. */
export const sourcePointsKey = numberedNames('points:u');
export const EVENTS_TABLE = 'points-history';
