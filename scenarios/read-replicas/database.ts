/**
 * The database nodes: one primary that takes every write and asynchronously replicates it,
 * and replicas that apply the log after a lag. Each node serves requests one at a time
 * (a ServiceQueue), so the read load a strategy puts on a node shows as its latency.
 *
 * A read may carry a log position (`minLsn`): a replica that has not applied that far yet
 * holds the read until it has, or answers "behind" after `lsnWaitMs` so the session can go
 * to the primary instead. That is how a read-your-writes token works (MySQL's
 * WAIT_FOR_EXECUTED_GTID_SET, PostgreSQL's replay LSN, MongoDB's afterClusterTime).
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { Primary } from '../parts/replication/primary.ts';
import { Replica } from '../parts/replication/replica.ts';
import type { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { ReplicationLog } from '../parts/replication/replication-log.ts';
import { durableMap } from '../parts/storage/durable-map.ts';
import { ServiceQueue } from '../parts/storage/service-queue.ts';
import type { ReadReplicasMessage, Row, WriteOp } from './messages.ts';
import type { SessionAuditor } from './session-auditor.ts';

export interface DatabaseConfig {
  readServiceMs: number;
  writeServiceMs: number;
  resendMs: number;
}

type Job = { from: NodeId; msg: Extract<ReadReplicasMessage, { type: 'read' | 'write' }> };

/** The log's name on disk, shared by primary and replicas. */
export const LOG = 'repl';

export function primaryNode(config: DatabaseConfig, replicas: readonly NodeId[], auditor: SessionAuditor): Spawn<ReadReplicasMessage> {
  return (ctx: NodeContext<ReadReplicasMessage>) => {
    const rows = durableMap<Row>(ctx.durable, 'rows');
    const log = new ReplicationLog<WriteOp>(ctx.durable, LOG);
    const primary = new Primary<WriteOp>(ctx, {
      log,
      epoch: 1,
      replicas,
      mode: 'async',
      syncAcks: 0,
      resendMs: config.resendMs,
      batchMax: 64,
      apply: (e) => rows.set(e.op.key, { lsn: e.lsn, id: e.op.id }),
    });
    const queue = new ServiceQueue<Job>(ctx, ({ from, msg }) => {
      if (msg.type === 'write') {
        primary.write({ key: msg.key, id: msg.id }, (entry) => {
          auditor.committed(msg.key, entry.lsn, ctx.now);
          ctx.send(from, { type: 'written', rid: msg.rid, lsn: entry.lsn });
        });
        return;
      }
      ctx.send(from, { type: 'value', rid: msg.rid, key: msg.key, lsn: rows.get(msg.key)?.lsn ?? 0, appliedLsn: log.lastLsn });
    });
    return {
      onMessage(from, m) {
        if (primary.onMessage(from, m as never)) return;
        if (m.type === 'read') queue.enqueue({ from, msg: m }, config.readServiceMs);
        else if (m.type === 'write') queue.enqueue({ from, msg: m }, config.writeServiceMs);
      },
      onTimer(tag) {
        if (!queue.onTimer(tag)) primary.onTimer(tag);
      },
    };
  };
}

interface Waiter {
  from: NodeId;
  rid: number;
  key: string;
  minLsn: number;
}

export function replicaNode(config: DatabaseConfig & { lsnWaitMs: number; healAtMs: number }, lag: ReplicationLag): Spawn<ReadReplicasMessage> {
  return (ctx: NodeContext<ReadReplicasMessage>) => {
    const rows = durableMap<Row>(ctx.durable, 'rows');
    const log = new ReplicationLog<WriteOp>(ctx.durable, LOG);
    /** Reads held until this replica reaches their LSN, by `<session>:<rid>`. */
    const waiters = new Map<string, Waiter>();
    const answer = (w: Waiter): void => {
      waiters.delete(`${w.from}:${w.rid}`);
      ctx.send(w.from, { type: 'value', rid: w.rid, key: w.key, lsn: rows.get(w.key)?.lsn ?? 0, appliedLsn: replica.appliedLsn });
    };
    const replica = new Replica<WriteOp>(ctx, {
      log,
      lag,
      apply: (e) => rows.set(e.op.key, { lsn: e.lsn, id: e.op.id }),
      reset: () => rows.clear(),
      onApplied: (e) => {
        for (const w of waiters.values()) if (w.minLsn <= e.lsn) answer(w);
      },
    });
    const queue = new ServiceQueue<Job>(ctx, ({ from, msg }) => {
      if (msg.type !== 'read') return;
      const w: Waiter = { from, rid: msg.rid, key: msg.key, minLsn: msg.minLsn };
      if (replica.appliedLsn >= msg.minLsn) return answer(w);
      waiters.set(`${from}:${msg.rid}`, w);
      ctx.setTimer(config.lsnWaitMs, { kind: 'lsn-wait', from, rid: msg.rid });
      ctx.note(() => `${ctx.name} has applied up to LSN ${replica.appliedLsn}, short of the LSN ${msg.minLsn} the session needs: the read waits`);
    });
    return {
      onMessage(from, m) {
        if (replica.onMessage(from, m as never)) return;
        if (m.type === 'read') queue.enqueue({ from, msg: m }, config.readServiceMs);
      },
      onTimer(tag) {
        if (queue.onTimer(tag) || replica.onTimer(tag)) return;
        const t = tag as { kind: string; from: NodeId; rid: number };
        if (t.kind === 'stall-over') {
          ctx.state('replaying');
          return ctx.note(() => `${ctx.name} replays the log again, ${log.lastLsn - replica.appliedLsn} entries behind`);
        }
        if (t.kind !== 'lsn-wait' || !waiters.delete(`${t.from}:${t.rid}`)) return;
        ctx.send(t.from, { type: 'behind', rid: t.rid, appliedLsn: replica.appliedLsn });
      },
      onInject(fault) {
        if (fault.name !== 'lag-spike') return;
        // Like every fault, a stall is over once all faults heal.
        const durationMs = Math.min(Number(fault.args?.durationMs ?? 1000), Math.max(0, config.healAtMs - ctx.now));
        replica.stall(ctx.now + durationMs);
        ctx.setTimer(durationMs, { kind: 'stall-over' });
        ctx.state('replay-stalled', `${durationMs} ms`);
        ctx.note(
          () =>
            `${ctx.name} stops replaying the log for ${Math.round(durationMs).toLocaleString('en-US')} ms (a long query holds replay back): its lag will climb`,
          'key',
        );
      },
    };
  };
}

/** How far a replica is behind the primary, in ms: the age of the oldest entry it has not applied (0 when caught up). */
export function lagMsOf(primaryLog: ReplicationLog<WriteOp>, appliedLsn: number, nowMs: number): number {
  const next = primaryLog.entry(appliedLsn + 1);
  return next === undefined ? 0 : nowMs - next.atMs;
}
