/**
 * A session: one user's connection, issuing the workload's reads, writes and deletes.
 * Writes always go to the primary. Where a read goes is the strategy:
 *
 *  - primary-only: the primary, always.
 *  - replica-reads: a replica picked at random, always.
 *  - primary-after-write: the primary for `stickyMs` after the session's last acknowledged
 *    write (a cookie with an expiry, judged by the session's own clock), a random replica
 *    otherwise.
 *  - lsn-wait: a random replica, carrying the session's token: the highest log position the
 *    session has seen (from its own writes' acknowledgements and from earlier reads). The
 *    replica serves it only once it has applied that far; if it says "behind", the primary.
 *
 * A read that gets no answer within `readTimeoutMs` (a crashed or cut-off replica) is
 * retried once on the primary. After each acknowledged write the session reads the row back
 * (post, then look): the read-your-writes sequence where replica lag shows.
 *
 * Each operation goes into the clients' history (`config.history`, free when nobody records)
 * in the session model's terms, with log positions as versions: a write or delete is
 * `write [row nil]`, acknowledged as `[row LSN]`; a read is `read [row nil]` returning the
 * LSN of the row's version it was shown (`nil`: no row). A session has several requests in
 * flight at times, each on a thread of its own (`user1#2`), judged as one session.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import type { ClientHistory, ClientOperation } from '../framework/client-history.ts';
import type { ReadReplicasMessage } from './messages.ts';
import type { SessionAuditor } from './session-auditor.ts';
import type { SessionOp } from './workload.ts';

export type ReadStrategy = 'primary-only' | 'replica-reads' | 'primary-after-write' | 'lsn-wait';

export interface SessionConfig {
  strategy: ReadStrategy;
  primary: string;
  replicas: readonly string[];
  stickyMs: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
  /** True while the workload window is open (true time): a user slowed past it does not come back to act later. */
  workloadOpen: () => boolean;
  /** The clients' history the session records its operations in. */
  history: ClientHistory;
}

interface Pending {
  kind: 'read' | 'write';
  /** The workload op it belongs to. */
  index: number;
  key: string;
  startedAt: number;
  target: NodeId;
  attempt: number;
  /** Its entry in the clients' history (null when nobody records). */
  op: ClientOperation;
}

type Timer = { kind: 'op'; index: number } | { kind: 'read-back'; index: number } | { kind: 'timeout'; rid: number; attempt: number };

export interface SessionStats {
  readLatencyMs: number[];
  writeLatencyMs: number[];
  fallbacks: number;
  failedReads: number;
  failedWrites: number;
}

