import { describe, expect, it } from 'vitest';
import { Simulation, type Spawn } from '../../../../engine/index.ts';
import { type CacheMessage, CacheNodeStats, type CacheReply, cacheNode } from '../../../../scenarios/parts/cache/cache-node.ts';
import type { CacheCommand } from '../../../../scenarios/parts/cache/cache-store.ts';

/** A cache node and a client that sends `cmds` pipelines at the given times and records replies. */
function harness(sends: { atMs: number; cmds: CacheCommand[]; noReply?: boolean }[], serviceMs = 1, preload = [{ key: 'warm', value: 1 }]) {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 0 } } });
  const stats = new CacheNodeStats();
  const replies: { atMs: number; reply: CacheReply }[] = [];
  sim.addNode('cache', cacheNode({ serviceMs, memoryBytesMax: 1e6, stats, preload }));
  const client: Spawn<CacheMessage, number> = (ctx) => {
    sends.forEach((s, i) => {
      ctx.setTimer(s.atMs, i);
    });
    return {
      onTimer(i) {
        const s = sends[i]!;
        ctx.send('cache', { type: 'cache', id: i + 1, cmds: s.cmds, noReply: s.noReply });
      },
      onMessage(_from, msg) {
        if (msg.type === 'cache-reply') replies.push({ atMs: ctx.now, reply: msg });
      },
    };
  };
  sim.addNode('client', client);
  return { sim, stats, replies };
}

describe('cache node', () => {
  it('serves one request at a time in arrival order: a burst of ten waits 1, 2, ... 10 service times', () => {
    const sends = Array.from({ length: 10 }, (_, i) => ({ atMs: 0, cmds: [{ op: 'get' as const, key: `k${i}` }] }));
    const { sim, replies, stats } = harness(sends, 2);

    sim.run();

    expect(replies.map((r) => r.atMs)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(replies.map((r) => r.reply.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stats.queueMax).toBe(10);
  });

  it('runs a pipeline back to back and answers with every result', () => {
    const { sim, replies } = harness([
      {
        atMs: 0,
        cmds: [
          { op: 'set', key: 'a', value: 1 },
          { op: 'incr', key: 'n' },
          { op: 'get', key: 'a' },
        ],
      },
    ]);

    sim.run();

    expect(replies[0]!.atMs).toBe(3);
    expect(replies[0]!.reply.results.map((r) => r.value ?? r.n ?? r.ok)).toEqual([true, 1, 1]);
  });

  it('sends nothing back for a fire-and-forget request', () => {
    const { sim, replies, stats } = harness([{ atMs: 0, cmds: [{ op: 'set', key: 'a', value: 1 }], noReply: true }]);

    sim.run();

    expect(replies).toEqual([]);
    expect(stats.commands).toBe(1);
  });

  it('starts warm with its preload, and a restart starts empty with a new run id', () => {
    const { sim, replies } = harness([
      { atMs: 10, cmds: [{ op: 'get', key: 'warm' }] },
      { atMs: 100, cmds: [{ op: 'get', key: 'warm' }] },
    ]);
    sim.schedulePlan([
      { at: 50, kind: 'crash', node: 'cache' },
      { at: 60, kind: 'restart', node: 'cache' },
    ]);

    sim.run();

    expect(replies.map((r) => [r.reply.results[0]!.value, r.reply.runId])).toEqual([
      [1, 0],
      [null, 1],
    ]);
  });

  it('serves a request the network duplicated once (it arrives over TCP)', () => {
    const { sim, stats } = harness([{ atMs: 0, cmds: [{ op: 'incr', key: 'n' }] }]);
    sim.network.degrade(null, null, { duplicateRate: 1 });

    sim.run();

    expect(stats.commands).toBe(1);
    expect(stats.store!.peek('n', sim.now)).toBe(1);
  });

  it('judges expiry by its own clock: a clock that jumps back keeps a key alive past its TTL', () => {
    const { sim, replies } = harness([
      { atMs: 0, cmds: [{ op: 'set', key: 'a', value: 1, px: 100 }] },
      { atMs: 150, cmds: [{ op: 'get', key: 'a' }] },
    ]);
    sim.schedulePlan([{ at: 50, kind: 'skew', node: 'cache', byMs: -80 }]);

    sim.run();

    expect(replies[1]!.reply.results[0]!.value).toBe(1);
  });

  it('loses every key at once on a flush inject', () => {
    const { sim, replies } = harness([{ atMs: 10, cmds: [{ op: 'get', key: 'warm' }] }]);
    sim.schedulePlan([{ at: 5, kind: 'inject', name: 'flush', node: 'cache' }]);

    sim.run();

    expect(replies[0]!.reply.results[0]!.value).toBeNull();
  });
});
