/**
 * The worker: an at-least-once consumer of order events. For each batch it applies every
 * event through the payments database, then commits its offsets — so a crash, a stall past
 * its session or a refused commit hands the batch over again, and a producer retry or a
 * republish puts the same event in the log twice. A call the database does not answer in
 * time is sent again (the database may have done it: a crash after its commit, a lost
 * answer). What protects the effect from all those repeats is the strategy: nothing, the
 * database (unique key, state machine, idempotency key), or a separate dedup store checked
 * before applying and marked after, with a TTL.
 *
 * Crash points: `after-poll` (a batch fetched), `after-apply` (every event of the batch
 * applied — and, with the dedup store, marked — offsets not committed), `after-commit`.
 */
import type { NodeId, Spawn, TimerId } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { type ConsumedRecord, Consumer, type ConsumerConfig } from '../parts/log/consumer.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import type { DuplicateAudit } from './duplicate-audit.ts';
import type { ApplyMode, AppMessage, OrderEvent } from './messages.ts';

export type Protection = 'no-protection' | 'unique-key' | 'dedup-ttl' | 'state-machine' | 'idempotent-api';

export interface WorkerConfig {
  layout: ClusterLayout;
  protection: Protection;
  /** Node names of the database and the dedup store. */
  db: string;
  store: string;
  ttlMs: number;
  callTimeoutMs: number;
  consumer: Omit<ConsumerConfig, 'clientId' | 'group' | 'topics' | 'isolation' | 'autoCommit'>;
  audit: DuplicateAudit;
}

const MODES: Record<Protection, ApplyMode> = {
  'no-protection': 'plain',
  'unique-key': 'unique-key',
  'dedup-ttl': 'plain',
  'state-machine': 'state-machine',
  'idempotent-api': 'idempotency-key',
};

type AppTimer = { owner: 'app'; kind: 'call-timeout'; id: number };

export function worker(config: WorkerConfig): Spawn<LogMessage | AppMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const { audit } = config;
    const db = ctx.lookup(config.db);
    const store = ctx.lookup(config.store);
    const metadata = new Metadata(ctx, config.layout);
    const calls = new Map<number, { retry: () => void; onReply: (m: AppMessage) => void; timer: TimerId }>();
    let nextCall = 0;
    let busy = false;

    /** A request to the database or the dedup store, re-sent until answered. */
    const call = (to: NodeId, make: (id: number) => AppMessage, onReply: (m: AppMessage) => void): void => {
      const id = ctx.incarnation * 1_000_000 + nextCall++;
      const timer = ctx.setTimer(config.callTimeoutMs, { owner: 'app', kind: 'call-timeout', id });
      calls.set(id, { retry: () => call(to, make, onReply), onReply, timer });
      ctx.send(to, make(id));
    };

    const apply = (e: OrderEvent, done: () => void): void => call(db, (id) => ({ type: 'apply', id, mode: MODES[config.protection], event: e }), done);

    const handle = (e: OrderEvent, done: () => void): void => {
      const times = audit.delivered(e);
      if (times > 1) ctx.note(() => `worker receives ${e.id} (${e.kind} of ${e.order}) for the ${times === 2 ? 'second' : `${times}th`} time`);
      if (config.protection !== 'dedup-ttl') return apply(e, done);
      call(
        store,
        (id) => ({ type: 'dedup-check', id, key: e.id }),
        (m) => {
          if (m.type === 'dedup-checked' && m.seen) {
            audit.caught();
            ctx.note(() => `worker finds ${e.id} in the dedup store and skips it`);
            return done();
          }
          apply(e, () => call(store, (id) => ({ type: 'dedup-mark', id, key: e.id, ttlMs: config.ttlMs }), done));
        },
      );
    };

    const loop = (): void => {
      if (busy) return;
      const records = consumer.poll();
      if (records.length === 0) return;
      busy = true;
      ctx.crashPoint('after-poll');
      handleBatch(records, 0);
    };
    const consumer = new Consumer<OrderEvent>(
      ctx,
      metadata,
      { clientId: 'worker', group: 'payments', topics: ['orders'], isolation: 'read-uncommitted', autoCommit: false, ...config.consumer },
      loop,
    );

    const handleBatch = (records: ConsumedRecord<OrderEvent>[], i: number): void => {
      if (i < records.length) return handle(records[i]!.value, () => handleBatch(records, i + 1));
      ctx.crashPoint('after-apply');
      consumer.commit(null, (ok) => {
        if (ok) ctx.crashPoint('after-commit');
        busy = false;
        loop();
      });
    };

    consumer.start();
    return {
      onMessage(from, m) {
        switch (m.type) {
          case 'applied':
          case 'dedup-checked':
          case 'dedup-marked': {
            const c = calls.get(m.id);
            if (c === undefined) return;
            calls.delete(m.id);
            ctx.cancelTimer(c.timer);
            c.onReply(m);
            return;
          }
          case 'apply':
          case 'dedup-check':
          case 'dedup-mark':
            return;
          default:
            if (!metadata.onMessage(from, m)) consumer.onMessage(from, m);
        }
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) consumer.onTimer(tag);
          return;
        }
        const c = calls.get(tag.id);
        calls.delete(tag.id);
        c?.retry();
      },
    };
  };
}
