import { describe, expect, it } from 'vitest';
import { type NodeContext, Simulation } from '../../../../engine/index.ts';
import { ServiceQueue } from '../../../../scenarios/parts/storage/service-queue.ts';

/** A node with a queue; `arrivals` are (time, serviceMs) pairs; returns the finish times and waits. */
function serve(arrivals: [number, number][]): { done: { at: number; waited: number }[]; queue: () => ServiceQueue<number> } {
  const sim = new Simulation({ seed: 1 });
  const done: { at: number; waited: number }[] = [];
  let queue!: ServiceQueue<number>;
  sim.addNode('server', (ctx: NodeContext) => {
    queue = new ServiceQueue<number>(ctx, (_job, waited) => done.push({ at: ctx.now, waited }));
    arrivals.forEach(([at, ms], i) => {
      ctx.setTimer(at, { arrival: i, ms });
    });
    return {
      onTimer(tag) {
        if (queue.onTimer(tag)) return;
        const t = tag as { arrival: number; ms: number };
        queue.enqueue(t.arrival, t.ms);
      },
    };
  });
  sim.run();
  return { done, queue: () => queue };
}

describe('ServiceQueue', () => {
  it('serves one job at a time, first come first served', () => {
    const { done } = serve([
      [0, 10],
      [1, 10],
      [2, 5],
    ]);

    expect(done.map((d) => d.at)).toEqual([10, 20, 25]);
    expect(done.map((d) => d.waited)).toEqual([0, 9, 18]);
  });

  it('stays idle until the next job arrives', () => {
    const { done } = serve([
      [0, 5],
      [100, 5],
    ]);

    expect(done.map((d) => d.at)).toEqual([5, 105]);
  });

  it('builds a backlog that grows with load above capacity', () => {
    // 20 jobs of 10 ms arrive in the first 100 ms: twice what one server can do.
    const { queue } = serve(Array.from({ length: 20 }, (_, i): [number, number] => [i * 5, 10]));

    expect(queue().served).toBe(20);
    expect(queue().busyMs).toBe(200);
  });
});
