/**
 * The payments service: the upstream producer. It publishes each payment of the workload to
 * the `payments` topic at its arrival time, with the strategy's producer settings (acks,
 * retries, idempotence), and reports sends and acknowledgements to the audit. A `lose-ack`
 * fault loses the broker's next acknowledgement on its way back.
 */
import type { NodeContext, Spawn } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
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

type Timer = { app: 'pay'; index: number };

export function paymentsService(
  layout: ClusterLayout,
  payments: readonly Payment[],
  settings: Pick<ProducerConfig, 'acks' | 'retries' | 'idempotent' | 'lingerMs' | 'requestTimeoutMs' | 'retryBackoffMs' | 'batchMax' | 'transactionTimeoutMs'>,
  audit: EffectsAudit,
): Spawn<LogMessage> {
  return (ctx: NodeContext<LogMessage>) => {
    const metadata = new Metadata(ctx, layout);
    const producer = new Producer(ctx, metadata, { ...settings, clientId: 'payments', transactionalId: null, partitioner: keyHashPartitioner() });
    // Payments not yet published when the service (re)starts are published at their time.
    payments.forEach((p, index) => {
      if (!audit.sentMs.has(p.id)) ctx.setTimer(Math.max(0, p.atMs - ctx.now), { app: 'pay', index } satisfies Timer);
    });
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (metadata.onTimer(tag) || producer.onTimer(tag)) return;
        const p = payments[(tag as Timer).index]!;
        audit.sent(p.id);
        producer.send('payments', p.account, p, (r) => {
          if (r.ok) audit.acknowledged(p.id);
        });
      },
      onInject(fault) {
        if (fault.name === 'lose-ack') producer.loseNextAck();
      },
    };
  };
}
