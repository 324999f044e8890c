/**
 * A tiny scenario for testing the framework itself: a sender streams numbered increments to
 * a counter, which acknowledges each. The `volatile` counter keeps its count in memory (a
 * crash loses it: flawed); the `durable` one writes it to disk (sound); `runaway` never
 * stops sending (to exercise the event bound).
 */
import { z } from 'zod';
import type { NodeContext } from '../../engine/index.ts';
import { defineScenario } from '../../scenarios/index.ts';

export const toy = defineScenario({
  id: 'toy-counter',
  title: 'Toy counter',
  family: 'transactions',
  question: 'Does the counter keep every acknowledged increment?',
  summary: 'A sender streams increments to a counter.',
  params: z.object({
    increments: z.number().int().min(1).max(1000).default(20).describe('increments to send'),
    gapMs: z.number().min(1).max(1000).default(10).describe('time between increments, in ms'),
    eventsMax: z.number().int().min(10).max(10_000_000).default(1_000_000).describe('event bound'),
  }),
  timing: (p) => ({ workloadMs: p.increments * p.gapMs, settleMs: 500 }),
  strategies: [
    { id: 'durable', title: 'Durable counter', explanation: 'Writes the count to disk.', expectedViolations: [] },
    { id: 'volatile', title: 'Volatile counter', explanation: 'Keeps the count in memory.', expectedViolations: ['acked-kept'] },
    { id: 'runaway', title: 'Runaway', explanation: 'Never stops.', expectedViolations: [] },
  ],
  defaultStrategy: 'durable',
  invariants: [{ name: 'acked-kept', kind: 'liveness', description: 'Once quiet, the count equals the increments acknowledged.' }],
  goals: [
    { name: 'acked', description: 'An increment was acknowledged.' },
    { name: 'never', description: 'A goal no run reaches.' },
  ],
  metrics: [{ name: 'acked', unit: 'increments', description: 'increments acknowledged', better: 'higher' }],
  presets: [
    {
      id: 'counter-crash',
      title: 'The counter crashes',
      description: 'The counter crashes midway and restarts.',
      faults: (p) => [
        { at: (p.increments * p.gapMs) / 2, kind: 'crash', node: 'counter' },
        { at: (p.increments * p.gapMs) / 2 + 50, kind: 'restart', node: 'counter' },
      ],
    },
  ],
  faultSpace: (p) => ({ windowMs: p.increments * p.gapMs, faultsMax: 3, exclude: { skew: 'the toy reads no clock', drift: 'the toy reads no clock' } }),
  eventsMax: (p) => p.eventsMax,
  network: () => ({ latency: { kind: 'constant', ms: 1 } }),
  build(world) {
    const { params: p, strategy } = world;
    const ackedIncrements = new Set<number>();
    let acked = 0;
    type Msg = { n: number } | { ack: number };
    world.node(
      'sender',
      { role: 'client', spare: { crash: 'the sender stands for the users; the question is what the counter keeps' } },
      (ctx: NodeContext<Msg, number>) => {
        for (let i = 0; i < p.increments; i++) ctx.setTimer(i * p.gapMs, i);
        return {
          onTimer(i) {
            ctx.send('counter', { n: i });
            if (strategy === 'runaway') ctx.setTimer(0, i);
          },
          onMessage(_from, m) {
            // A duplicated acknowledgement acknowledges nothing new.
            if (!('ack' in m) || ackedIncrements.has(m.ack)) return;
            ackedIncrements.add(m.ack);
            acked++;
            world.reach('acked');
          },
        };
      },
    );
    // The auditor sees the counter's value as the counter reports it (a restart reports 0).
    const observed = { count: 0 };
    world.node('counter', { role: 'server' }, (ctx: NodeContext<Msg>) => {
      let count = strategy === 'durable' ? (ctx.disk.get<number>('count') ?? 0) : 0;
      observed.count = count;
      return {
        onMessage(from, m) {
          if (!('n' in m)) return;
          count++;
          observed.count = count;
          if (strategy === 'durable') {
            ctx.disk.set('count', count);
            ctx.disk.force();
          }
          ctx.note(() => `counter at ${count}`);
          ctx.send(from, { ack: m.n });
        },
      };
    });
    world.chart({ id: 'count', title: 'Count', unit: 'increments', everyMs: 10, series: { count: () => observed.count, acked: { perSecond: () => acked } } });
    world.atEnd(() => {
      if (observed.count < acked) world.violate('acked-kept', `the counter holds ${observed.count} but ${acked} increments were acknowledged`);
    });
    return { metrics: () => ({ acked }) };
  },
});
