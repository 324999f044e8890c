/**
 * The kernel benchmark workloads, written against the public API exactly as a scenario would
 * use it (nodes, timers, the network). See ../shared/anchors for the same workloads as bare
 * loops, SimPy and simjs.
 *  - hold: `pending` timers on one node; each firing sets one more at now + Exp(1).
 *  - pingpong: 100 nodes (or as many as asked) each start 10 messages to random other nodes; links deliver after
 *    1 + Exp(5) ms; every delivery sends one message on to a random other node.
 */
import { MemoryTrace, type NodeId, Simulation } from '../engine/index.ts';

export interface WorkloadResult {
  events: number;
  seconds: number;
  finalTimeMs: number;
  checksum: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

export function runHold(events: number, pending: number, trace: boolean, seed = 12345): WorkloadResult {
  const sim = new Simulation({ seed, trace: trace ? new MemoryTrace() : null });
  let fired = 0;
  sim.addNode('holder', (ctx) => {
    for (let i = 0; i < pending; i++) ctx.setTimer(ctx.rng.exponential(1));
    return {
      onTimer() {
        fired++;
        ctx.setTimer(ctx.rng.exponential(1));
      },
    };
  });
  sim.start();
  const t0 = now();
  sim.run({ stopAfterEvents: events, timeMaxMs: Number.POSITIVE_INFINITY });
  const seconds = now() - t0;
  return { events: sim.events, seconds, finalTimeMs: sim.now, checksum: fired };
}

export function runPingpong(deliveries: number, trace: boolean, seed = 12345, nodes = 100): WorkloadResult {
  const { sim, counters } = buildPingpong(nodes, trace ? new MemoryTrace() : null, seed);
  sim.start();
  const t0 = now();
  sim.run({ stopAfterEvents: deliveries, timeMaxMs: Number.POSITIVE_INFINITY });
  const seconds = now() - t0;
  let checksum = 0;
  for (let i = 0; i < nodes; i++) checksum += counters[i]! * (i + 1);
  return { events: sim.events, seconds, finalTimeMs: sim.now, checksum };
}

/** The pingpong topology on `nodes` nodes, not yet started (growth.ts times its set-up apart). */
export function buildPingpong(nodes: number, trace: MemoryTrace | null, seed: number): { sim: Simulation; counters: Float64Array } {
  const sim = new Simulation({ seed, trace, network: { latency: { kind: 'exponential', minMs: 1, meanMs: 5 } } });
  const counters = new Float64Array(nodes);
  for (let i = 0; i < nodes; i++) {
    sim.addNode(`n${i}`, (ctx) => {
      const self = ctx.self;
      const other = (): NodeId => {
        const d = ctx.rng.int(nodes - 1);
        return d >= self ? d + 1 : d;
      };
      for (let j = 0; j < 10; j++) ctx.send(other(), 0);
      return {
        onMessage(_from, hops) {
          counters[self]! += 1;
          ctx.send(other(), (hops as number) + 1);
        },
      };
    });
  }
  return { sim, counters };
}
