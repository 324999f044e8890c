/**
 * Which anomalies each consistency level prohibits, following Elle's mapping (after Adya's
 * isolation levels and Cerone, Bernardi & Gotsman): read committed (PL-2) prohibits G0 and
 * G1; snapshot isolation also G-single (read skew, lost update); serializability also G2
 * (write skew); strict serializability also every cycle that needs real-time order. The
 * anomalies that mean the history contradicts itself (internal inconsistency, duplicates,
 * incompatible orders, reads of values never written) violate every level.
 */

/** The consistency levels a transactional history can be checked against. */
export type ConsistencyLevel = 'read-committed' | 'snapshot-isolation' | 'serializable' | 'strict-serializable';

export const CONSISTENCY_LEVELS: readonly ConsistencyLevel[] = ['read-committed', 'snapshot-isolation', 'serializable', 'strict-serializable'];

/** The level checked when none is given. */
export const DEFAULT_CONSISTENCY: ConsistencyLevel = 'serializable';

const ALWAYS = ['internal', 'duplicate-appends', 'duplicate-writes', 'duplicate-elements', 'incompatible-order', 'garbage-read'];
const READ_COMMITTED = [...ALWAYS, 'G0', 'G1a', 'G1b', 'G1c'];
const SNAPSHOT_ISOLATION = [...READ_COMMITTED, 'G-single', 'lost-append'];
const SERIALIZABLE = [...SNAPSHOT_ISOLATION, 'G2-item'];
const STRICT_SERIALIZABLE = [...SERIALIZABLE, 'G0-realtime', 'G1c-realtime', 'G-single-realtime', 'G2-item-realtime'];

const PROHIBITED: Record<ConsistencyLevel, ReadonlySet<string>> = {
  'read-committed': new Set(READ_COMMITTED),
  'snapshot-isolation': new Set(SNAPSHOT_ISOLATION),
  serializable: new Set(SERIALIZABLE),
  'strict-serializable': new Set(STRICT_SERIALIZABLE),
};

/** True when `level` prohibits anomalies of `type`. */
export function prohibits(level: ConsistencyLevel, type: string): boolean {
  return PROHIBITED[level].has(type);
}

/** The anomaly types `level` prohibits, for docs and messages. */
export function prohibitedBy(level: ConsistencyLevel): readonly string[] {
  return [...PROHIBITED[level]];
}

/** Whether the level needs real-time edges in the graph. */
export function needsRealtime(level: ConsistencyLevel): boolean {
  return level === 'strict-serializable';
}