export function session(ops: readonly SessionOp[], config: SessionConfig, auditor: SessionAuditor, stats: SessionStats): Spawn<ReadReplicasMessage, Timer> {
  return (ctx) => {
    const primary = ctx.lookup(config.primary);
    const replicas = config.replicas.map((name) => ctx.lookup(name));
    const pending = new Map<number, Pending>();
    let nextRid = 1;
    let lastWriteAckAt = Number.NEGATIVE_INFINITY;
    let token = 0;
    // One timer for the next operation at a time: each waits the gap since the one before.
    if (ops.length > 0) ctx.setTimer(ops[0]!.atMs, { kind: 'op', index: 0 });

    const replicaAt = (pick: number): NodeId => replicas[Math.min(replicas.length - 1, Math.floor(pick * replicas.length))]!;

    const readTarget = (pick: number): NodeId => {
      switch (config.strategy) {
        case 'primary-only':
          return primary;
        case 'replica-reads':
        case 'lsn-wait':
          return replicaAt(pick);
        case 'primary-after-write':
          return ctx.now - lastWriteAckAt < config.stickyMs ? primary : replicaAt(pick);
      }
    };

    const send = (rid: number, p: Pending): void => {
      const minLsn = config.strategy === 'lsn-wait' && p.target !== primary ? token : 0;
      ctx.send(p.target, { type: 'read', rid, key: p.key, minLsn });
      ctx.setTimer(config.readTimeoutMs, { kind: 'timeout', rid, attempt: p.attempt });
    };

    const history = config.history;
    const read = (index: number, key: string, pick: number, readBack: boolean): void => {
      const rid = nextRid++;
      const op = history.invoke(history.thread(ctx.name), 'read', [key, null]);
      const p: Pending = { kind: 'read', index, key, startedAt: ctx.now, target: readTarget(pick), attempt: 1, op };
      pending.set(rid, p);
      auditor.readIssued(ctx.name, rid, key, readBack);
      send(rid, p);
    };

    const write = (index: number): void => {
      const op = ops[index]!;
      const rid = nextRid++;
      const entry = history.invoke(history.thread(ctx.name), 'write', [op.key, null]);
      pending.set(rid, { kind: 'write', index, key: op.key, startedAt: ctx.now, target: primary, attempt: 1, op: entry });
      const id = `${ctx.name}.${index}`;
      ctx.send(primary, op.kind === 'delete' ? { type: 'write', rid, key: op.key, id, deleted: true } : { type: 'write', rid, key: op.key, id });
      ctx.setTimer(config.writeTimeoutMs, { kind: 'timeout', rid, attempt: 1 });
    };

    const fallBack = (rid: number, p: Pending, why: string): void => {
      stats.fallbacks++;
      ctx.note(() => `${ctx.name} reads ${p.key} from the primary instead: ${why}`);
      p.target = primary;
      p.attempt++;
      send(rid, p);
    };

    const onTimeout = (rid: number, attempt: number): void => {
      const p = pending.get(rid);
      if (p === undefined || p.attempt !== attempt) return;
      if (p.kind === 'read' && p.target !== primary) return fallBack(rid, p, `${ctx.nameOf(p.target)} did not answer within ${config.readTimeoutMs} ms`);
      pending.delete(rid);
      history.info(p.op);
      if (p.kind === 'read') {
        stats.failedReads++;
        auditor.readFailed(ctx.name, rid);
      } else stats.failedWrites++;
      ctx.note(() => `${ctx.name} gives up on its ${p.kind} of ${p.key}: no answer`, 'warn');
    };

    return {
      onTimer(t) {
        if (t.kind === 'timeout') return onTimeout(t.rid, t.attempt);
        if (!config.workloadOpen()) return;
        const op = ops[t.index]!;
        if (t.kind === 'read-back') return read(t.index, op.key, op.readBackPick, true);
        const next = ops[t.index + 1];
        if (next !== undefined) ctx.setTimer(next.atMs - op.atMs, { kind: 'op', index: t.index + 1 });
        if (op.kind === 'read') read(t.index, op.key, op.pick, false);
        else write(t.index);
      },
      onMessage(from, m) {
        if (m.type === 'written') {
          const p = pending.get(m.rid);
          if (p === undefined) return;
          pending.delete(m.rid);
          stats.writeLatencyMs.push(ctx.now - p.startedAt);
          lastWriteAckAt = ctx.now;
          token = Math.max(token, m.lsn);
          history.ok(p.op, [p.key, m.lsn]);
          auditor.writeAcked(ctx.name, p.key, m.lsn, `${ctx.name}.${p.index}`);
          // Post, then look: the session reads the row back shortly after.
          ctx.setTimer(ops[p.index]!.readBackMs, { kind: 'read-back', index: p.index });
          return;
        }
        if (m.type !== 'value' && m.type !== 'behind') return;
        const p = pending.get(m.rid);
        if (p === undefined || p.target !== from) return;
        if (m.type === 'behind') return fallBack(m.rid, p, `${ctx.nameOf(from)} has applied only up to LSN ${m.appliedLsn}, short of ${token}`);
        pending.delete(m.rid);
        stats.readLatencyMs.push(ctx.now - p.startedAt);
        history.ok(p.op, [p.key, m.lsn === 0 ? null : m.lsn]);
        if (config.strategy === 'lsn-wait') token = Math.max(token, m.appliedLsn);
        auditor.readReturned(ctx.name, m.rid, m.lsn, ctx.nameOf(from), ctx.name);
      },
    };
  };
}
