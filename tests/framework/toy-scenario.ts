/**
 * A tiny scenario for testing the framework itself: a sender streams numbered increments to
 * a counter, which acknowledges each. The `volatile` counter keeps its count in memory (a
 * crash loses it: flawed); the `durable` one writes it to disk (sound); `runaway` never
 * stops sending (to exercise the event bound).
 */
import { z } from 'zod';
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
  topology: () => ({
    nodes: [
      { name: 'sender', role: 'client' },
      { name: 'counter', role: 'server' },
    ],
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
  faultSpace: (p) => ({ windowMs: p.increments * p.gapMs, crashable: ['counter'], partitionable: ['sender', 'counter'], faultsMax: 3 }),
  eventsMax: (p) => p.eventsMax,
  network: () => ({ latency: { kind: 'constant', ms: 1 } }),
  build(world) {
    const { sim, params: p, strategy } = world;
    let acked = 0;
    sim.addNode<{ n: number } | { ack: number }>('sender', (ctx) => {
      for (let i = 0; i < p.increments; i++) ctx.setTimer(i * p.gapMs, i);
      return {
        onTimer(tag) {
          ctx.send(1, { n: tag as number });
          if (strategy === 'runaway') ctx.setTimer(0, tag);
        },
        onMessage() {
          acked++;
          world.reach('acked');
        },
      };
    });
    // The auditor sees the counter's value as the counter reports it (a restart reports 0).
    const observed = { count: 0 };
    sim.addNode<{ n: number }>('counter', (ctx) => {
      let count = strategy === 'durable' ? (ctx.durable.get<number>('count') ?? 0) : 0;
      observed.count = count;
      return {
        onMessage(from, m) {
          count++;
          observed.count = count;
          if (strategy === 'durable') ctx.durable.set('count', count);
          ctx.note(() => `counter at ${count}`);
          ctx.send(from, { ack: m.n } as never);
        },
      };
    });
    world.atEnd(() => {
      if (observed.count < acked) world.violate('acked-kept', `the counter holds ${observed.count} but ${acked} increments were acknowledged`);
    });
    return { metrics: () => ({ acked }) };
  },
});
