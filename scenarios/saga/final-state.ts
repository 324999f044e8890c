/**
 * How a saga ended, judged from the services' databases alone — not from what any
 * coordinator believes. A saga is over in exactly two ways: completed (order approved, paid
 * once, its stock reserved, its shipment scheduled) or fully compensated (order cancelled,
 * nothing charged, no stock held, nothing shipped). Anything else is a saga left half done.
 */
import type { DurableQueue } from '../parts/messaging/durable-queue.ts';
import type { TransactionalStore } from '../parts/storage/transactional-store.ts';
import { ORDER_APPROVED, ORDER_CANCELLED, ORDER_PENDING, type Order, rows, type ServiceName } from './messages.ts';

/** What the four databases say about one order. */
export interface OrderRecords {
  status: number;
  charged: number;
  reserved: number;
  shipped: number;
}

export type FinalState = { kind: 'completed' } | { kind: 'compensated' } | { kind: 'half-done'; description: string };

export function recordsOf(order: Order, db: Readonly<Record<ServiceName, TransactionalStore>>): OrderRecords {
  return {
    status: db.order.read(rows.order(order.id)) ?? 0,
    charged: db.payment.read(rows.charged(order.id)) ?? 0,
    reserved: db.inventory.read(rows.reserved(order.id)) ?? 0,
    shipped: db.shipping.read(rows.shipment(order.id)) ?? 0,
  };
}

export function finalState(order: Order, r: OrderRecords): FinalState {
  if (r.status === ORDER_APPROVED && r.charged === order.amount && r.reserved === order.quantity && r.shipped === 1) return COMPLETED;
  if (r.status === ORDER_CANCELLED && r.charged === 0 && r.reserved === 0 && r.shipped === 0) return COMPENSATED;
  return { kind: 'half-done', description: describe(order, r) };
}

/** The two ways a saga is over, one object each (every order of every run is judged at the end; a state is never changed). */
const COMPLETED: FinalState = Object.freeze({ kind: 'completed' });
const COMPENSATED: FinalState = Object.freeze({ kind: 'compensated' });

/** Where a saga stopped, in plain words: "o7: order pending, charged 120, 2 units reserved, not shipped". */
function describe(o: Order, r: OrderRecords): string {
  const status =
    r.status === ORDER_PENDING ? 'pending' : r.status === ORDER_APPROVED ? 'approved' : r.status === ORDER_CANCELLED ? 'cancelled' : 'never created';
  const charged = r.charged === 0 ? 'nothing charged' : r.charged === o.amount ? `charged ${r.charged}` : `charged ${r.charged} for an order of ${o.amount}`;
  const reserved = r.reserved === 0 ? 'no stock held' : `${r.reserved} unit${r.reserved === 1 ? '' : 's'} reserved`;
  const shipped = r.shipped === 0 ? 'not shipped' : r.shipped === 1 ? 'shipped' : `shipped ${r.shipped} times`;
  return `${o.id}: order ${status}, ${charged}, ${reserved}, ${shipped}`;
}

/** What the payment and inventory databases started with. */
export interface OpeningBooks {
  balances: readonly number[];
  stockPerItem: number;
  items: number;
}

/**
 * Where a service's own books do not balance, judged from its database alone: a customer's
 * balance plus what their orders are charged must equal what they started with, and an item's
 * stock plus what orders hold reserved must equal its opening stock. Every step moves both
 * sides in one local transaction, so any difference means a transaction was applied in part —
 * a torn write that recovery did not repair, or a row written outside its log record.
 */
export function unbalancedBooks(orders: readonly Order[], opening: OpeningBooks, db: Readonly<Record<ServiceName, TransactionalStore>>): string[] {
  const charged = new Array<number>(opening.balances.length).fill(0);
  const reserved = new Array<number>(opening.items).fill(0);
  for (const o of orders) {
    charged[o.customer]! += db.payment.read(rows.charged(o.id)) ?? 0;
    reserved[o.item]! += db.inventory.read(rows.reserved(o.id)) ?? 0;
  }
  const out: string[] = [];
  opening.balances.forEach((start, c) => {
    const balance = db.payment.read(rows.balance(c)) ?? 0;
    if (balance + charged[c]! !== start) out.push(`customer ${c} has ${balance} and was charged ${charged[c]} in all, but started with ${start}`);
  });
  for (let i = 0; i < opening.items; i++) {
    const stock = db.inventory.read(rows.stock(i)) ?? 0;
    if (stock + reserved[i]! !== opening.stockPerItem)
      out.push(`item ${i} has ${stock} in stock and ${reserved[i]} reserved, but started with ${opening.stockPerItem}`);
  }
  return out;
}

/** What the broker's queues still hold unacknowledged, one line per queue that is not empty. */
export function undrained(queues: readonly DurableQueue[]): string[] {
  return queues.flatMap((q) => (q.depth === 0 ? [] : [`${q.name} holds ${q.depth} (the oldest ${q.oldest?.id}, failed ${q.oldest?.failures ?? 0} times)`]));
}
