/**
 * The users of one region: they add items to shared lists at the workload's moments, and take
 * some of them off again a little after the add was acknowledged, sending each change to the
 * region their route names (what the global load balancer last told them: a DNS answer they
 * keep until told otherwise). A change not answered within `attemptTimeoutMs`, or refused by a
 * database that is not the primary, is retried after asking the balancer for a fresh route,
 * until `giveUpMs` have passed. Changes are idempotent (an item is unique; adding or removing
 * it twice changes nothing), so a retry is harmless.
 *
 * The users are the workload: they act in true time, and measure what they feel in true time
 * too: how long a change took (a far region costs a round trip across the ocean), and how
 * long their changes kept failing (the recovery time, RTO).
 *
 * Each change also goes into the history (`config.history`, a ChangeHistory; null when nobody
 * records) as a write to one register per item, `list/item`: `write [list3/us-5 "added"]` or
 * `"removed"`, `ok` once acknowledged, `info` when the users give up (it may have been applied).
 * A region's users have several changes in flight at once, each on a thread of its own.
 */
import type { Spawn } from '../../engine/index.ts';
import type { ChangeHistory } from './change-history.ts';
import type { ListChange, MultiRegionMessage } from './messages.ts';
import type { Add } from './workload.ts';
import type { WriteLedger } from './write-ledger.ts';

export interface UsersConfig {
  region: string;
  glb: string;
  /** The route before the balancer has said anything: the home region's database. */
  home: string;
  attemptTimeoutMs: number;
  retryMs: number;
  giveUpMs: number;
  /** True time: when the users act and how they measure. */
  workloadTime: () => number;
  workloadMs: number;
  /** The history the users record their changes in (null: nobody records it). */
  history: ChangeHistory | null;
}

export interface UsersStats {
  latencyMs: number[];
  /** The latest change's latency, until a chart takes it. */
  latestLatencyMs: number | null;
  /** Lengths of the spells during which changes kept failing. */
  outagesMs: number[];
  /** When the current spell of failures began (null: changes are succeeding). */
  failingSince: number | null;
  acked: number;
  failed: number;
  /** Acknowledged by a region other than the users' own. */
  remote: number;
}

interface Pending {
  change: ListChange;
  index: number;
  startedAt: number;
  attempt: number;
  /** Its operation in the history (-1 when nobody records). */
  op: number;
}

type Timer =
  | { kind: 'add'; index: number }
  | { kind: 'remove'; index: number }
  | { kind: 'timeout'; rid: number; attempt: number }
  | { kind: 'retry'; rid: number };

export function users(adds: readonly Add[], config: UsersConfig, ledger: WriteLedger, stats: UsersStats): Spawn<MultiRegionMessage, Timer> {
  return (ctx) => {
    const glb = ctx.lookup(config.glb);
    let route = ctx.lookup(config.home);
    const pending = new Map<number, Pending>();
    let nextRid = 1;
    let lastSuccessAt = Number.NEGATIVE_INFINITY;
    const now = config.workloadTime;
    if (adds.length > 0) ctx.setTimer(adds[0]!.atMs, { kind: 'add', index: 0 });

    const attempt = (rid: number, p: Pending): void => {
      ctx.send(route, { type: 'change', rid, ...p.change });
      ctx.setTimer(config.attemptTimeoutMs, { kind: 'timeout', rid, attempt: p.attempt });
    };

    const start = (change: ListChange, index: number): void => {
      const rid = nextRid++;
      const op = config.history === null ? -1 : config.history.changed(ctx.name, change);
      const p: Pending = { change, index, startedAt: now(), attempt: 1, op };
      pending.set(rid, p);
      attempt(rid, p);
    };

    const failed = (rid: number, p: Pending, why: string): void => {
      // A spell of failures begins with the first change sent after the last success that fails
      // (a change still retrying from before that success does not open a new one).
      if (stats.failingSince === null && p.startedAt >= lastSuccessAt) stats.failingSince = p.startedAt;
      p.attempt++;
      if (now() - p.startedAt >= config.giveUpMs) {
        pending.delete(rid);
        stats.failed++;
        config.history?.info(p.op);
        ctx.note(
          () => `users in ${config.region} give up ${p.change.remove ? 'removing' : 'adding'} ${p.change.item}: ${why}, and ${config.giveUpMs} ms have passed`,
          'warn',
        );
        return;
      }
      ctx.send(glb, { type: 'glb-where' });
      ctx.setTimer(config.retryMs, { kind: 'retry', rid });
    };

    const succeeded = (rid: number, p: Pending, region: string): void => {
      pending.delete(rid);
      config.history?.ok(p.op);
      const t = now();
      stats.latencyMs.push(t - p.startedAt);
      stats.latestLatencyMs = t - p.startedAt;
      lastSuccessAt = t;
      stats.acked++;
      if (region !== config.region) stats.remote++;
      if (stats.failingSince !== null) {
        const outageMs = t - stats.failingSince;
        stats.outagesMs.push(outageMs);
        stats.failingSince = null;
        ctx.note(
          () => `users in ${config.region} can write again (via ${region}) after ${Math.round(outageMs).toLocaleString('en-US')} ms of failed writes`,
          'key',
        );
      }
      ledger.acknowledged(ctx.name, p.change, region);
      const add = adds[p.index]!;
      if (!p.change.remove && add.removeAfterMs !== null) ctx.setTimer(add.removeAfterMs, { kind: 'remove', index: p.index });
    };

    return {
      onTimer(t) {
        if (t.kind === 'add') {
          const add = adds[t.index]!;
          const next = adds[t.index + 1];
          if (next !== undefined) ctx.setTimer(next.atMs - add.atMs, { kind: 'add', index: t.index + 1 });
          if (now() <= config.workloadMs) start({ key: add.key, item: add.item, remove: false }, t.index);
          return;
        }
        if (t.kind === 'remove') {
          const add = adds[t.index]!;
          if (now() > config.workloadMs) return;
          ledger.removeIssued(add.item);
          return start({ key: add.key, item: add.item, remove: true }, t.index);
        }
        const p = pending.get(t.rid);
        if (p === undefined) return;
        if (t.kind === 'retry') return attempt(t.rid, p);
        if (p.attempt === t.attempt) failed(t.rid, p, `${ctx.nameOf(route)} did not answer within ${config.attemptTimeoutMs} ms`);
      },
      onMessage(from, m) {
        if (m.type === 'glb-route') {
          if (m.node !== route) ctx.note(() => `users in ${config.region} now send their changes to ${m.region} (${ctx.nameOf(m.node)})`);
          route = m.node;
          return;
        }
        if (m.type === 'not-primary') {
          const p = pending.get(m.rid);
          if (p !== undefined) failed(m.rid, p, `${ctx.nameOf(from)} is not the primary`);
          return;
        }
        if (m.type !== 'changed') return;
        const p = pending.get(m.rid);
        if (p !== undefined) succeeded(m.rid, p, m.region);
      },
    };
  };
}
