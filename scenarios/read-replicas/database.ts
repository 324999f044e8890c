/**
 * The database nodes: one primary that takes every write and asynchronously replicates it,
 * and replicas that apply the log after a lag. Each node serves requests one at a time
 * (a ServiceQueue), so the read load a strategy puts on a node shows as its latency.
 *
 * The primary forces each write to its log before it acknowledges it (a commit's WAL flush)
 * and ships only what is forced; replicas force what they receive before acknowledging it,
 * and apply it later. Rows keep the LSN that last wrote them, so replaying an entry twice
 * (after a crash lost the apply position but kept the row) changes nothing.
 *
 * A read may carry a log position (`minLsn`): a replica that has not applied that far yet
 * holds the read until it has, or answers "behind" after `lsnWaitMs` so the session can go
 * to the primary instead. That is how a read-your-writes token works (MySQL's
 * WAIT_FOR_EXECUTED_GTID_SET, PostgreSQL's replay LSN, MongoDB's afterClusterTime).
 */
import type { DurableMap, NodeId, Spawn } from '../../engine/index.ts';
import { Primary, type PrimaryTimer } from '../parts/replication/primary.ts';
import { Replica, type ReplicaTimer } from '../parts/replication/replica.ts';
import type { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { type LogEntry, ReplicationLog } from '../parts/replication/replication-log.ts';
import { ServiceQueue, type ServiceQueueTimer } from '../parts/storage/service-queue.ts';
import type { ReadReplicasMessage, Row, WriteOp } from './messages.ts';
import type { SessionAuditor } from './session-auditor.ts';

export interface DatabaseConfig {
  readServiceMs: number;
  writeServiceMs: number;
  resendMs: number;
  auditor: SessionAuditor;
}

type Job = { from: NodeId; msg: Extract<ReadReplicasMessage, { type: 'read' | 'write' }> };

/** The log's name on disk, shared by primary and replicas. */
export const LOG = 'repl';
/** The rows' table on disk. */
export const ROWS = 'rows';

/** Applies a logged write to the rows, unless the row already holds it or a later one (replay is idempotent). */
export function applyWrite(rows: DurableMap<Row>, e: LogEntry<WriteOp>): void {
  const row = rows.get(e.op.key);
  if (row !== undefined && row.lsn >= e.lsn) return;
  rows.set(e.op.key, e.op.deleted ? { lsn: e.lsn, id: e.op.id, deleted: true } : { lsn: e.lsn, id: e.op.id });
}

export function primaryNode(config: DatabaseConfig & { replicas: readonly string[] }): Spawn<ReadReplicasMessage, ServiceQueueTimer | PrimaryTimer> {
  return (ctx) => {
    const rows = ctx.disk.map<Row>(ROWS);
    const log = new ReplicationLog<WriteOp>(ctx.disk, LOG);
    const primary = new Primary<WriteOp>(ctx, {
      log,
      epoch: 1,
      replicas: config.replicas.map((name) => ctx.lookup(name)),
      mode: 'async',
      syncAcks: 0,
      resendMs: config.resendMs,
      batchMax: 64,
      apply: (e) => applyWrite(rows, e),
    });
    const queue = new ServiceQueue<Job>(ctx, ({ from, msg }) => {
      if (msg.type === 'write') {
        const op: WriteOp = msg.deleted ? { key: msg.key, id: msg.id, deleted: true } : { key: msg.key, id: msg.id };
        primary.write(op, (entry) => {
          config.auditor.committed(msg.key, entry.lsn);
          ctx.send(from, { type: 'written', rid: msg.rid, lsn: entry.lsn });
        });
        return;
      }
      ctx.send(from, { type: 'value', rid: msg.rid, key: msg.key, lsn: rows.get(msg.key)?.lsn ?? 0, appliedLsn: log.lastLsn });
    });
    return {
      onMessage(from, m) {
        if (primary.onMessage(from, m)) return;
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

type ReplicaNodeTimer = ServiceQueueTimer | ReplicaTimer | { kind: 'lsn-wait'; from: NodeId; rid: number } | { kind: 'stall-over' };

export interface ReplicaNodeConfig extends DatabaseConfig {
  lsnWaitMs: number;
  lag: ReplicationLag;
  /** How long an injected replay stall of `requestedMs` lasts: like every fault, it is over once all faults heal. */
  stallMs: (requestedMs: number) => number;
}

export function replicaNode(config: ReplicaNodeConfig): Spawn<ReadReplicasMessage, ReplicaNodeTimer> {
  return (ctx) => {
    const rows = ctx.disk.map<Row>(ROWS);
    const log = new ReplicationLog<WriteOp>(ctx.disk, LOG);
    /** Reads held until this replica reaches their LSN, by `<session>:<rid>`. */
    const waiters = new Map<string, Waiter>();
    const answer = (w: Waiter): void => {
      waiters.delete(`${w.from}:${w.rid}`);
      ctx.send(w.from, { type: 'value', rid: w.rid, key: w.key, lsn: rows.get(w.key)?.lsn ?? 0, appliedLsn: replica.appliedLsn });
    };
    const replica = new Replica<WriteOp>(ctx, {
      log,
      lag: config.lag,
      apply: (e) => applyWrite(rows, e),
      reset: () => {
        for (const key of [...rows.keys()]) rows.delete(key);
      },
      onApplied: (e) => {
        config.auditor.applied(e.lsn);
        if (waiters.size === 0) return;
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
        if (replica.onMessage(from, m)) return;
        if (m.type === 'read') queue.enqueue({ from, msg: m }, config.readServiceMs);
      },
      onTimer(tag) {
        if (queue.onTimer(tag) || replica.onTimer(tag) || typeof tag !== 'object') return;
        if (tag.kind === 'stall-over') {
          ctx.state('replaying');
          return ctx.note(() => `${ctx.name} replays the log again, ${log.lastLsn - replica.appliedLsn} entries behind`);
        }
        if (tag.kind !== 'lsn-wait' || !waiters.delete(`${tag.from}:${tag.rid}`)) return;
        ctx.send(tag.from, { type: 'behind', rid: tag.rid, appliedLsn: replica.appliedLsn });
      },
      onInject(fault) {
        if (fault.name !== 'lag-spike') return;
        const durationMs = config.stallMs(Number(fault.args?.durationMs ?? 1000));
        replica.stall(durationMs);
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
