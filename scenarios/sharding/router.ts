/**
 * The router: the application's data-access layer. It turns the workload into requests
 * routed by the current placement (a ShardRouter), and it runs resharding: when a shard is
 * added or removed it computes the new placement, switches to it at once, tells every shard
 * involved, and declares the migration finished when every old owner has handed its moved
 * rows over. A change asked for during a migration waits its turn.
 *
 * The router stands for the application tier and is not among the nodes faults may crash:
 * its directory of row ids and the migration in progress live in its memory.
 */
import type { InjectFault, NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { keysToMove, type Placement } from '../parts/sharding/placement.ts';
import { ShardRouter } from '../parts/sharding/shard-router.ts';
import type { KeyAuditor } from './key-auditor.ts';
import type { ShardingMessage } from './messages.ts';
import type { KeyPattern, Request } from './workload.ts';

export interface RouterConfig {
  requests: readonly Request[];
  pattern: KeyPattern;
  idSpace: number;
  preload: readonly number[];
  initial: Placement;
  /** Every shard node the topology has (active or spare), by name. */
  shards: ReadonlyMap<string, NodeId>;
  /** A removal that would leave fewer shards than this is refused: the rest could not carry the load. */
  minShards: number;
  requestTimeoutMs: number;
  auditor: KeyAuditor;
  stats: RouterStats;
}

export interface RouterStats {
  latencyMs: number[];
  failed: number;
}

type Change = { kind: 'add' } | { kind: 'remove'; shard: string };
type Timer = { kind: 'request'; index: number } | { kind: 'timeout'; rid: number };

export function router(config: RouterConfig): Spawn<ShardingMessage> {
  return (ctx: NodeContext<ShardingMessage>) => {
    const table = new ShardRouter(config.initial);
    const keys = [...config.preload];
    const known = new Set(keys);
    let nextId = keys.reduce((m, k) => Math.max(m, k), 0) + 1;
    let writes = 0;
    const pending = new Map<number, { key: number; kind: 'insert' | 'read'; startedAt: number; version: number }>();
    const queued: Change[] = [];
    let awaiting = new Set<string>();
    for (let i = 0; i < config.requests.length; i++)
      ctx.setTimer(Math.max(0, config.requests[i]!.atMs - ctx.now), { kind: 'request', index: i } satisfies Timer);

    const nodeOf = (name: string): NodeId => config.shards.get(name)!;

    const issue = (index: number): void => {
      const r = config.requests[index]!;
      const rid = index + 1;
      if (r.kind === 'insert') {
        const key = config.pattern === 'sequential' ? nextId++ : 1 + Math.floor(r.draw * (config.idSpace - 1));
        const version = ++writes;
        pending.set(rid, { key, kind: 'insert', startedAt: ctx.now, version });
        ctx.send(nodeOf(table.route(key).owner), { type: 'put', rid, key, row: { value: `v${version}`, version } });
      } else {
        if (keys.length === 0) return;
        const key = keys[Math.min(keys.length - 1, Math.floor(r.draw * keys.length))]!;
        const route = table.route(key);
        pending.set(rid, { key, kind: 'read', startedAt: ctx.now, version: 0 });
        config.auditor.readIssued(rid, key);
        const previousOwner = route.previousOwner === null ? null : nodeOf(route.previousOwner);
        ctx.send(nodeOf(route.owner), { type: 'get', rid, key, previousOwner, version: table.version });
      }
      ctx.setTimer(config.requestTimeoutMs, { kind: 'timeout', rid } satisfies Timer);
    };

    const reshard = (change: Change): void => {
      if (table.migrating) {
        queued.push(change);
        ctx.note(() => `a resharding is still moving rows: the ${change.kind === 'add' ? 'new shard' : `removal of ${change.shard}`} waits its turn`);
        return;
      }
      const before = table.placement;
      let after: Placement;
      if (change.kind === 'add') {
        const spare = [...config.shards.keys()].find((name) => !before.shards.includes(name));
        if (spare === undefined) return ctx.note('no spare shard is left to add');
        after = before.withShard(spare, keys);
      } else {
        if (!before.shards.includes(change.shard)) return ctx.note(() => `${change.shard} is not serving, so there is nothing to remove`);
        if (before.shards.length - 1 < config.minShards) {
          return ctx.note(
            () => `removing ${change.shard} would leave ${before.shards.length - 1} shards, fewer than the ${config.minShards} the load needs: refused`,
            'warn',
          );
        }
        after = before.withoutShard(change.shard);
      }
      const moving = keysToMove(before, after, keys).length;
      table.begin(after);
      ctx.durable.set('placement', after.spec());
      config.auditor.reshardStarted(keys.length, moving, `${before.shards.length} -> ${after.shards.length} shards`);
      awaiting = new Set(before.shards);
      const involved = [...new Set([...before.shards, ...after.shards])];
      for (const name of involved) ctx.send(nodeOf(name), { type: 'reshard', version: table.version, placement: after.spec(), previous: before.spec() });
      ctx.state('resharding', `${before.shards.length} -> ${after.shards.length} shards`);
      ctx.note(
        () =>
          `${change.kind === 'add' ? 'a shard joins' : `${change.shard} leaves`}: ${before.describe()} becomes ${after.describe()}, and ${moving.toLocaleString('en-US')} of ${keys.length.toLocaleString('en-US')} rows (${Math.round((100 * moving) / Math.max(1, keys.length))}%) change owner`,
        'key',
      );
    };

    const onMigrated = (from: NodeId, version: number): void => {
      if (version !== table.version || !table.migrating) return;
      awaiting.delete(ctx.nameOf(from));
      if (awaiting.size > 0) return;
      table.finish();
      const record = config.auditor.reshardFinished();
      for (const name of config.shards.keys()) ctx.send(nodeOf(name), { type: 'migration-done', version });
      ctx.state('serving', `${table.placement.shards.length} shards`);
      ctx.note(
        () => `every moved row has reached its new owner: the resharding took ${Math.round(ctx.now - record.startedAt).toLocaleString('en-US')} ms`,
        'key',
      );
      const next = queued.shift();
      if (next !== undefined) reshard(next);
    };

    return {
      onTimer(tag) {
        const t = tag as Timer;
        if (t.kind === 'request') return issue(t.index);
        const p = pending.get(t.rid);
        if (p === undefined) return;
        pending.delete(t.rid);
        config.stats.failed++;
        if (p.kind === 'read') config.auditor.readFailed(t.rid);
      },
      onMessage(from, m) {
        if (m.type === 'migrated') return onMigrated(from, m.version);
        if (m.type !== 'reply') return;
        const p = pending.get(m.rid);
        if (p === undefined) return;
        pending.delete(m.rid);
        config.stats.latencyMs.push(ctx.now - p.startedAt);
        if (p.kind === 'read') return config.auditor.readReturned(m.rid, m.row?.version ?? 0, from);
        config.auditor.writeAcked(p.key, p.version);
        if (!known.has(p.key)) {
          known.add(p.key);
          keys.push(p.key);
        }
      },
      onInject(fault: InjectFault) {
        if (fault.name === 'add-shard') reshard({ kind: 'add' });
        else if (fault.name === 'remove-shard') reshard({ kind: 'remove', shard: String(fault.args?.shard ?? '') });
      },
    };
  };
}
