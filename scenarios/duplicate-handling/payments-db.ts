/**
 * The payments database: where an order event takes effect (a charge adds to the customer's
 * total, a shipment records the order as shipped). How it is asked decides what a
 * redelivered event does:
 *  - plain: applied again, whatever happened before;
 *  - unique-key: the event id is inserted into a processed-events table with a unique key,
 *    in the same local transaction as the effect: a second insert fails and the effect with it;
 *  - state-machine: the effect is a transition of the order (pending -> charged -> shipped),
 *    applied only from the state it expects: a replayed charge finds the order already
 *    charged and does nothing;
 *  - idempotency-key: the API stores each request key with its response, in the same
 *    transaction as the effect, and answers a repeated key with the stored response.
 * Everything is on disk: the database keeps its tables across restarts.
 */
import type { NodeContext, Spawn } from '../../engine/index.ts';
import type { DuplicateAudit } from './duplicate-audit.ts';
import type { AppMessage, OrderEvent } from './messages.ts';

type OrderState = 'pending' | 'charged' | 'shipped';

/** The size of the tables that exist only to catch duplicates, read from the database's disk. */
export function dedupRows(disk: { get<T>(key: string): T | undefined }): number {
  return (disk.get<Set<string>>('processed-events')?.size ?? 0) + (disk.get<Map<string, boolean>>('idempotency-keys')?.size ?? 0);
}

export function paymentsDb(audit: DuplicateAudit): Spawn<AppMessage> {
  return (ctx: NodeContext<AppMessage>) => {
    const table = <T>(name: string, make: () => T): T => {
      let t = ctx.durable.get<T>(name);
      if (t === undefined) {
        t = make();
        ctx.durable.set(name, t);
      }
      return t;
    };
    const totals = table('customer-totals', () => new Map<string, number>());
    const orders = table('orders', () => new Map<string, OrderState>());
    const processed = table('processed-events', () => new Set<string>());
    const keys = table('idempotency-keys', () => new Map<string, boolean>());

    const effect = (e: OrderEvent): void => {
      if (e.kind === 'charge') totals.set(e.customer, (totals.get(e.customer) ?? 0) + e.amount);
      audit.applied(e, ctx.self);
    };
    const skip = (e: OrderEvent, why: string): boolean => {
      audit.caught();
      ctx.note(() => `payments-db recognises ${e.id} (${e.kind} of ${e.order}) as a duplicate: ${why}`);
      return true;
    };

    const apply = (m: Extract<AppMessage, { type: 'apply' }>): boolean => {
      const e = m.event;
      switch (m.mode) {
        case 'plain':
          effect(e);
          return false;
        case 'unique-key':
          if (processed.has(e.id)) return skip(e, 'its id is already in the processed-events table');
          processed.add(e.id);
          effect(e);
          return false;
        case 'state-machine': {
          const from: OrderState = e.kind === 'charge' ? 'pending' : 'charged';
          const state = orders.get(e.order) ?? 'pending';
          if (state !== from) return skip(e, `order ${e.order} is ${state}, not ${from}`);
          orders.set(e.order, e.kind === 'charge' ? 'charged' : 'shipped');
          effect(e);
          return false;
        }
        case 'idempotency-key':
          if (keys.has(e.id)) return skip(e, 'the API has already answered this idempotency key');
          keys.set(e.id, true);
          effect(e);
          return false;
      }
    };

    return {
      onMessage(from, m) {
        if (m.type === 'apply') ctx.send(from, { type: 'applied', id: m.id, duplicate: apply(m) });
      },
    };
  };
}
