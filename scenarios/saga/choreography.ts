/**
 * The choreography: no one directs the saga. Each service listens for the events that
 * concern it, runs its step, and publishes what happened; the next service reacts to that.
 * The whole flow is this table — and nowhere at run time: no node holds a saga's state, so
 * following one means reading the records of every service it passed through.
 *
 *   order-created -> payment charges -> payment-charged -> inventory reserves -> stock-reserved
 *   -> shipping schedules -> shipment-scheduled -> order approves.
 *   A refusal publishes the failure instead, and the services upstream compensate in turn.
 */
import type { SagaEventType, ServiceName, StepName } from './messages.ts';

export interface Reaction {
  service: ServiceName;
  on: SagaEventType;
  step: StepName;
  /** Published when the step succeeds. */
  ok?: SagaEventType;
  /** Published when the step is refused. */
  failed?: SagaEventType;
}

export const REACTIONS: readonly Reaction[] = [
  { service: 'payment', on: 'order-created', step: 'charge', ok: 'payment-charged', failed: 'payment-declined' },
  { service: 'inventory', on: 'payment-charged', step: 'reserve', ok: 'stock-reserved', failed: 'stock-unavailable' },
  { service: 'shipping', on: 'stock-reserved', step: 'schedule', ok: 'shipment-scheduled', failed: 'shipment-failed' },
  { service: 'order', on: 'shipment-scheduled', step: 'approve-order' },
  // Compensations, upstream from the failure.
  { service: 'inventory', on: 'shipment-failed', step: 'release', ok: 'stock-released' },
  { service: 'payment', on: 'stock-unavailable', step: 'refund', ok: 'payment-refunded' },
  { service: 'payment', on: 'stock-released', step: 'refund', ok: 'payment-refunded' },
  { service: 'order', on: 'payment-declined', step: 'cancel-order' },
  { service: 'order', on: 'payment-refunded', step: 'cancel-order' },
];

/** The event the order service publishes when it accepts an order: the saga's first move. */
export const SAGA_START: SagaEventType = 'order-created';

/** Each event type is routed to the queue of the service that reacts to it. */
export function routes(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of REACTIONS) {
    const queues = (out[r.on] ??= []);
    if (!queues.includes(r.service)) queues.push(r.service);
  }
  return out;
}
