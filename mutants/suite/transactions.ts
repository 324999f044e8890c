/**
 * Mutants of the transactions family: realistic one-line bugs in its sound strategies and the
 * parts they use. See mutants/mutant.ts.
 */
import type { Mutant } from '../mutant.ts';

export const mutants: Mutant[] = [
  {
    id: '2pc-vote-before-prepare-forced',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/two-phase-commit/participant.ts',
    find: `      votedAt.set(tx, ctx.now);
      ctx.disk.force();`,
    replace: `      votedAt.set(tx, ctx.now);`,
    description: 'a participant votes YES without forcing its PREPARE record: a crash after the vote forgets a promise the coordinator relies on',
  },
  {
    id: '2pc-decision-announced-before-force',
    family: 'transactions',
    scenario: 'two-phase-commit',
    strategy: 'durable-log',
    file: 'scenarios/two-phase-commit/coordinator.ts',
    find: `      if (!config.durableLog) return announce(t);`,
    replace: `      if (!config.durableLog || true) return announce(t);`,
    description: 'the coordinator announces its decision before the decision record is forced to its log',
  },
];
