/**
 * The saga's steps: one local transaction each, on the database of the service that owns it,
 * written as a pure function from (database, order) to an outcome — the row writes, whether
 * it succeeded, and the fact the audit is told. Forward steps may fail for a business
 * reason (declined card, no stock, no carrier); their compensations undo a step that
 * succeeded and never fail. `schedule` is the pivot: once shipping accepts, the saga can only
 * go forward.
 *
 * The steps are blind, as a real charge or a real stock movement is: run one twice and it
 * happens twice. Running each at most once per saga is the job of the idempotency key or the
 * processed-id store in front of it (service.ts) — or, in the flawed strategy, nobody's.
 */
import type { RowWrite, TransactionalStore } from '../parts/storage/transactional-store.ts';
import { ORDER_APPROVED, ORDER_CANCELLED, ORDER_PENDING, type Order, rows, type ServiceName, type StepName } from './messages.ts';

/** What the audit is told when a step commits. */
export type SagaFact =
  | { kind: 'order-created' | 'order-approved' | 'order-cancelled'; order: string }
  | { kind: 'charged' | 'refunded'; order: string; amount: number }
  | { kind: 'reserved' | 'released'; order: string; item: number; quantity: number; stockAfter: number }
  | { kind: 'scheduled'; order: string };

export interface StepOutcome {
  ok: boolean;
  reason?: string;
  writes: RowWrite[];
  fact?: SagaFact;
}

export interface StepSpec {
  service: ServiceName;
  /** True for a step that undoes another. */
  compensation: boolean;
  run: (db: TransactionalStore, order: Order, context: { regionsServed: number }) => StepOutcome;
}

const add = (db: TransactionalStore, key: string, delta: number): RowWrite => ({ key, value: (db.read(key) ?? 0) + delta });

export const STEPS: Readonly<Record<StepName, StepSpec>> = {
  'create-order': {
    service: 'order',
    compensation: false,
    run: (_db, o) => ({ ok: true, writes: [{ key: rows.order(o.id), value: ORDER_PENDING }], fact: { kind: 'order-created', order: o.id } }),
  },
  charge: {
    service: 'payment',
    compensation: false,
    run: (db, o) => {
      const key = rows.balance(o.customer);
      const balance = db.read(key) ?? 0;
      if (balance < o.amount) return { ok: false, reason: `customer ${o.customer} has ${balance}, less than ${o.amount}`, writes: [] };
      return {
        ok: true,
        writes: [{ key, value: balance - o.amount }, add(db, rows.charged(o.id), o.amount)],
        fact: { kind: 'charged', order: o.id, amount: o.amount },
      };
    },
  },
  reserve: {
    service: 'inventory',
    compensation: false,
    run: (db, o) => {
      const key = rows.stock(o.item);
      const stock = db.read(key) ?? 0;
      if (stock < o.quantity) return { ok: false, reason: `item ${o.item} has ${stock} in stock, fewer than ${o.quantity}`, writes: [] };
      return {
        ok: true,
        writes: [{ key, value: stock - o.quantity }, add(db, rows.reserved(o.id), o.quantity)],
        fact: { kind: 'reserved', order: o.id, item: o.item, quantity: o.quantity, stockAfter: stock - o.quantity },
      };
    },
  },
  schedule: {
    service: 'shipping',
    compensation: false,
    run: (db, o, { regionsServed }) => {
      if (o.region >= regionsServed) return { ok: false, reason: `no carrier serves region ${o.region}`, writes: [] };
      return { ok: true, writes: [add(db, rows.shipment(o.id), 1)], fact: { kind: 'scheduled', order: o.id } };
    },
  },
  'approve-order': {
    service: 'order',
    compensation: false,
    run: (_db, o) => ({ ok: true, writes: [{ key: rows.order(o.id), value: ORDER_APPROVED }], fact: { kind: 'order-approved', order: o.id } }),
  },
  release: {
    service: 'inventory',
    compensation: true,
    run: (db, o) => {
      const key = rows.stock(o.item);
      const stock = db.read(key) ?? 0;
      return {
        ok: true,
        writes: [{ key, value: stock + o.quantity }, add(db, rows.reserved(o.id), -o.quantity)],
        fact: { kind: 'released', order: o.id, item: o.item, quantity: o.quantity, stockAfter: stock + o.quantity },
      };
    },
  },
  refund: {
    service: 'payment',
    compensation: true,
    run: (db, o) => ({
      ok: true,
      writes: [add(db, rows.balance(o.customer), o.amount), add(db, rows.charged(o.id), -o.amount)],
      fact: { kind: 'refunded', order: o.id, amount: o.amount },
    }),
  },
  'cancel-order': {
    service: 'order',
    compensation: true,
    run: (_db, o) => ({ ok: true, writes: [{ key: rows.order(o.id), value: ORDER_CANCELLED }], fact: { kind: 'order-cancelled', order: o.id } }),
  },
};

/** The forward steps of an orchestrated saga, in order. */
export const FORWARD: readonly StepName[] = ['create-order', 'charge', 'reserve', 'schedule', 'approve-order'];

/** The compensation that undoes each forward step that has one. */
export const COMPENSATION: Readonly<Partial<Record<StepName, StepName>>> = { 'create-order': 'cancel-order', charge: 'refund', reserve: 'release' };
