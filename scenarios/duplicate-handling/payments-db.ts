/**
 * The payments database: where an order event takes effect (a charge adds to the customer's
 * balance, a refund takes it back, a shipment records the order as shipped). How it is asked
 * decides what a redelivered event does:
 *  - plain: applied again, whatever happened before;
 *  - unique-key: the event id is inserted into a processed-events table with a unique key,
 *    in the same local transaction as the effect: a second insert fails and the effect with it;
 *  - state-machine: the effect is a transition of the order (pending -> charged -> shipped
 *    -> refunded), applied only from the state it expects: a replayed charge finds the order
 *    already charged and does nothing;
 *  - idempotency-key: the API stores each request key with its response, in the same
 *    transaction as the effect, and answers a repeated key with the stored response.
 *
 * Storage is a write-ahead journal: each local transaction is one journal row holding
 * everything it changes (the effect, the order's new state, the processed-event row, the
 * idempotency key), so a crash keeps a transaction whole or not at all; the tables are rebuilt
 * from the journal when the database starts (redo). The row is forced before the answer goes
 * out, as a database commits before it replies.
 */
import type { DurableStore, Spawn } from '../../engine/index.ts';
import type { DuplicateAudit } from './duplicate-audit.ts';
import type { AppMessage, OrderEvent, OrderEventKind } from './messages.ts';

export type OrderState = 'pending' | 'charged' | 'shipped' | 'refunded';

/** The transition each event makes in the state machine: from the state it expects, to the next. */
export const TRANSITIONS: Readonly<Record<OrderEventKind, { from: OrderState; to: OrderState }>> = {
  charge: { from: 'pending', to: 'charged' },
  ship: { from: 'charged', to: 'shipped' },
  refund: { from: 'shipped', to: 'refunded' },
};

/** One committed local transaction: an event's effect and whatever guards it. */
export interface JournalRow {
  event: string;
  order: string;
  customer: string;
  /** Change to the customer's balance. */
  balance: number;
  /** The order's state after it (state machine). */
  state?: OrderState;
  /** A row in the processed-events table (unique key). */
  processed?: true;
  /** An idempotency key with its stored response. */
  key?: true;
}

/** The database's tables, as the journal's redo builds them. */
export class PaymentsTables {
  readonly balances = new Map<string, number>();
  readonly orders = new Map<string, OrderState>();
  readonly processed = new Set<string>();
  readonly keys = new Set<string>();
  /** Effects applied, per event id (a table of its own in no real schema: what an auditor counts). */
  readonly effects = new Map<string, number>();

  /** Redo: the tables of a database whose journal is on `disk`. */
  static replay(disk: DurableStore): PaymentsTables {
    const t = new PaymentsTables();
    if (disk.holds(JOURNAL)) for (const row of disk.log<JournalRow>(JOURNAL)) t.apply(row);
    return t;
  }

  apply(row: JournalRow): void {
    if (row.balance !== 0) this.balances.set(row.customer, (this.balances.get(row.customer) ?? 0) + row.balance);
    if (row.state !== undefined) this.orders.set(row.order, row.state);
    if (row.processed) this.processed.add(row.event);
    if (row.key) this.keys.add(row.event);
    this.effects.set(row.event, (this.effects.get(row.event) ?? 0) + 1);
  }

  /** Rows that exist only to recognise duplicates. */
  get dedupRows(): number {
    return this.processed.size + this.keys.size;
  }
}

const JOURNAL = 'journal';

/** The order of an order's states, to tell whether a state is at or past another. */
const STATE_ORDER: readonly OrderState[] = ['pending', 'charged', 'shipped', 'refunded'];

/** What recognises a duplicate of an applied event, per protection. */
export type Guard = 'processed-row' | 'idempotency-key' | 'order-state' | 'none';

/** The guard each protection keeps in the database (the dedup store keeps its own, elsewhere). */
export const GUARDS: Readonly<Record<'no-protection' | 'dedup-ttl' | 'unique-key' | 'idempotent-api' | 'state-machine', Guard>> = {
  'no-protection': 'none',
  'dedup-ttl': 'none',
  'unique-key': 'processed-row',
  'idempotent-api': 'idempotency-key',
  'state-machine': 'order-state',
};

/**
 * The applied events whose guard the tables no longer hold: a processed-events row, an
 * idempotency key, or the order in (or past) the state the event moved it to. A redelivery of
 * one of them would take effect again.
 */
export function unguardedEffects(guard: Guard, tables: PaymentsTables, applied: readonly OrderEvent[]): string[] {
  const kept = (e: OrderEvent): boolean => {
    switch (guard) {
      case 'processed-row':
        return tables.processed.has(e.id);
      case 'idempotency-key':
        return tables.keys.has(e.id);
      case 'order-state':
        return STATE_ORDER.indexOf(tables.orders.get(e.order) ?? 'pending') >= STATE_ORDER.indexOf(TRANSITIONS[e.kind].to);
      case 'none':
        return true;
    }
  };
  return applied.filter((e) => !kept(e)).map((e) => e.id);
}

export function paymentsDb(audit: DuplicateAudit): Spawn<AppMessage> {
  return (ctx) => {
    const journal = ctx.disk.log<JournalRow>(JOURNAL);
    const tables = PaymentsTables.replay(ctx.disk);

    /** Commits the event's effect with its guard: one journal row, forced before the caller hears. */
    const commit = (e: OrderEvent, guard: Pick<JournalRow, 'state' | 'processed' | 'key'>): false => {
      const row: JournalRow = {
        event: e.id,
        order: e.order,
        customer: e.customer,
        balance: e.kind === 'charge' ? e.amount : e.kind === 'refund' ? -e.amount : 0,
        ...guard,
      };
      journal.append(row);
      ctx.disk.force();
      tables.apply(row);
      audit.applied(e);
      return false;
    };
    const skip = (e: OrderEvent, why: string): true => {
      audit.caught();
      ctx.note(() => `payments-db recognises ${e.id} (${e.kind} of ${e.order}) as a duplicate: ${why}`);
      return true;
    };

    /** Runs the local transaction; true when the event was recognised as a duplicate. */
    const apply = (m: Extract<AppMessage, { type: 'apply' }>): boolean => {
      const e = m.event;
      switch (m.mode) {
        case 'plain':
          return commit(e, {});
        case 'unique-key':
          if (tables.processed.has(e.id)) return skip(e, 'its id is already in the processed-events table');
          return commit(e, { processed: true });
        case 'state-machine': {
          const { from, to } = TRANSITIONS[e.kind];
          const state = tables.orders.get(e.order) ?? 'pending';
          if (state !== from) return skip(e, `order ${e.order} is ${state}, not ${from}`);
          return commit(e, { state: to });
        }
        case 'idempotency-key':
          if (tables.keys.has(e.id)) return skip(e, 'the API has already answered this idempotency key');
          return commit(e, { key: true });
      }
    };

    return {
      onMessage(from, m) {
        if (m.type === 'apply') ctx.send(from, { type: 'applied', id: m.id, duplicate: apply(m) });
      },
    };
  };
}
