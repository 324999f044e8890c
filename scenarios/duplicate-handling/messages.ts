/**
 * The messages of the duplicate-handling scenario: the order events on the topic, and the
 * requests the worker sends to the payments database and to the dedup store. Plain JSON.
 */

/** What happens to an order: it is charged, shipped, and sometimes refunded after shipping. */
export type OrderEventKind = 'charge' | 'ship' | 'refund';

/** An order event as published on the `orders` topic; `id` is the message id, unique per event. */
export interface OrderEvent {
  id: string;
  order: string;
  customer: string;
  kind: OrderEventKind;
  amount: number;
}

/** How the database is asked to apply an event. */
export type ApplyMode = 'plain' | 'unique-key' | 'state-machine' | 'idempotency-key';

export type AppMessage =
  | { type: 'apply'; id: number; mode: ApplyMode; event: OrderEvent }
  | { type: 'applied'; id: number; duplicate: boolean }
  | { type: 'dedup-check'; id: number; key: string }
  | { type: 'dedup-checked'; id: number; seen: boolean }
  | { type: 'dedup-mark'; id: number; key: string; ttlMs: number }
  | { type: 'dedup-marked'; id: number };
