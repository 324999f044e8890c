/**
 * The consumer: keeps the projection (each user's points balance) from the events the broker
 * delivers, and acknowledges each one after applying it. Applying then acknowledging is
 * at-least-once: crash between the two, or lose the ack, and the broker delivers the event
 * again. What makes that harmless is the strategy:
 *
 *  - without idempotency, a redelivered event is applied again (its points counted twice);
 *  - with a processed-id store, the event id is recorded in the same local transaction as
 *    the balance change, and a redelivery is recognised and skipped.
 *
 * A message it cannot read (poison) is reported failed (nack); the broker decides whether to
 * retry it forever or park it in the dead-letter queue. With reconciliation, the consumer
 * also asks the producer every `reconcileEveryMs` for the events it committed and repairs
 * the projection with any it has not applied (through the same processed-id store, so a
 * repair and a late delivery of the same event cannot both count).
 *
 * Crash point: `applied` (the balance changed on disk, the ack not sent).
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { ack, type Delivery, isDelivery, nack } from '../parts/messaging/queue-broker.ts';
import { RequestClient, type RetryPolicy } from '../parts/resilience/request-client.ts';
import { applyEffect, IdempotencyStore, type LocalEffect } from '../parts/storage/idempotency-store.ts';
import { TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { PointsAudit } from './audit.ts';
import { balanceKey, type PointsPayload, type SourceAnswer, type SourceQuery } from './messages.ts';

export interface ConsumerConfig {
  broker: NodeId;
  producer: NodeId;
  dedup: boolean;
  reconcile: { everyMs: number; graceMs: number; policy: RetryPolicy } | null;
  audit: PointsAudit;
}

const WATERMARK = 'reconciled-until';
type Timer = { kind: 'reconcile' };

export function consumer(config: ConsumerConfig): Spawn<unknown> {
  return (ctx: NodeContext<unknown>) => {
    const { audit } = config;
    const db = new TransactionalStore(ctx.durable, 'projection');
    const processed = new IdempotencyStore<true>(db, 'processed-ids');
    const seen = new Set<string>();
    const reconciler = config.reconcile === null ? null : new RequestClient<SourceQuery, SourceAnswer>(ctx, config.reconcile.policy, 'reconcile');
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
        return ack(ctx, config.broker, d);
      }
      const payload = d.body;
      if (!('user' in payload)) {
        audit.sawPoison();
        ctx.state('failing', d.id);
        ctx.note(() => `consumer cannot read ${d.id} (delivery ${d.attempt}): a garbled payload`, 'warn');
        return nack(ctx, config.broker, d, 'unreadable payload');
      }
      const effect = credit(payload.user, payload.points);
      const done = config.dedup ? processed.once(d.id, () => effect) !== null : applyEffect(db, effect) !== null;
      if (!done) return; // a row was locked: leave it to the redelivery
      audit.applied(d.id, 'message');
      ctx.state('applied', d.id);
      ctx.note(() => `consumer adds ${payload.points} points to user ${payload.user} for ${d.id}: balance now ${db.read(balanceKey(payload.user))}`);
      ctx.crashPoint('applied');
      ack(ctx, config.broker, d);
    };

    const onSourceEvents = (answer: SourceAnswer): void => {
      passInFlight = false;
      const { graceMs } = config.reconcile!;
      const settledMs = answer.cutoffMs - graceMs;
      let repaired = 0;
      for (const e of answer.events) {
        if (e.atMs > settledMs || processed.has(e.id)) continue;
        if (processed.once(e.id, () => credit(e.user, e.points)) === null) return; // locked: the next pass tries again
        audit.applied(e.id, 'repair');
        repaired++;
        ctx.note(() => `reconciliation: the source has ${e.id} (${e.points} points for user ${e.user}) and the projection does not; repaired`, 'key');
      }
      if (settledMs > (db.read(WATERMARK) ?? 0)) db.commitLocal(db.nextTxId('watermark'), [{ key: WATERMARK, value: settledMs }]);
      ctx.state(repaired > 0 ? 'repaired' : 'verified', `up to ${Math.round(settledMs)} ms`);
    };

    const startPass = (): void => {
      ctx.setTimer(config.reconcile!.everyMs, { kind: 'reconcile' } satisfies Timer);
      if (passInFlight) return;
      passInFlight = true;
      reconciler!.call(config.producer, { op: 'source-events', afterMs: db.read(WATERMARK) ?? -1 }, (answer) => onSourceEvents(answer));
    };

    if (config.reconcile !== null) ctx.setTimer(config.reconcile.everyMs, { kind: 'reconcile' } satisfies Timer);

    return {
      onMessage(from, msg) {
        if (reconciler?.onMessage(from, msg)) return;
        if (isDelivery(msg)) onDeliver(msg as Delivery<PointsPayload>);
      },
      onTimer(tag) {
        if (reconciler?.onTimer(tag)) return;
        if ((tag as Timer).kind === 'reconcile') startPass();
      },
    };
  };
}
