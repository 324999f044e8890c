/**
 * What flows in the event-consistency scenario: the points events (the producer's facts), the
 * payload a consumer reads (or fails to), and the reconciliation query the consumer asks the
 * producer. Broker and request envelopes come from the parts (broker.ts, request-client.ts).
 */

/** A fact of the source of truth: a user earned points. */
export interface PointsEvent {
  id: string;
  user: number;
  points: number;
  /** When the producer committed it. */
  atMs: number;
}

/** The payload of a published event: readable, or garbled (a poison message no consumer can parse). */
export type PointsPayload = { user: number; points: number } | { garbled: string };

/** The one topic events are published to. */
export const POINTS_TOPIC = 'points-earned';

/** The reconciler's question: every event committed after `afterMs`. */
export interface SourceQuery {
  op: 'source-events';
  afterMs: number;
}

/** The producer's answer: the events committed in (afterMs, cutoffMs], complete up to cutoffMs. */
export interface SourceAnswer {
  op: 'source-events';
  cutoffMs: number;
  events: PointsEvent[];
}

export const balanceKey = (user: number): string => `balance:u${user}`;
export const sourcePointsKey = (user: number): string => `points:u${user}`;
export const EVENTS_TABLE = 'points-history';
