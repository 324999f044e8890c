/**
 * The application's requests, drawn before the run from the `workload` stream so every
 * strategy sees the same requests at the same moments: inserts of new rows, updates and
 * deletes of existing ones, and reads; some writes are read back once acknowledged (save,
 * then look). Ids are either sequential (an auto-increment primary key: every new row has the
 * largest id so far) or uniform over a large id space (random ids, UUID-like).
 *
 * The Directory is what the users know: which rows exist (preloaded, or inserted and
 * acknowledged), the next auto-increment id, and the write counter that numbers every write
 * (a ticket service: it survives any crash of the system under test). It lives outside the
 * nodes, as the users do.
 */
import type { Stream } from '../../engine/index.ts';
import { poissonArrivals } from '../parts/workload/arrivals.ts';

export type KeyPattern = 'sequential' | 'uniform';
export type RequestKind = 'insert' | 'update' | 'delete' | 'read';

export interface Request {
  atMs: number;
  kind: RequestKind;
  /** Insert with uniform ids: the new id, as a uniform draw in [0, 1). Otherwise: which existing row. */
  draw: number;
  /** A write the users read back this long after it is acknowledged (null: no read-back). */
  readBackMs: number | null;
}

export interface WorkloadShape {
  requestsPerSec: number;
  insertShare: number;
  updateShare: number;
  deleteShare: number;
  readBackShare: number;
  readBackMeanMs: number;
  workloadMs: number;
}

export function drawRequests(rng: Stream, shape: WorkloadShape): Request[] {
  return poissonArrivals(rng, shape.requestsPerSec / 1000, 0, shape.workloadMs).map((atMs) => {
    const u = rng.next();
    const kind: RequestKind =
      u < shape.insertShare
        ? 'insert'
        : u < shape.insertShare + shape.updateShare
          ? 'update'
          : u < shape.insertShare + shape.updateShare + shape.deleteShare
            ? 'delete'
            : 'read';
    const draw = rng.next();
    const readBackMs = kind !== 'read' && rng.next() < shape.readBackShare ? rng.exponential(shape.readBackMeanMs) : null;
    return { atMs, kind, draw, readBackMs };
  });
}

/** 1..n, made once per n: every run at the same parameters loads the same sequential ids (never changed). */
const sequentialIds = new Map<number, readonly number[]>();

/** The ids stored before the run: 1..n (sequential) or n distinct ids spread over [1, idSpace) (uniform). */
export function preloadIds(rng: Stream, pattern: KeyPattern, n: number, idSpace: number): readonly number[] {
  if (pattern === 'sequential') {
    let ids = sequentialIds.get(n);
    if (ids === undefined) {
      ids = Object.freeze(Array.from({ length: n }, (_, i) => i + 1));
      if (sequentialIds.size > 16) sequentialIds.clear();
      sequentialIds.set(n, ids);
    }
    return ids;
  }
  const ids = new Set<number>();
  // Bounded: distinct draws from a space much larger than n.
  for (let tries = 0; ids.size < n && tries < n * 20; tries++) ids.add(1 + rng.int(idSpace - 1));
  return [...ids];
}

/** The largest id of each preload shared between runs (sequential ids: one array per size), worked out once. */
const largest = new WeakMap<readonly number[], number>();
function largestOf(ids: readonly number[]): number {
  let max = largest.get(ids);
  if (max === undefined) {
    max = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i]! > max) max = ids[i]!;
    if (Object.isFrozen(ids)) largest.set(ids, max);
  }
  return max;
}

export class Directory {
  /** Ids inserted (and acknowledged) during the run, in order; the loaded ones come first. */
  private readonly added: number[] = [];
  /** Ids known to exist (uniform ids only: a sequential id is new by construction). */
  private readonly known: Set<number> | null;
  private nextId: number;
  private writes = 0;

  constructor(
    private readonly preload: readonly number[],
    private readonly pattern: KeyPattern,
    private readonly idSpace: number,
  ) {
    this.known = pattern === 'uniform' ? new Set(preload) : null;
    this.nextId = largestOf(preload) + 1;
  }

  /** The id a new row gets. */
  newId(draw: number): number {
    return this.pattern === 'sequential' ? this.nextId++ : 1 + Math.floor(draw * (this.idSpace - 1));
  }

  /** How many rows are known to exist. */
  get size(): number {
    return this.preload.length + this.added.length;
  }

  /** Every id known to exist, as a new array: the loaded ones, then those inserted. */
  ids(): number[] {
    return this.preload.concat(this.added);
  }

  /** An existing row, picked by a uniform draw. */
  pick(draw: number): number | undefined {
    const n = this.size;
    if (n === 0) return undefined;
    const i = Math.min(n - 1, Math.floor(draw * n));
    return i < this.preload.length ? this.preload[i] : this.added[i - this.preload.length];
  }

  /** The number of the next write (every write gets a larger one than every write before it). */
  nextVersion(): number {
    return ++this.writes;
  }

  /** An insert was acknowledged: the row exists from now on. */
  inserted(id: number): void {
    if (this.known !== null) {
      if (this.known.has(id)) return;
      this.known.add(id);
    }
    this.added.push(id);
  }
}
