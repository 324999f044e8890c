import { describe, expect, it } from 'vitest';
import { type NodeContext, Simulation } from '../../../../engine/index.ts';
import { Stall } from '../../../../scenarios/parts/cache/stall.ts';

describe('Stall', () => {
  it('delays only the next answer of the armed kind and key, once', () => {
    const sim = new Simulation({ seed: 1 });
    const handled: string[] = [];
    sim.addNode('app', (ctx: NodeContext<unknown>) => {
      const stall = new Stall(ctx);
      ctx.setTimer(10, 'answers');
      return {
        onInject(fault) {
          stall.arm(fault);
        },
        onTimer(tag) {
          if (stall.onTimer(tag)) return;
          for (const [op, key] of [
            ['read', 'b'],
            ['write', 'a'],
            ['read', 'a'],
            ['read', 'a'],
          ] as const) {
            stall.after(op, key, () => handled.push(`${ctx.now}:${op}:${key}`));
          }
        },
      };
    });
    sim.schedulePlan([{ at: 0, kind: 'inject', name: 'stall', node: 'app', args: { ms: 100, on: 'read', key: 'a' } }]);

    sim.run();

    expect(handled).toEqual(['10:read:b', '10:write:a', '10:read:a', '110:read:a']);
  });
});
