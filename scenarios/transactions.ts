/** The transactions family: two-phase commit, saga, event-driven consistency. */
import type { AnyScenario } from './framework/scenario.ts';
import { twoPhaseCommit } from './two-phase-commit/index.ts';

export const transactionScenarios: readonly AnyScenario[] = [twoPhaseCommit];
