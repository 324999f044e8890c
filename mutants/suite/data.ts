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
];
