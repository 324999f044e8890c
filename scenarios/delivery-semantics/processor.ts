/**
 * The processor: consumes payments and writes one ledger entry per payment to the `ledger`
 * topic. When it records its progress (commits its offsets) relative to its effect is the
 * delivery semantics:
 *  - at most once: commit the batch's offsets, then process it. A crash between the two
 *    loses the batch: the restarted processor resumes after it.
 *  - at least once: process the batch, wait until every ledger entry is acknowledged, then
 *    commit. A crash between the two processes the batch again: duplicate entries.
 *  - exactly once: process the batch inside a transaction and add the offsets to the same
 *    transaction; entries and offsets commit together or not at all. Read-committed
 *    consumers never see the entries of an aborted attempt.
 *
 * Crash points: `after-poll` (a batch fetched, nothing done), `after-process` (entries
 * written, offsets not committed), `after-commit` (offsets committed; under at most once,
 * before processing).
 */
import type { Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import { type ConsumedRecord, Consumer, type ConsumerConfig } from '../parts/log/consumer.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import { keyHashPartitioner } from '../parts/log/partitioner.ts';
import { Producer, type ProducerConfig } from '../parts/log/producer.ts';
import type { EffectsAudit, LedgerEntry } from './effects-audit.ts';
import type { Payment } from './payments-service.ts';

export type Semantics = 'at-most-once' | 'at-least-once' | 'exactly-once';

export const GROUP = 'ledger-writers';

export interface ProcessorConfig {
  layout: ClusterLayout;
  semantics: Semantics;
  processMs: number;
  consumer: Omit<ConsumerConfig, 'clientId' | 'group' | 'topics' | 'isolation' | 'autoCommit'>;
  producer: Pick<ProducerConfig, 'lingerMs' | 'requestTimeoutMs' | 'retryBackoffMs' | 'batchMax' | 'transactionTimeoutMs' | 'onRetry'>;
  audit: EffectsAudit;
}

type AppTimer = { owner: 'app'; kind: 'process' };

/** The next record's processing is done (one tag for every timer: it carries nothing of its own). */
const PROCESS: AppTimer = { owner: 'app', kind: 'process' };

export function processor(config: ProcessorConfig): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const { semantics, audit } = config;
    const eos = semantics === 'exactly-once';
    const metadata = new Metadata(ctx, config.layout);
    const producer = new Producer(ctx, metadata, {
      clientId: 'ledger',
      acks: semantics === 'at-most-once' ? 1 : 'all',
      retries: semantics === 'at-most-once' ? 0 : Number.POSITIVE_INFINITY,
      idempotent: eos,
      transactionalId: eos ? 'ledger-writer' : null,
      partitioner: keyHashPartitioner(),
      ...config.producer,
    });
    let busy = false;
    let batch: ConsumedRecord<Payment>[] = [];
    let next = 0;
    let afterProcess: () => void = () => undefined;

    const loop = (): void => {
      if (busy) return;
      const records = consumer.poll();
      if (records.length === 0) return;
      busy = true;
      ctx.crashPoint('after-poll');
      if (semantics === 'at-most-once') atMostOnce(records);
      else if (semantics === 'at-least-once') atLeastOnce(records);
      else exactlyOnce(records);
    };
    const consumer = new Consumer<Payment>(
      ctx,
      metadata,
      {
        clientId: 'processor',
        group: GROUP,
        topics: ['payments'],
        isolation: eos ? 'read-committed' : 'read-uncommitted',
        autoCommit: false,
        ...config.consumer,
      },
      loop,
    );

    const finish = (): void => {
      busy = false;
      loop();
    };

    const process = (records: ConsumedRecord<Payment>[], done: () => void): void => {
      batch = records;
      next = 0;
      afterProcess = done;
      ctx.setTimer(config.processMs, PROCESS);
    };

    const processOne = (): void => {
      const p = batch[next++]!.value;
      const times = audit.handling(p.id);
      if (times > 1) ctx.note(() => `processor handles payment ${p.id} for the ${ordinal(times)} time`, 'key');
      // Outside a transaction an entry is visible once acknowledged; inside one, once it commits.
      producer.send('ledger', p.account, { payment: p.id, amount: p.amount } satisfies LedgerEntry, (r) => {
        if (r.ok && !eos) audit.madeVisible([p.id]);
      });
      if (next < batch.length) ctx.setTimer(config.processMs, PROCESS);
      else afterProcess();
    };

    const span = (records: ConsumedRecord<Payment>[]): string => {
      const first = records[0]!.value.id;
      const last = records[records.length - 1]!.value.id;
      return records.length === 1 ? `payment ${first}` : `payments ${first}-${last}`;
    };

    const atMostOnce = (records: ConsumedRecord<Payment>[]): void => {
      consumer.commit(null, (ok) => {
        if (!ok) {
          ctx.note(() => `processor's commit was refused: it drops ${span(records)} unprocessed rather than risk handling them twice`);
          return finish();
        }
        ctx.note(() => `processor commits past ${span(records)} before processing (at most once)`);
        ctx.crashPoint('after-commit');
        process(records, () => {
          ctx.crashPoint('after-process');
          finish();
        });
      });
    };

    const atLeastOnce = (records: ConsumedRecord<Payment>[]): void => {
      process(records, () =>
        producer.flush(() => {
          ctx.crashPoint('after-process');
          consumer.commit(null, (ok) => {
            if (ok) ctx.crashPoint('after-commit');
            finish();
          });
        }),
      );
    };

    const exactlyOnce = (records: ConsumedRecord<Payment>[]): void => {
      producer.beginTransaction();
      process(records, () => {
        ctx.crashPoint('after-process');
        producer.sendOffsetsToTransaction(consumer.consumedOffsets(), GROUP, consumer.memberId ?? '', consumer.generation, (ok, error) => {
          if (!ok) return producer.abortTransaction(() => recover(`its offsets were refused (${error})`));
          producer.commitTransaction((committed, why) => {
            if (!committed) return recover(`the commit failed (${why})`);
            audit.madeVisible(records.map((r) => r.value.id));
            ctx.note(() => `processor commits ${span(records)} and its offsets in one transaction`);
            ctx.crashPoint('after-commit');
            finish();
          });
        });
      });
    };

    /** After an aborted transaction: register again and go back to the committed offsets. */
    const recover = (why: string): void => {
      ctx.note(() => `processor's transaction did not commit (${why}): it registers again and re-reads from its committed offsets`, 'key');
      producer.initTransactions(() => {
        consumer.resetToCommitted();
        finish();
      });
    };

    if (eos) producer.initTransactions(() => consumer.start());
    else consumer.start();

    return {
      onMessage(from, m) {
        if (metadata.onMessage(from, m) || producer.onMessage(from, m)) return;
        consumer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner === 'app') return processOne();
        if (!metadata.onTimer(tag) && !producer.onTimer(tag)) consumer.onTimer(tag);
      },
      onInject(fault) {
        if (fault.name === 'lose-ack') producer.loseNextAck();
      },
    };
  };
}

function ordinal(n: number): string {
  return n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`;
}
