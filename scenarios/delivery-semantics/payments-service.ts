/**
 * The payments service: the upstream producer. It publishes each payment of the workload to
 * the `payments` topic at its arrival time (on its own clock: one timer for the next payment
 * due), with the strategy's producer settings (acks, retries, idempotence), and reports sends
 * and acknowledgements to the audit. A `lose-ack` fault loses the broker's next
 * acknowledgement on its way back.
 */
import type { Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import { keyHashPartitioner } from '../parts/log/partitioner.ts';
import { Producer, type ProducerConfig } from '../parts/log/producer.ts';
import type { EffectsAudit } from './effects-audit.ts';

export interface Payment {
  id: string;
  account: string;
  amount: number;
  atMs: number;
}

type AppTimer = { owner: 'app'; kind: 'publish'; upTo: number };

export type ProducerSettings = Pick<
  ProducerConfig,
  'acks' | 'retries' | 'idempotent' | 'lingerMs' | 'requestTimeoutMs' | 'retryBackoffMs' | 'batchMax' | 'transactionTimeoutMs' | 'onRetry'
>;

export function paymentsService(
  layout: ClusterLayout,
  payments: readonly Payment[],
  settings: ProducerSettings,
  audit: EffectsAudit,
): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, layout);
    const producer = new Producer(ctx, metadata, { clientId: 'payments', transactionalId: null, partitioner: keyHashPartitioner(), ...settings });
    let next = 0;
    /** Publishes every payment due by now, in order, and waits for the next one. */
    const publishDue = (upTo = -1): void => {
      const now = ctx.now;
      // The timer for payment `upTo` fired: it is due, whatever rounding the node's clock did.
      while (next < payments.length && (next <= upTo || payments[next]!.atMs <= now)) {
        const p = payments[next++]!;
        audit.sent(p.id);
        producer.send('payments', p.account, p, (r) => {
          if (r.ok) audit.acknowledged(p.id);
        });
      }
      if (next < payments.length) ctx.setTimer(payments[next]!.atMs - now, { owner: 'app', kind: 'publish', upTo: next });
    };
    publishDue();
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) producer.onTimer(tag);
          return;
        }
        publishDue(tag.upTo);
      },
      onInject(fault) {
        if (fault.name === 'lose-ack') producer.loseNextAck();
      },
    };
  };
}
