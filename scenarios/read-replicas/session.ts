/**
 * A session: one user's connection, issuing the workload's reads and writes. Writes always
 * go to the primary. Where a read goes is the strategy:
 *
 *  - primary-only: the primary, always.
 *  - replica-reads: a replica picked at random, always.
 *  - primary-after-write: the primary for `stickyMs` after the session's last acknowledged
 *    write (a cookie with an expiry), a random replica otherwise.
 *  - lsn-wait: a random replica, carrying the session's token: the highest log position the
 *    session has seen (from its own writes' acknowledgements and from earlier reads). The
 *    replica serves it only once it has applied that far; if it says "behind", the primary.
 *
 * A read that gets no answer within `readTimeoutMs` (a crashed or cut-off replica) is
 * retried once on the primary.
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import type { ReadReplicasMessage } from './messages.ts';
import type { SessionAuditor } from './session-auditor.ts';
import type { SessionOp } from './workload.ts';

export type ReadStrategy = 'primary-only' | 'replica-reads' | 'primary-after-write' | 'lsn-wait';

export interface SessionConfig {
  strategy: ReadStrategy;
  primary: NodeId;
  replicas: readonly NodeId[];
  stickyMs: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
}

interface Pending {
  kind: 'read' | 'write';
  /** The workload op it belongs to. */
  index: number;
  key: string;
  startedAt: number;
  target: NodeId;
  attempt: number;
}

type Timer = { kind: 'op'; index: number } | { kind: 'read-back'; index: number } | { kind: 'timeout'; rid: number; attempt: number };

export interface SessionStats {
  readLatencyMs: number[];
  writeLatencyMs: number[];
  fallbacks: number;
  failedReads: number;
  failedWrites: number;
}

export function session(ops: readonly SessionOp[], config: SessionConfig, auditor: SessionAuditor, stats: SessionStats): Spawn<ReadReplicasMessage> {
  return (ctx: NodeContext<ReadReplicasMessage>) => {
    const pending = new Map<number, Pending>();
    let nextRid = 1;
    let lastWriteAckAt = Number.NEGATIVE_INFINITY;
    let token = 0;
    for (let i = 0; i < ops.length; i++) ctx.setTimer(Math.max(0, ops[i]!.atMs - ctx.now), { kind: 'op', index: i } satisfies Timer);

    const replicaAt = (pick: number): NodeId => config.replicas[Math.min(config.replicas.length - 1, Math.floor(pick * config.replicas.length))]!;

    const readTarget = (pick: number): NodeId => {
      switch (config.strategy) {
        case 'primary-only':
          return config.primary;
        case 'replica-reads':
        case 'lsn-wait':
          return replicaAt(pick);
        case 'primary-after-write':
          return ctx.now - lastWriteAckAt < config.stickyMs ? config.primary : replicaAt(pick);
      }
    };

    const send = (rid: number, p: Pending): void => {
      const minLsn = config.strategy === 'lsn-wait' && p.target !== config.primary ? token : 0;
      ctx.send(p.target, { type: 'read', rid, key: p.key, minLsn });
      ctx.setTimer(config.readTimeoutMs, { kind: 'timeout', rid, attempt: p.attempt } satisfies Timer);
    };

    const read = (index: number, key: string, pick: number, readBack: boolean): void => {
      const rid = nextRid++;
      const p: Pending = { kind: 'read', index, key, startedAt: ctx.now, target: readTarget(pick), attempt: 1 };
      pending.set(rid, p);
      auditor.readIssued(ctx.name, rid, key, readBack);
      send(rid, p);
    };

    const fallBack = (rid: number, p: Pending, why: string): void => {
      stats.fallbacks++;
      ctx.note(() => `${ctx.name} reads ${p.key} from the primary instead: ${why}`);
      p.target = config.primary;
      p.attempt++;
      send(rid, p);
    };

    return {
      onTimer(tag) {
        const t = tag as Timer;
        if (t.kind === 'op' || t.kind === 'read-back') {
          const op = ops[t.index]!;
          if (t.kind === 'read-back') return read(t.index, op.key, op.readBackPick, true);
          if (op.kind === 'read') return read(t.index, op.key, op.pick, false);
          const rid = nextRid++;
          pending.set(rid, { kind: 'write', index: t.index, key: op.key, startedAt: ctx.now, target: config.primary, attempt: 1 });
          ctx.send(config.primary, { type: 'write', rid, key: op.key, id: `${ctx.name}.${t.index}` });
          ctx.setTimer(config.writeTimeoutMs, { kind: 'timeout', rid, attempt: 1 } satisfies Timer);
          return;
        }
        const p = pending.get(t.rid);
        if (p === undefined || p.attempt !== t.attempt) return;
        if (p.kind === 'read' && p.target !== config.primary)
          return fallBack(t.rid, p, `${ctx.nameOf(p.target)} did not answer within ${config.readTimeoutMs} ms`);
        pending.delete(t.rid);
        if (p.kind === 'read') {
          stats.failedReads++;
          auditor.readFailed(ctx.name, t.rid);
        } else stats.failedWrites++;
        ctx.note(() => `${ctx.name} gives up on its ${p.kind} of ${p.key}: no answer`, 'warn');
      },
      onMessage(from, m) {
        if (m.type === 'written') {
          const p = pending.get(m.rid);
          if (p === undefined) return;
          pending.delete(m.rid);
          stats.writeLatencyMs.push(ctx.now - p.startedAt);
          lastWriteAckAt = ctx.now;
          token = Math.max(token, m.lsn);
          auditor.writeAcked(ctx.name, p.key, m.lsn);
          // Post, then look: the session reads the row back shortly after.
          ctx.setTimer(ops[p.index]!.readBackMs, { kind: 'read-back', index: p.index } satisfies Timer);
          return;
        }
        if (m.type !== 'value' && m.type !== 'behind') return;
        const p = pending.get(m.rid);
        if (p === undefined || p.target !== from) return;
        if (m.type === 'behind') return fallBack(m.rid, p, `${ctx.nameOf(from)} has applied only up to LSN ${m.appliedLsn}, short of ${token}`);
        pending.delete(m.rid);
        stats.readLatencyMs.push(ctx.now - p.startedAt);
        if (config.strategy === 'lsn-wait') token = Math.max(token, m.appliedLsn);
        auditor.readReturned(ctx.name, m.rid, m.lsn, from, ctx.self);
      },
    };
  };
}
