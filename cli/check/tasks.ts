/**
 * The messages between the check runner (main thread) and its workers: plain JSON values,
 * so they cross thread boundaries by structured clone and never carry a closure.
 *
 * A scan task names a slice of positions in the check's index sequence: position p is run
 * index `offset + p * stride` (offset 0 and stride 1 unsharded; shard I/N has offset I-1 and
 * stride N, the same indices as `shardIndices`). A worker scans its slice in order and stops
 * at its first failure, exactly as `scanRuns` does.
 */
import type { ModuleRef } from '../../catalog/scenario-modules.ts';
import type { Counterexample, RunFailure } from '../../scenarios/index.ts';

/** What identifies a check's plan: the same key always yields the same runs. */
export interface PlanKey {
  scenario: string;
  /** The user's module the scenario comes from (a worker loads it first); null for a built-in. */
  module: ModuleRef | null;
  strategy: string;
  /** Parsed parameters (defaults filled in). */
  params: Record<string, unknown>;
  seed: number;
}

export interface ScanTask extends PlanKey {
  kind: 'scan';
  offset: number;
  stride: number;
  /** Positions [from, to). */
  from: number;
  to: number;
}

export interface ShrinkTask extends PlanKey {
  kind: 'shrink';
  index: number;
  budget: number;
}

/** Loads the scenarios in a fresh worker, so that start-up is not counted as checking time. */
export interface WarmTask {
  kind: 'warm';
}

export type WorkerTask = ScanTask | ShrinkTask | WarmTask;

export interface ScanReply {
  /** Goal masks of the positions run, from `from` on (stops at the first failure). */
  goalMasks: number[];
  /** The coverage items each of those runs exercised (parallel to goalMasks). */
  coverage: number[][];
  failure: (RunFailure & { index: number }) | null;
}

export type ShrinkReply = Counterexample;

/** The run index at a position of a scan. */
export function indexAt(offset: number, stride: number, position: number): number {
  return offset + position * stride;
}
