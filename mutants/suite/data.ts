/**
 * Mutants of the data family: realistic one-line bugs in its sound strategies (sharding's
 * hash placements, hotspot's split-and-cache, read-replicas' primary-only and LSN wait,
 * multi-region's synchronous active-passive and CRDT active-active) and the parts they use
 * (replication, placement, migration). See mutants/mutant.ts.
 */
import type { Mutant } from '../mutant.ts';

export const mutants: Mutant[] = [
  {
    id: 'read-replicas-ack-before-wal-flush',
    family: 'data',
    scenario: 'read-replicas',
    strategy: 'primary-only',
    file: 'scenarios/parts/replication/primary.ts',
    find: `    log.appliedLsn = entry.lsn;
    log.flush();
    if (this.config.mode`,
    replace: `    log.appliedLsn = entry.lsn;
    if (this.config.mode`,
    description: 'the primary acknowledges (and ships) a write before flushing it to its log: a crash loses writes it confirmed',
  },
  {
    id: 'read-replicas-lsn-wait-off-by-one',
    family: 'data',
    scenario: 'read-replicas',
    strategy: 'lsn-wait',
    file: 'scenarios/read-replicas/database.ts',
    find: 'if (replica.appliedLsn >= msg.minLsn) return answer(w);',
    replace: 'if (replica.appliedLsn >= msg.minLsn - 1) return answer(w);',
    description: 'a replica serves a read one log position short of the session’s token',
  },
  {
    id: 'read-replicas-token-ignores-reads',
    family: 'data',
    scenario: 'read-replicas',
    strategy: 'lsn-wait',
    file: 'scenarios/read-replicas/session.ts',
    find: `        if (config.strategy === 'lsn-wait') token = Math.max(token, m.appliedLsn);`,
    replace: '',
    description: 'the session’s token only tracks its own writes, not what its reads have shown it',
  },
  {
    id: 'read-replicas-waiters-woken-by-any-apply',
    family: 'data',
    scenario: 'read-replicas',
    strategy: 'lsn-wait',
    file: 'scenarios/read-replicas/database.ts',
    find: 'for (const w of waiters.values()) if (w.minLsn <= e.lsn) answer(w);',
    replace: 'for (const w of waiters.values()) answer(w);',
    description: 'a replica answers every held read as soon as it applies anything, reached its position or not',
  },
  {
    id: 'hotspot-refresh-not-single-flight',
    family: 'data',
    scenario: 'hotspot',
    strategy: 'salted-cache',
    file: 'scenarios/hotspot/app-server.ts',
    find: 'if (refresh !== null) return void refresh.waiting.push(atMs);',
    replace: '',
    description: 'every view that finds the cached count expired sends its own refresh: coalescing is gone',
  },
  {
    id: 'hotspot-ttl-from-fill',
    family: 'data',
    scenario: 'hotspot',
    strategy: 'salted-cache',
    file: 'scenarios/hotspot/app-server.ts',
    find: 'cache = { count, expiresAtMs: r.startedAtMs + config.cacheTtlMs };',
    replace: 'cache = { count, expiresAtMs: ctx.now + config.cacheTtlMs };',
    description: 'the cached count expires a TTL after its answers arrived instead of after the refresh began: a slow refresh serves data older than the TTL',
  },
  {
    id: 'hotspot-like-retry-new-id',
    family: 'data',
    scenario: 'hotspot',
    strategy: 'salted-cache',
    file: 'scenarios/hotspot/app-server.ts',
    find: `      ctx.send(p.to.id, { type: 'incr', key: p.key, likeId });`,
    replace: `      ctx.send(p.to.id, { type: 'incr', key: p.key, likeId: \`\${likeId}/\${p.attempt}\` });`,
    description: 'a like that timed out is retried without its idempotency key (a fresh id per attempt): a like whose answer was lost is counted twice',
  },
  {
    id: 'hotspot-dedup-index-in-memory',
    family: 'data',
    scenario: 'hotspot',
    strategy: 'salted-cache',
    file: 'scenarios/hotspot/store-node.ts',
    find: "const counted = ctx.disk.map<number>('counted-likes');",
    replace: 'const counted = new Map<string, number>();',
    description: 'the primary keeps the ids of the likes it counted in memory only: after a crash a retried like is counted again',
  },
  {
    id: 'hotspot-salted-like-wrong-piece',
    family: 'data',
    scenario: 'hotspot',
    strategy: 'salted-cache',
    file: 'scenarios/hotspot/app-server.ts',
    find: 'const piece = split && key === CELEBRITY ? config.pieces[primaries.indexOf(to)]! : key;',
    replace: 'const piece = split && key === CELEBRITY ? config.pieces[(primaries.indexOf(to) + 1) % primaries.length]! : key;',
    description: 'a like of the split counter increments the piece of the next shard, on this shard: views that sum each piece from its own shard miss it',
  },
  {
    id: 'hotspot-replay-recounts',
    family: 'data',
    scenario: 'hotspot',
    strategy: 'salted-cache',
    file: 'scenarios/hotspot/store-node.ts',
    find: `  if (row !== undefined && row.lsn >= e.lsn) return;
  counters.set(e.op.key`,
    replace: '  counters.set(e.op.key',
    description: 'applying a logged like does not check whether the counter already holds it: replaying the log after a crash counts likes again',
  },
];
