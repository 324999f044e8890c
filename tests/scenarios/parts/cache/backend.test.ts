import { describe, expect, it } from 'vitest';
import { type NodeContext, Simulation, type Spawn } from '../../../../engine/index.ts';
import { Backend, type BackendTimer } from '../../../../scenarios/parts/cache/backend.ts';
import { type CacheMessage, CacheNodeStats, cacheNode } from '../../../../scenarios/parts/cache/cache-node.ts';
import { DatabaseLoad, type DbMessage, databaseNode } from '../../../../scenarios/parts/storage/database.ts';

/** An app with a backend to a cache (1 ms per command) and a database (10 ms per query). */
function harness(calls: (backend: Backend, log: string[], ctx: NodeContext<CacheMessage | DbMessage, BackendTimer | 'go'>) => void) {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 0.5 } } });
  const log: string[] = [];
  const app: Spawn<CacheMessage | DbMessage, BackendTimer | 'go'> = (ctx) => {
    const backend = new Backend(ctx, { cache: 'cache', db: 'db', cacheTimeoutMs: 5, dbTimeoutMs: 5 });
    ctx.setTimer(0, 'go');
    return {
      onMessage(_from, msg) {
        backend.onMessage(msg);
      },
      onTimer(tag) {
        if (!backend.onTimer(tag)) calls(backend, log, ctx);
      },
    };
  };
  sim.addNode('app', app);
  sim.addNode('cache', cacheNode({ serviceMs: 1, memoryBytesMax: 1e6, stats: new CacheNodeStats() }));
  sim.addNode(
    'db',
    databaseNode({ connections: 1, queueLimit: 10, acquireTimeoutMs: 100, serviceMeanMs: () => 10, serviceSpread: 0, load: new DatabaseLoad(1) }),
  );
  return { sim, log };
}

describe('Backend calls', () => {
  it('answers a call with its reply and the time it took', () => {
    const { sim, log } = harness((backend, log) =>
      backend.cache([{ op: 'incr', key: 'n' }], (results, runId, ms) => log.push(`${results?.[0]?.n} run ${runId} in ${ms} ms`)),
    );

    sim.run();

    expect(log).toEqual(['1 run 0 in 2 ms']);
  });

  it('answers null at the timeout, and ignores the reply that comes later', () => {
    const { sim, log } = harness((backend, log) =>
      backend.db({ op: 'read', key: 'a' }, (reply, ms) => log.push(`${reply === null ? 'timeout' : 'reply'} after ${ms} ms`)),
    );

    sim.run();

    expect(log).toEqual(['timeout after 5 ms']);
  });
});
