import { describe, expect, it } from 'vitest';
import { type FaultPlan, type NodeContext, type NodeId, Simulation } from '../../../../engine/index.ts';
import { type GlbMessage, GlobalLoadBalancer } from '../../../../scenarios/parts/replication/global-load-balancer.ts';

/** A balancer in front of regions r1 and r2, and one client homed in r1; records routes and events. */
function world(policy: 'active-passive' | 'active-active', plan: FaultPlan) {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
  const routes: { at: number; region: string }[] = [];
  const events: string[] = [];
  const R1 = 1;
  const R2 = 2;
  const CLIENT = 3;
  sim.addNode('glb', (ctx) => {
    const glb = new GlobalLoadBalancer(ctx, {
      policy,
      regions: [
        { name: 'r1', node: R1 },
        { name: 'r2', node: R2 },
      ],
      clients: [{ node: CLIENT, home: 'r1' }],
      healthCheckMs: 100,
      failAfter: 3,
      recoverAfter: 2,
      refreshRounds: 1000,
      onFailover: (from, to, epoch) => events.push(`failover ${from.name}->${to.name} epoch ${epoch} at ${ctx.now}`),
      onDown: (r) => events.push(`down ${r.name} at ${ctx.now}`),
      onRecovered: (r) => events.push(`up ${r.name} at ${ctx.now}`),
    });
    return { onMessage: (from: NodeId, m: GlbMessage) => void glb.onMessage(from, m), onTimer: (t: unknown) => void glb.onTimer(t) };
  });
  const region = (ctx: NodeContext<GlbMessage>) => ({
    onMessage(from: NodeId, m: GlbMessage) {
      if (m.type === 'glb-ping') ctx.send(from, { type: 'glb-pong', round: m.round });
    },
  });
  sim.addNode('r1', region);
  sim.addNode('r2', region);
  sim.addNode('client', (ctx) => ({
    onMessage(_from, m) {
      if (m.type === 'glb-route') routes.push({ at: ctx.now, region: m.region });
    },
  }));
  sim.schedulePlan(plan);
  sim.run({ untilMs: 2000 });
  return { routes, events, disk: sim.disk(sim.nodeId('glb')) };
}

describe('GlobalLoadBalancer', () => {
  it('sends a client to its home region while every region is healthy', () => {
    const { routes, events } = world('active-active', []);

    expect(routes.map((r) => r.region)).toEqual(['r1']);
    expect(events).toEqual([]);
  });

  it('marks a region down after failAfter missed checks and sends its clients elsewhere', () => {
    const { routes, events } = world('active-active', [{ at: 250, kind: 'crash', node: 'r1' }]);

    expect(events).toEqual(['down r1 at 600']);
    expect(routes.map((r) => r.region)).toEqual(['r1', 'r2']);
  });

  it('fails over from the active region to a healthy standby, once', () => {
    const { events } = world('active-passive', [{ at: 250, kind: 'crash', node: 'r1' }]);

    expect(events).toEqual(['down r1 at 600', 'failover r1->r2 epoch 2 at 600']);
  });

  it('does not fail back when the old region recovers', () => {
    const { routes, events } = world('active-passive', [
      { at: 250, kind: 'crash', node: 'r1' },
      { at: 1000, kind: 'restart', node: 'r1' },
    ]);

    expect(events).toEqual(['down r1 at 600', 'failover r1->r2 epoch 2 at 600', 'up r1 at 1200']);
    expect(routes.map((r) => r.region)).toEqual(['r1', 'r2']);
  });

  it('sees a region it cannot reach as down even though the region is running', () => {
    const { events } = world('active-passive', [{ at: 250, kind: 'partition', groups: [['glb']] }]);

    expect(events.filter((e) => e.startsWith('down'))).toEqual(['down r1 at 600', 'down r2 at 600']);
    expect(events.some((e) => e.startsWith('failover'))).toBe(false);
  });

  it('keeps the new active region and its epoch as one record through a crash right after the failover was forced', () => {
    const { disk, routes } = world('active-passive', [
      { at: 250, kind: 'crash', node: 'r1' },
      { at: 500, kind: 'crash', node: 'glb', when: 'io:forced' },
      { at: 700, kind: 'restart', node: 'glb' },
    ]);

    expect(disk.get('glb:active')).toEqual({ active: 'r2', epoch: 2 });
    expect(routes.at(-1)!.region).toBe('r2');
  });
});
