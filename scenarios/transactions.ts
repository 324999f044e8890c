/** The transactions family: two-phase commit, saga, event-driven consistency. */
import { eventConsistency } from './event-consistency/index.ts';
import type { AnyScenario } from './framework/scenario.ts';
import { saga } from './saga/index.ts';
import { twoPhaseCommit } from './two-phase-commit/index.ts';

export const transactionScenarios: readonly AnyScenario[] = [twoPhaseCommit, saga, eventConsistency];
