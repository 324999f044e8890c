/**
 * The global load balancer's node: a GlobalLoadBalancer (health checks and routes) plus, for
 * active-passive, the control plane that decides who is primary. On failover it picks a new
 * epoch (kept on its disk) and promotes the standby; a region that comes back is told to
 * follow the active one. Both orders are repeated every health-check round (they are
 * idempotent), so a lost message only delays them.
 */
import type { NodeContext, Spawn } from '../../engine/index.ts';
import { type GlbClient, type GlbRegion, GlobalLoadBalancer } from '../parts/replication/global-load-balancer.ts';
import type { MultiRegionMessage } from './messages.ts';
import type { WriteLedger } from './write-ledger.ts';

export interface DirectorConfig {
  policy: 'active-passive' | 'active-active';
  regions: readonly GlbRegion[];
  clients: readonly GlbClient[];
  healthCheckMs: number;
  failAfter: number;
  recoverAfter: number;
  ledger: WriteLedger;
}

export function trafficDirector(config: DirectorConfig): Spawn<MultiRegionMessage> {
  return (ctx: NodeContext<MultiRegionMessage>) => {
    const epoch = (): number => ctx.durable.get<number>('epoch') ?? 1;
    const nodeOf = (name: string): GlbRegion => config.regions.find((r) => r.name === name)!;
    const glb: GlobalLoadBalancer = new GlobalLoadBalancer(ctx, {
      policy: config.policy,
      regions: config.regions,
      clients: config.clients,
      healthCheckMs: config.healthCheckMs,
      failAfter: config.failAfter,
      recoverAfter: config.recoverAfter,
      refreshRounds: 5,
      onDown: (region) => {
        config.ledger.regionsMarkedDown++;
        ctx.note(
          () =>
            `the balancer marks ${region.name} down: ${config.failAfter} health checks in a row (${config.failAfter * config.healthCheckMs} ms) went unanswered`,
          'key',
        );
      },
      onFailover: (from, to) => {
        const next = epoch() + 1;
        ctx.durable.set('epoch', next);
        config.ledger.failedOver();
        ctx.state('failover', `${from.name} -> ${to.name}`);
        ctx.note(
          () => `the balancer fails over from ${from.name} to ${to.name}: it promotes ${ctx.nameOf(to.node)} for epoch ${next} and sends every user there`,
          'key',
        );
        ctx.send(to.node, { type: 'promote', epoch: next });
      },
      onRecovered: (region) => {
        ctx.note(() => `${region.name} answers health checks again`);
        if (config.policy === 'active-passive' && region.name !== glb.active) {
          ctx.send(region.node, { type: 'follow', epoch: epoch(), primary: nodeOf(glb.active).node });
        }
      },
    });
    const tag = { kind: 'director:reconcile' };
    if (config.policy === 'active-passive') ctx.setTimer(config.healthCheckMs, tag);

    return {
      onMessage(from, m) {
        glb.onMessage(from, m as never);
      },
      onTimer(t) {
        if (glb.onTimer(t) || t !== tag) return;
        const active = nodeOf(glb.active);
        ctx.send(active.node, { type: 'promote', epoch: epoch() });
        for (const r of config.regions) {
          if (r.name !== active.name && glb.isUp(r.name)) ctx.send(r.node, { type: 'follow', epoch: epoch(), primary: active.node });
        }
        ctx.setTimer(config.healthCheckMs, tag);
      },
    };
  };
}
