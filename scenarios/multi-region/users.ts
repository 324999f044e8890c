/**
 * The users of one region: they add items to shared lists at the workload's moments, sending
 * each add to the region their route names (what the global load balancer last told them:
 * a DNS answer they keep until told otherwise). An add not answered within
 * `attemptTimeoutMs`, or refused by a database that is not the primary, is retried after
 * asking the balancer for a fresh route, until `giveUpMs` have passed.
 *
 * Users measure what they feel: how long a write took (a far region costs a round trip
 * across the ocean), and how long their writes kept failing (the recovery time, RTO).
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import type { MultiRegionMessage } from './messages.ts';
import type { Add } from './workload.ts';
import type { WriteLedger } from './write-ledger.ts';

export interface UsersConfig {
  region: string;
  glb: NodeId;
  /** The route before the balancer has said anything: the home region's database. */
  home: NodeId;
  attemptTimeoutMs: number;
  retryMs: number;
  giveUpMs: number;
}

export interface UsersStats {
  latencyMs: number[];
  /** Lengths of the spells during which writes kept failing. */
  outagesMs: number[];
  /** When the current spell of failures began (null: writes are succeeding). */
  failingSince: number | null;
  acked: number;
  failed: number;
  /** Acknowledged by a region other than the users' own. */
  remote: number;
}

interface Pending {
  index: number;
  startedAt: number;
  attempt: number;
}

type Timer = { kind: 'add'; index: number } | { kind: 'timeout'; rid: number; attempt: number } | { kind: 'retry'; rid: number };

export function users(adds: readonly Add[], config: UsersConfig, ledger: WriteLedger, stats: UsersStats): Spawn<MultiRegionMessage> {
  return (ctx: NodeContext<MultiRegionMessage>) => {
    let route = config.home;
    const pending = new Map<number, Pending>();
    let lastSuccessAt = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < adds.length; i++) ctx.setTimer(Math.max(0, adds[i]!.atMs - ctx.now), { kind: 'add', index: i } satisfies Timer);

    const attempt = (rid: number, p: Pending): void => {
      const add = adds[p.index]!;
      ctx.send(route, { type: 'add', rid, key: add.key, item: add.item });
      ctx.setTimer(config.attemptTimeoutMs, { kind: 'timeout', rid, attempt: p.attempt } satisfies Timer);
    };

    const failed = (rid: number, p: Pending, why: string): void => {
      // A spell of failures begins with the first write sent after the last success that fails
      // (a write still retrying from before that success does not open a new one).
      if (stats.failingSince === null && p.startedAt >= lastSuccessAt) stats.failingSince = p.startedAt;
      p.attempt++;
      if (ctx.now - p.startedAt >= config.giveUpMs) {
        pending.delete(rid);
        stats.failed++;
        ctx.note(() => `users in ${config.region} give up adding ${adds[p.index]!.item}: ${why}, and ${config.giveUpMs} ms have passed`, 'warn');
        return;
      }
      ctx.send(config.glb, { type: 'glb-where' });
      ctx.setTimer(config.retryMs, { kind: 'retry', rid } satisfies Timer);
    };

    return {
      onTimer(tag) {
        const t = tag as Timer;
        if (t.kind === 'add') {
          const rid = t.index + 1;
          const p: Pending = { index: t.index, startedAt: ctx.now, attempt: 1 };
          pending.set(rid, p);
          return attempt(rid, p);
        }
        const p = pending.get(t.rid);
        if (p === undefined) return;
        if (t.kind === 'retry') return attempt(t.rid, p);
        if (p.attempt === t.attempt) failed(t.rid, p, `${ctx.nameOf(route)} did not answer within ${config.attemptTimeoutMs} ms`);
      },
      onMessage(from, m) {
        if (m.type === 'glb-route') {
          if (m.node !== route) ctx.note(() => `users in ${config.region} now send their writes to ${m.region} (${ctx.nameOf(m.node)})`);
          route = m.node;
          return;
        }
        if (m.type === 'not-primary') {
          const p = pending.get(m.rid);
          if (p !== undefined) failed(m.rid, p, `${ctx.nameOf(from)} is not the primary`);
          return;
        }
        if (m.type !== 'added') return;
        const p = pending.get(m.rid);
        if (p === undefined) return;
        pending.delete(m.rid);
        const add = adds[p.index]!;
        stats.latencyMs.push(ctx.now - p.startedAt);
        ctx.metrics.sample(`latency.${config.region}`, ctx.now - p.startedAt);
        lastSuccessAt = ctx.now;
        stats.acked++;
        if (m.region !== config.region) stats.remote++;
        if (stats.failingSince !== null) {
          const outageMs = ctx.now - stats.failingSince;
          stats.outagesMs.push(outageMs);
          stats.failingSince = null;
          ctx.note(
            () => `users in ${config.region} can write again (via ${m.region}) after ${Math.round(outageMs).toLocaleString('en-US')} ms of failed writes`,
            'key',
          );
        }
        ledger.acknowledged(ctx.name, add.key, add.item, m.region);
      },
    };
  };
}
