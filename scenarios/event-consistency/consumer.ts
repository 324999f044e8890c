/**
 * The consumer: keeps the projection (each user's points balance) from the events the broker
 * delivers, and acknowledges each one after applying it — after forcing the change to disk,
 * as a database commit does, so an acknowledged event is never lost. Applying then
 * acknowledging is at-least-once: crash between the two, or lose the ack, and the broker
 * delivers the event again. What makes that harmless is the strategy:
 *
 *  - without idempotency, a redelivered event is applied again (its points counted twice);
 *  - with a processed-id store, the event id is recorded in the same local transaction as
 *    the balance change, and a redelivery is recognised and skipped.
 *
 * A message it cannot read (poison) is reported failed (nack); the broker decides whether to
 * retry it forever or park it in the dead-letter queue. With reconciliation, the consumer
 * also asks the producer every `reconcileEveryMs` for the events of its history past a
 * watermark (a position in that history, never a timestamp: clocks jump, positions do not)
 * and repairs the projection with any it has not applied, through the same processed-id
 * store, so a repair and a late delivery of the same event cannot both count. Events younger
 * than `graceMs` by the producer's clock are left to the broker, and the watermark stops at
 * the first of them.
 *
 * Crash point: `applied` (the balance changed and forced, the ack not sent).
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { ack, type Delivery, nack } from '../parts/messaging/queue-broker.ts';
import { RequestClient, type RequestObserver, type RetryPolicy } from '../parts/resilience/request-client.ts';
import type { IdempotencyAudit } from '../parts/storage/idempotency-audit.ts';
import { applyEffect, IdempotencyStore, type LocalEffect } from '../parts/storage/idempotency-store.ts';
import { TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { PointsAudit } from './audit.ts';
import { balanceKey, type ConsumerTimer, type PointsMessage, type PointsPayload, type SourceAnswer, type SourceQuery } from './messages.ts';

export interface ConsumerConfig {
  broker: string;
  producer: string;
  dedup: boolean;
  reconcile: { everyMs: number; graceMs: number; policy: RetryPolicy } | null;
  audit: PointsAudit;
  /** Judges that every event id the consumer acknowledged survives its crashes (with a processed-id store). */
  keyAudit: IdempotencyAudit | null;
  requests: RequestObserver;
}

/** The row holding the reconciler's watermark: the first position of the source's history not yet verified. */
const WATERMARK = 'reconciled-until';
export const PROCESSED_TABLE = 'processed-ids';

export function consumer(config: ConsumerConfig): Spawn<PointsMessage, ConsumerTimer> {
  return (ctx) => {
    const { audit, keyAudit } = config;
    const broker = ctx.lookup(config.broker);
    const producer = ctx.lookup(config.producer);
    const db = new TransactionalStore(ctx.disk, 'projection');
    const processed = new IdempotencyStore<true>(db, PROCESSED_TABLE);
    if (ctx.incarnation > 0) {
      audit.recovered(ctx.name, (tx) => db.statusOf(tx) === 'committed');
      if (config.dedup) keyAudit?.recovered(ctx.name, (_table, key) => processed.has(key));
    }
    const seen = new Set<string>();
    const reconciler =
      config.reconcile === null ? null : new RequestClient<SourceQuery, SourceAnswer>(ctx, config.reconcile.policy, 'reconcile', config.requests);
    let passInFlight = false;

    const credit = (user: number, points: number): LocalEffect<true> => ({
      writes: [{ key: balanceKey(user), value: (db.read(balanceKey(user)) ?? 0) + points }],
      response: true,
    });

    const onDeliver = (d: Delivery<PointsPayload>): void => {
      if (seen.has(d.id) || d.attempt > 1) audit.sawRedelivery();
      seen.add(d.id);
      if (config.dedup && processed.has(d.id)) {
        audit.skippedDuplicate();
        ctx.note(() => `consumer has already applied ${d.id} (delivery ${d.attempt}): skipped and acknowledged`);
        return ack(ctx, broker, d);
      }
      const payload = d.body;
      if (!('user' in payload)) {
        audit.sawPoison();
        ctx.state('failing', d.id);
        ctx.note(() => `consumer cannot read ${d.id} (delivery ${d.attempt}): a garbled payload`, 'warn');
        return nack(ctx, broker, d, 'unreadable payload');
      }
      const effect = credit(payload.user, payload.points);
      const done = config.dedup ? processed.once(d.id, () => effect) : applyEffect(db, effect);
      if (done === null) return; // a row was locked: leave it to the redelivery
      // Told before the force: a crash during it must not hide an apply that became durable.
      audit.applied(d.id, 'message', done.tx!);
      ctx.disk.force();
      audit.forced(ctx.name);
      ctx.state('applied', d.id);
      ctx.note(() => `consumer adds ${payload.points} points to user ${payload.user} for ${d.id}: balance now ${db.read(balanceKey(payload.user))}`);
      ctx.crashPoint('applied');
      ack(ctx, broker, d);
      if (config.dedup) keyAudit?.answered(ctx.name, PROCESSED_TABLE, d.id);
    };

    const onSourceEvents = (answer: SourceAnswer): void => {
      passInFlight = false;
      const settledMs = answer.nowMs - config.reconcile!.graceMs;
      let position = answer.from;
      let repaired = 0;
      for (const e of answer.events) {
        if (e.atMs > settledMs) break; // young: still on its way through the broker
        if (!processed.has(e.id)) {
          const done = processed.once(e.id, () => credit(e.user, e.points));
          if (done === null) break; // locked: the next pass tries again
          audit.applied(e.id, 'repair', done.tx!);
          repaired++;
          ctx.note(() => `reconciliation: the source has ${e.id} (${e.points} points for user ${e.user}) and the projection does not; repaired`, 'key');
        }
        position++;
      }
      if (position > (db.read(WATERMARK) ?? 0)) db.commitLocal(db.nextTxId('watermark'), [{ key: WATERMARK, value: position }]);
      ctx.disk.force();
      audit.forced(ctx.name);
      ctx.state(repaired > 0 ? 'repaired' : 'verified', `up to position ${position}`);
    };

    const startPass = (): void => {
      ctx.setTimer(config.reconcile!.everyMs, { kind: 'reconcile' });
      if (passInFlight) return;
      passInFlight = true;
      reconciler!.call(producer, { op: 'source-events', from: db.read(WATERMARK) ?? 0 }, (answer) => onSourceEvents(answer));
    };

    if (config.reconcile !== null) ctx.setTimer(config.reconcile.everyMs, { kind: 'reconcile' });

    return {
      onMessage(from: NodeId, msg) {
        if (reconciler?.onMessage(from, msg)) return;
        if (msg.type === 'deliver') onDeliver(msg);
      },
      onTimer(tag) {
        if (tag.kind === 'reconcile') startPass();
        else reconciler?.onTimer(tag);
      },
    };
  };
}
