/**
 * The vocabulary of the saga scenario: an order, the services that take part, the steps they
 * run (and the compensations that undo them), the events of the choreography and the
 * requests of the orchestration. Broker and request envelopes come from the parts; the
 * message and timer unions here type every node's context, so handlers need no casts.
 */
import type { OutboxTimer } from '../parts/messaging/outbox-relay.ts';
import type { ConsumerMessage, Publish, Published } from '../parts/messaging/queue-broker.ts';
import type { Reply, Request, RequestTimer } from '../parts/resilience/request-client.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';

export type ServiceName = 'order' | 'payment' | 'inventory' | 'shipping';

export const SERVICES: readonly ServiceName[] = ['order', 'payment', 'inventory', 'shipping'];

/** One customer order: the saga's subject. */
export interface Order {
  id: string;
  customer: number;
  amount: number;
  item: number;
  quantity: number;
  region: number;
}

/** A local transaction one service runs for a saga. */
export type StepName = 'create-order' | 'charge' | 'reserve' | 'schedule' | 'approve-order' | 'release' | 'refund' | 'cancel-order';

/** Events of the choreography: each service reacts to some and publishes others. */
export type SagaEventType =
  | 'order-created'
  | 'payment-charged'
  | 'payment-declined'
  | 'stock-reserved'
  | 'stock-unavailable'
  | 'shipment-scheduled'
  | 'shipment-failed'
  | 'stock-released'
  | 'payment-refunded';

export interface SagaEvent {
  type: SagaEventType;
  order: Order;
}

/** The body of a request to a service (orchestration) — or to the saga's entry point, `place-order`. */
export type StepRequest = { op: 'step'; step: StepName; order: Order } | { op: 'place-order'; order: Order };

/** A service's answer to a step: done, or refused for a business reason (the saga must compensate). */
export interface StepReply {
  ok: boolean;
  reason?: string;
}

/** Order row states, as stored (rows hold numbers). */
export const ORDER_PENDING = 1;
export const ORDER_APPROVED = 2;
export const ORDER_CANCELLED = 3;

/** Row keys, each spelt once: every step reads and writes its rows by key, and the end checks read them all again. */
export const rows = {
  order: perOrder('order:'),
  balance: numberedNames('balance:c'),
  charged: perOrder('charged:'),
  stock: numberedNames('stock:i'),
  reserved: perOrder('reserved:'),
  shipment: perOrder('shipment:'),
} as const;

/** `id -> prefix + id + suffix` for order ids (as many as a run has orders), each spelt once per process. */
export function perOrder(prefix: string, suffix = ''): (id: string) => string {
  const spelt = new Map<string, string>();
  return (id) => {
    let key = spelt.get(id);
    if (key === undefined) spelt.set(id, (key = `${prefix}${id}${suffix}`));
    return key;
  };
}

/** Everything a saga node sends or receives: step and order requests, publishes to the broker, deliveries from it. */
export type SagaMessage = Request<StepRequest> | Reply<StepReply> | Request<Publish<SagaEvent>> | Reply<Published> | ConsumerMessage<SagaEvent>;

/** A service's timers: its publisher's retries and its outbox relay's polls. */
export type ServiceTimer = RequestTimer | OutboxTimer;

/** The client's timers: an order's arrival (by index in the workload), and its request retries. */
export type ClientTimer = RequestTimer | { kind: 'arrival'; index: number };
