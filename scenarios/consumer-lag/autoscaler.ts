/**
 * The autoscaler: watches the group's lag with an admin client, as a lag-based autoscaler
 * does (KEDA's Kafka scaler), and once it passes `scaleAtLag` scales out, once:
 *  - add-consumers: starts the standby consumer instances;
 *  - more-partitions: also grows the topic's partition count, so the new consumers have
 *    partitions to take (the group rebalances to spread them).
 * Its decision is forced to its disk before it acts, so a restart never scales twice; after
 * it, it re-sends `start` to every standby instance that has not confirmed, each probe, as an
 * orchestrator reconciles until its pods are up.
 */
import type { Spawn } from '../../engine/index.ts';
import { AdminClient } from '../parts/log/admin-client.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import type { Deployment } from './deployment.ts';
import type { ScaleMessage } from './messages.ts';

export interface AutoscalerConfig {
  layout: ClusterLayout;
  group: string;
  topic: string;
  /** null: this strategy does not scale. Standby instances by node name. */
  action: { standby: readonly string[]; partitionsAfter: number | null } | null;
  deployment: Deployment;
  scaleAtLag: number;
  probeMs: number;
}

type AppTimer = { owner: 'app'; kind: 'probe' };

/** The next look at the lag (one tag for every timer: it carries nothing of its own). */
const PROBE: AppTimer = { owner: 'app', kind: 'probe' };

export function autoscaler(config: AutoscalerConfig): Spawn<LogMessage | ScaleMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, config.layout);
    const admin = new AdminClient(ctx, metadata, 'autoscaler');
    const action = config.action;
    let scaled = ctx.disk.get<boolean>('scaled') === true;
    /** Standby instances that have not confirmed they run. */
    const unconfirmed = new Set(scaled ? (action?.standby ?? []) : []);
    const nothingToDo = action === null || (action.standby.length === 0 && action.partitionsAfter === null);
    if (nothingToDo) ctx.state('off');
    else ctx.setTimer(config.probeMs, PROBE);

    const startStandby = (): void => {
      for (const name of unconfirmed) ctx.send(name, { type: 'start' });
    };

    const scale = (total: number): void => {
      const a = action!;
      scaled = true;
      ctx.disk.set('scaled', true);
      ctx.disk.force();
      ctx.state('scaled');
      ctx.note(
        () =>
          `autoscaler sees lag ${total} > ${config.scaleAtLag}: it starts ${a.standby.length} more consumer(s)${a.partitionsAfter === null ? '' : ` and grows ${config.topic} to ${a.partitionsAfter} partitions`}`,
        'key',
      );
      if (a.partitionsAfter !== null) admin.createPartitions(config.topic, a.partitionsAfter);
      config.deployment.scaleTo(config.deployment.replicas + a.standby.length);
      for (const name of a.standby) unconfirmed.add(name);
      startStandby();
    };

    const probe = (): void => {
      if (scaled) {
        // Reconcile until done: a start that was lost, partitions a crashed broker never created.
        const grown = action!.partitionsAfter === null || metadata.partitionCount(config.topic) >= action!.partitionsAfter;
        if (!grown) {
          admin.createPartitions(config.topic, action!.partitionsAfter!);
          metadata.refresh();
        }
        startStandby();
        if (unconfirmed.size > 0 || !grown) ctx.setTimer(config.probeMs, PROBE);
        return;
      }
      admin.groupLag(config.group, config.topic, (lags) => {
        const total = lags?.reduce((a, l) => a + l.lag, 0) ?? 0;
        if (total > config.scaleAtLag) scale(total);
        ctx.setTimer(config.probeMs, PROBE);
      });
    };

    return {
      onMessage(from, m) {
        if (m.type === 'started') {
          unconfirmed.delete(ctx.nameOf(from));
          return;
        }
        if (m.type === 'start') return;
        if (!metadata.onMessage(from, m)) admin.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner === 'app') return probe();
        if (!metadata.onTimer(tag)) admin.onTimer(tag);
      },
    };
  };
}
