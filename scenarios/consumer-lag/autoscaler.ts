/**
 * The autoscaler: watches the group's lag with an admin client, as a lag-based autoscaler
 * does, and once it passes `scaleAtLag` scales out, once:
 *  - add-consumers: starts the standby consumer instances;
 *  - more-partitions: also grows the topic's partition count, so the new consumers have
 *    partitions to take (the group rebalances to spread them).
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { AdminClient } from '../parts/log/admin-client.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import type { Deployment } from './deployment.ts';
import type { ScaleMessage } from './messages.ts';

export interface AutoscalerConfig {
  layout: ClusterLayout;
  group: string;
  topic: string;
  /** null: this strategy does not scale. */
  action: { standby: readonly NodeId[]; partitionsAfter: number | null } | null;
  deployment: Deployment;
  scaleAtLag: number;
  probeMs: number;
}

type Message = LogMessage | ScaleMessage;

export function autoscaler(config: AutoscalerConfig): Spawn<Message> {
  return (ctx: NodeContext<Message>) => {
    const logCtx = ctx as unknown as NodeContext<LogMessage>;
    const metadata = new Metadata(logCtx, config.layout);
    const admin = new AdminClient(logCtx, metadata, 'autoscaler');
    let scaled = ctx.durable.get('scaled') === true;
    const nothingToDo = config.action === null || (config.action.standby.length === 0 && config.action.partitionsAfter === null);
    if (nothingToDo) ctx.state('off');
    else if (!scaled) ctx.setTimer(config.probeMs, 'probe');
    // (off: no standby consumers and no partitions to add)

    const scale = (total: number): void => {
      const action = config.action!;
      scaled = true;
      ctx.durable.set('scaled', true);
      ctx.state('scaled');
      ctx.note(
        () =>
          `autoscaler sees lag ${total} > ${config.scaleAtLag}: it starts ${action.standby.length} more consumer(s)${action.partitionsAfter === null ? '' : ` and grows ${config.topic} to ${action.partitionsAfter} partitions`}`,
        'key',
      );
      if (action.partitionsAfter !== null) admin.createPartitions(config.topic, action.partitionsAfter);
      config.deployment.replicas += action.standby.length;
      for (const c of action.standby) ctx.send(c, { type: 'start' });
    };

    return {
      onMessage(from, m) {
        if (m.type !== 'start' && !metadata.onMessage(from, m)) admin.onMessage(from, m);
      },
      onTimer(tag) {
        if (metadata.onTimer(tag) || admin.onTimer(tag) || tag !== 'probe' || scaled) return;
        admin.groupLag(config.group, config.topic, (lags) => {
          const total = lags?.reduce((a, l) => a + l.lag, 0) ?? 0;
          if (total > config.scaleAtLag) scale(total);
          else ctx.setTimer(config.probeMs, 'probe');
        });
      },
    };
  };
}
