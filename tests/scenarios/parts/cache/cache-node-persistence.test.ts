/**
 * A cache node's persistence: what a crash and a restart leave of the keyspace under each of
 * Redis's configurations (tests/fidelity/ compares the same with a real redis-server).
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Spawn } from '../../../../engine/index.ts';
import type { CachePersistence } from '../../../../scenarios/parts/cache/append-only-file.ts';
import { type CacheMessage, CacheNodeStats, type CacheReply, cacheNode } from '../../../../scenarios/parts/cache/cache-node.ts';

/** Sets key `a` at 10 ms, crashes the cache at `crashAtMs`, restarts it 100 ms later, then reads `a`. */
function survivesCrash(persistence: CachePersistence, crashAtMs: number): unknown {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 0 } } });
  const stats = new CacheNodeStats();
  const replies: CacheReply[] = [];
  sim.addNode('cache', cacheNode({ serviceMs: 1, memoryBytesMax: 1e6, stats, persistence }));
  const client: Spawn<CacheMessage, 'set' | 'get'> = (ctx) => {
    ctx.setTimer(10, 'set');
    ctx.setTimer(crashAtMs + 200, 'get');
    return {
      onTimer(tag) {
        const cmds = tag === 'set' ? [{ op: 'set' as const, key: 'a', value: 'v' }] : [{ op: 'get' as const, key: 'a' }];
        ctx.send('cache', { type: 'cache', id: tag === 'set' ? 1 : 2, cmds });
      },
      onMessage(_from, msg) {
        if (msg.type === 'cache-reply') replies.push(msg);
      },
    };
  };
  sim.addNode('client', client);
  sim.schedulePlan([
    { at: crashAtMs, kind: 'crash', node: 'cache' },
    { at: crashAtMs + 100, kind: 'restart', node: 'cache' },
  ]);
  sim.run({ untilMs: crashAtMs + 1000 });
  expect(replies.map((r) => r.id)).toEqual([1, 2]);
  return replies[1]!.results[0]!.value;
}

describe('cache node persistence', () => {
  it('without persistence, a restarted cache has lost every acknowledged write', () => {
    expect(survivesCrash('none', 500)).toBeNull();
  });

  it('under aof-always, every acknowledged write survives a crash', () => {
    expect(survivesCrash('aof-always', 50)).toBe('v');
  });

  it('under aof-everysec, a crash within the second after a write loses it, and one after the next fsync keeps it', () => {
    expect(survivesCrash('aof-everysec', 500)).toBeNull();
    expect(survivesCrash('aof-everysec', 1500)).toBe('v');
  });
});
