/**
 * A regional database in an active-active pair: both regions take writes from their own
 * users and replicate them to each other asynchronously (each region's writes are its own
 * log, shipped to the other). Writes are fast and local, and a region keeps working when
 * cut off. The price is that both regions may change the same list at once; how the two
 * versions are reconciled is the strategy:
 *
 *  - last-writer-wins: the list is one register, stamped with the writer's clock; the
 *    version with the later stamp replaces the other, whole. Items the losing version added
 *    vanish, and items it had removed come back.
 *  - merge type: the list is an observed-remove set (a CRDT); concurrent adds from both
 *    regions are all kept, and a removal keeps a tombstone of the add it removed, so a copy
 *    of that add arriving late (from the other region) does not bring the item back.
 *
 * Each change is forced to the region's log before it is acknowledged. The merge state is
 * copied before it changes, never edited in place, so a crash loses exactly the unforced
 * changes and nothing else.
 *
 * Crash point `write-acked`: right after a write was acknowledged, before it was shipped.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { isLater, type LwwRegister, mergeLww } from '../parts/replication/lww-register.ts';
import { applyOrSet, emptyOrSet, type OrSetOp, type OrSetState } from '../parts/replication/or-set.ts';
import { Primary, type PrimaryTimer } from '../parts/replication/primary.ts';
import { Replica, type ReplicaTimer } from '../parts/replication/replica.ts';
import type { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { type LogEntry, ReplicationLog } from '../parts/replication/replication-log.ts';
import type { ActiveOp, ListChange, MultiRegionMessage } from './messages.ts';
import type { WriteLedger } from './write-ledger.ts';

export interface ActiveConfig {
  region: string;
  peer: string;
  peerRegion: string;
  merge: 'lww' | 'crdt';
  /** Added to this region's clock when it stamps a last-writer-wins write (a clock set wrong). */
  clockOffsetMs: number;
  lag: ReplicationLag;
  resendMs: number;
  ledger: WriteLedger;
}

export const streamLog = (region: string): string => `log:${region}`;
export const REGISTERS = 'lww';
export const SETS = 'sets';

/** The OR-set after `op`, as a new value (the stored one is never edited in place). */
function afterOp(state: OrSetState | undefined, op: OrSetOp): OrSetState {
  const next =
    state === undefined
      ? emptyOrSet()
      : { adds: Object.fromEntries(Object.entries(state.adds).map(([e, tags]) => [e, [...tags]])), removed: [...state.removed] };
  applyOrSet(next, op);
  return next;
}

export function activeDatabase(config: ActiveConfig): Spawn<MultiRegionMessage, PrimaryTimer | ReplicaTimer> {
  return (ctx) => {
    const registers = ctx.disk.map<LwwRegister<string[]>>(REGISTERS);
    const sets = ctx.disk.map<OrSetState>(SETS);
    /** key -> when this region last wrote it, by its clock (to spot concurrent writes from the other region). */
    const lastLocalWrite = new Map<string, number>();
    const peer = ctx.lookup(config.peer);

    const applyMerge = (op: ActiveOp): void => {
      if (op.kind === 'crdt') {
        sets.set(op.key, afterOp(sets.get(op.key), op.op));
        return;
      }
      const current = registers.get(op.key);
      const winner = mergeLww(current, op.register);
      if (winner !== current) registers.set(op.key, winner);
    };

    const applyLocal = (e: LogEntry<ActiveOp>): void => {
      applyMerge(e.op);
      lastLocalWrite.set(e.op.key, e.atMs);
    };

    const applyRemote = (e: LogEntry<ActiveOp>): void => {
      const op = e.op;
      const mine = lastLocalWrite.get(op.key);
      if (mine !== undefined && mine > e.atMs) {
        // This region wrote the list after the other region's write was made, without having seen it.
        config.ledger.conflicts++;
        ctx.note(() => `${config.peerRegion} and ${config.region} both changed ${op.key} without seeing each other's change: a conflict`, 'key');
      }
      if (op.kind === 'lww') {
        const current = registers.get(op.key);
        const winner = mergeLww(current, op.register);
        const loser = winner === op.register ? current : op.register;
        const dropped = loser === undefined ? [] : loser.value.filter((item) => !winner.value.includes(item));
        if (dropped.length > 0) {
          config.ledger.overwritten += dropped.length;
          ctx.note(
            () =>
              `${ctx.name} merges ${op.key}: the version stamped ${winner.stamp.ms.toFixed(1)} ms by ${winner.stamp.origin} wins, and ${dropped.join(', ')} silently ${dropped.length === 1 ? 'disappears' : 'disappear'}`,
            'key',
          );
        }
      }
      applyMerge(op);
    };

    const outbound = new Primary<ActiveOp>(ctx, {
      log: new ReplicationLog<ActiveOp>(ctx.disk, streamLog(config.region)),
      stream: config.region,
      epoch: 1,
      replicas: [peer],
      mode: 'async',
      syncAcks: 0,
      resendMs: config.resendMs,
      batchMax: 64,
      apply: applyLocal,
    });
    const inbound = new Replica<ActiveOp>(ctx, {
      log: new ReplicationLog<ActiveOp>(ctx.disk, streamLog(config.peerRegion)),
      stream: config.peerRegion,
      lag: config.lag,
      apply: applyRemote,
      // One writer per stream and no failover: the inbound log never diverges.
      reset: () => {},
    });

    const opFor = (change: ListChange): ActiveOp => {
      const { key, item } = change;
      if (config.merge === 'crdt') {
        // An add is tagged with its item (unique); a removal names that tag, seen here yet or not.
        return { kind: 'crdt', key, op: change.remove ? { kind: 'remove', tags: [item] } : { kind: 'add', element: item, tag: item } };
      }
      const current = registers.get(key);
      const items = current?.value ?? [];
      const value = change.remove ? items.filter((i) => i !== item) : items.includes(item) ? items : [...items, item];
      // Stamps only grow here, even if the other region's clock runs ahead.
      const clockMs = ctx.now + config.clockOffsetMs;
      const ms = current !== undefined && !isLater({ ms: clockMs, origin: config.region }, current.stamp) ? current.stamp.ms + 0.001 : clockMs;
      return { kind: 'lww', key, register: { value, stamp: { ms, origin: config.region } } };
    };

    const onChange = (from: NodeId, rid: number, change: ListChange): void => {
      outbound.write(opFor(change), () => {
        ctx.send(from, { type: 'changed', rid, region: config.region });
        ctx.crashPoint('write-acked');
      });
    };

    return {
      onMessage(from, m) {
        if (m.type === 'glb-ping') return ctx.send(from, { type: 'glb-pong', round: m.round });
        if (m.type === 'change') return onChange(from, m.rid, { key: m.key, item: m.item, remove: m.remove });
        if (!outbound.onMessage(from, m)) inbound.onMessage(from, m);
      },
      onTimer(tag) {
        if (!outbound.onTimer(tag)) inbound.onTimer(tag);
      },
    };
  };
}
