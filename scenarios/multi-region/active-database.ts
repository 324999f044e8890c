/**
 * A regional database in an active-active pair: both regions take writes from their own
 * users and replicate them to each other asynchronously (each region's writes are its own
 * log, shipped to the other). Writes are fast and local, and a region keeps working when
 * cut off. The price is that both regions may change the same list at once; how the two
 * versions are reconciled is the strategy:
 *
 *  - last-writer-wins: the list is one register; the version with the later timestamp
 *    replaces the other, whole. Items the losing version added vanish.
 *  - merge type: the list is an observed-remove set (a CRDT); concurrent adds from both
 *    regions are all kept.
 *
 * Crash point `write-acked`: right after a write was acknowledged, before it was shipped.
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { isLater, type LwwRegister, mergeLww } from '../parts/replication/lww-register.ts';
import { applyOrSet, emptyOrSet, hasElement, type OrSetState } from '../parts/replication/or-set.ts';
import { Primary } from '../parts/replication/primary.ts';
import { Replica } from '../parts/replication/replica.ts';
import type { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { type LogEntry, ReplicationLog } from '../parts/replication/replication-log.ts';
import type { ReplicationMessage } from '../parts/replication/replication-messages.ts';
import { durableMap } from '../parts/storage/durable-map.ts';
import type { ActiveOp, MultiRegionMessage } from './messages.ts';
import type { WriteLedger } from './write-ledger.ts';

export interface ActiveConfig {
  region: string;
  peer: NodeId;
  peerRegion: string;
  merge: 'lww' | 'crdt';
  /** Added to this region's clock when it stamps a last-writer-wins write (clock skew). */
  clockOffsetMs: number;
  lag: ReplicationLag;
  resendMs: number;
  ledger: WriteLedger;
}

export const streamLog = (region: string): string => `log:${region}`;

export function activeDatabase(config: ActiveConfig): Spawn<MultiRegionMessage> {
  return (ctx: NodeContext<MultiRegionMessage>) => {
    const registers = durableMap<LwwRegister<string[]>>(ctx.durable, 'lww');
    const sets = durableMap<OrSetState>(ctx.durable, 'sets');
    /** key -> when this region last wrote it (to spot concurrent writes from the other region). */
    const lastLocalWrite = durableMap<number>(ctx.durable, 'last-local-write');
    const rctx = ctx as unknown as NodeContext<ReplicationMessage<ActiveOp>>;

    const applyLocal = (e: LogEntry<ActiveOp>): void => {
      if (e.op.kind === 'lww') registers.set(e.op.key, e.op.register);
      else applyOrSet(sets.get(e.op.key) ?? setFor(e.op.key), e.op.op);
      lastLocalWrite.set(e.op.key, e.atMs);
    };
    const setFor = (key: string): OrSetState => {
      const s = emptyOrSet();
      sets.set(key, s);
      return s;
    };

    const applyRemote = (e: LogEntry<ActiveOp>): void => {
      const op = e.op;
      const mine = lastLocalWrite.get(op.key);
      if (mine !== undefined && mine > e.atMs) {
        // This region wrote the list after the other region's write was made, without having seen it.
        config.ledger.conflicts++;
        ctx.note(() => `${config.peerRegion} and ${config.region} both changed ${op.key} without seeing each other's change: a conflict`, 'key');
      }
      if (op.kind === 'crdt') {
        applyOrSet(sets.get(op.key) ?? setFor(op.key), op.op);
        return;
      }
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
      registers.set(op.key, winner);
    };

    const outbound = new Primary<ActiveOp>(rctx, {
      log: new ReplicationLog<ActiveOp>(ctx.durable, streamLog(config.region)),
      stream: config.region,
      epoch: 1,
      replicas: [config.peer],
      mode: 'async',
      syncAcks: 0,
      resendMs: config.resendMs,
      batchMax: 64,
      apply: applyLocal,
    });
    const inbound = new Replica<ActiveOp>(rctx, {
      log: new ReplicationLog<ActiveOp>(ctx.durable, streamLog(config.peerRegion)),
      stream: config.peerRegion,
      lag: config.lag,
      apply: applyRemote,
      // One writer per stream and no failover: the inbound log never diverges.
      reset: () => {},
    });

    const onAdd = (from: NodeId, rid: number, key: string, item: string): void => {
      let op: ActiveOp;
      if (config.merge === 'crdt') op = { kind: 'crdt', key, op: { kind: 'add', element: item, tag: item } };
      else {
        const current = registers.get(key);
        const value = current?.value.includes(item) ? current.value : [...(current?.value ?? []), item];
        // Stamps only grow here, even if the other region's clock runs ahead.
        const clockMs = ctx.now + config.clockOffsetMs;
        const ms = current !== undefined && !isLater({ ms: clockMs, origin: config.region }, current.stamp) ? current.stamp.ms + 0.001 : clockMs;
        op = { kind: 'lww', key, register: { value, stamp: { ms, origin: config.region } }, item };
      }
      outbound.write(op, () => {
        ctx.send(from, { type: 'added', rid, region: config.region });
        ctx.crashPoint('write-acked');
      });
    };

    return {
      onMessage(from, m) {
        if (m.type === 'glb-ping') return ctx.send(from, { type: 'glb-pong', round: m.round });
        if (m.type === 'add') return onAdd(from, m.rid, m.key, m.item);
        const r = m as ReplicationMessage<ActiveOp>;
        if (r.type === 'repl-append' || r.type === 'repl-ack' || r.type === 'repl-reject') {
          if (!outbound.onMessage(from, r)) inbound.onMessage(from, r);
        }
      },
      onTimer(tag) {
        if (!outbound.onTimer(tag)) inbound.onTimer(tag);
      },
    };
  };
}

/** Whether a region's data holds `item` in list `key`. */
export function activeHas(durable: { get<T>(key: string): T | undefined }, key: string, item: string): boolean {
  const registers = durable.get<Map<string, LwwRegister<string[]>>>('lww');
  if (registers?.get(key)?.value.includes(item)) return true;
  const set = durable.get<Map<string, OrSetState>>('sets')?.get(key);
  return set !== undefined && hasElement(set, item);
}
