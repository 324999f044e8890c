/**
 * The global load balancer's node: a GlobalLoadBalancer (health checks and routes) plus, for
 * active-passive, the control plane that decides who is primary. On failover the balancer
 * opens a new epoch (forced to its disk with the new active region, before anyone hears of
 * it) and the director promotes the standby for that epoch; a region that comes back is told
 * to follow the active one. Both orders are repeated every health-check round (they are
 * idempotent), so a lost message only delays them.
 */
import type { Spawn } from '../../engine/index.ts';
import { type GlbTimer, GlobalLoadBalancer } from '../parts/replication/global-load-balancer.ts';
import type { MultiRegionMessage } from './messages.ts';
import type { WriteLedger } from './write-ledger.ts';

export interface DirectorConfig {
  policy: 'active-passive' | 'active-active';
  /** Each region's name and its database node's name. */
  regions: readonly { name: string; node: string }[];
  /** Each region's users node and their home region. */
  clients: readonly { node: string; home: string }[];
  healthCheckMs: number;
  failAfter: number;
  recoverAfter: number;
  ledger: WriteLedger;
}

export function trafficDirector(config: DirectorConfig): Spawn<MultiRegionMessage, GlbTimer> {
  return (ctx) => {
    const regions = config.regions.map((r) => ({ name: r.name, node: ctx.lookup(r.node) }));
    const regionOf = (name: string) => regions.find((r) => r.name === name)!;
    const glb: GlobalLoadBalancer = new GlobalLoadBalancer(ctx, {
      policy: config.policy,
      regions,
      clients: config.clients.map((c) => ({ node: ctx.lookup(c.node), home: c.home })),
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
      onFailover: (from, to, next) => {
        config.ledger.failedOver();
        ctx.state('failover', `${from.name} -> ${to.name}`);
        ctx.note(
          () => `the balancer fails over from ${from.name} to ${to.name}: it promotes ${ctx.nameOf(to.node)} for epoch ${next} and sends every user there`,
          'key',
        );
        ctx.send(to.node, { type: 'promote', epoch: next });
      },
      // Every round, active-passive repeats who is primary: idempotent orders, so a lost one only delays them.
      onRound:
        config.policy === 'active-passive'
          ? () => {
              const active = regionOf(glb.active);
              ctx.send(active.node, { type: 'promote', epoch: glb.epoch });
              for (const r of regions) {
                if (r.name !== active.name && glb.isUp(r.name)) ctx.send(r.node, { type: 'follow', epoch: glb.epoch, primary: active.node });
              }
            }
          : undefined,
      onRecovered: (region) => {
        ctx.note(() => `${region.name} answers health checks again`);
        if (config.policy === 'active-passive' && region.name !== glb.active) {
          ctx.send(region.node, { type: 'follow', epoch: glb.epoch, primary: regionOf(glb.active).node });
        }
      },
    });
    return {
      onMessage(from, m) {
        glb.onMessage(from, m);
      },
      onTimer(t) {
        glb.onTimer(t);
      },
    };
  };
}
