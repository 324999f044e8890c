/**
 * The router: the application's data-access layer and the keeper of the placement (a mongos
 * and its config server in one). It turns the workload into requests routed by the current
 * placement, and it runs resharding: when a shard is added or removed it computes the new
 * placement, forces it to its disk (with the placement before, while rows move), switches to
 * it at once, and tells every shard involved — again and again until each has reported that
 * it handed over everything it no longer owns. Then it forces the migration's end and tells
 * the shards. A restarted router reads its disk and resumes a migration it had begun. One
 * resharding at a time: a change asked for during a migration is refused, as real balancers
 * refuse to start a second one.
 *
 * A request a shard answers `moved` (it was routed by a placement the shard has left behind)
 * is routed again by the router's current placement. Requests in flight live in memory: a
 * crash loses them, and their users never hear back.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { keysToMove, type Placement, type PlacementSpec, placementFromSpec } from '../parts/sharding/placement.ts';
import { ShardRouter } from '../parts/sharding/shard-router.ts';
import type { KeyAuditor } from './key-auditor.ts';
import type { Row, ShardingMessage } from './messages.ts';
import type { Directory, Request } from './workload.ts';

export interface RouterConfig {
  requests: readonly Request[];
  directory: Directory;
  /** The placement before any resharding. */
  initial: PlacementSpec;
  /** Every shard node (serving or spare), by name. */
  shards: readonly string[];
  /** A removal that would leave fewer shards than this is refused: the rest could not carry the load. */
  minShards: number;
  /** While a migration runs, shards that have not reported are told again this often. */
  reshardResendMs: number;
  /** A request a shard keeps answering `moved` is given up after this many routings. */
  routingsMax: number;
  /** True time: the workload runs in it (a request held back past the workload window is not made). */
  workloadTime: () => number;
  workloadMs: number;
  auditor: KeyAuditor;
}

/** The router's placement record on disk: the version, the placement, and the placement before while a migration runs. */
export interface PlacementRecord {
  version: number;
  current: PlacementSpec;
  previous: PlacementSpec | null;
}

type Change = { kind: 'add' } | { kind: 'remove'; shard: string };
type Timer = { kind: 'request'; index: number } | { kind: 'read-back'; key: number } | { kind: 'reshard-resend' };

interface Pending {
  key: number;
  /** The row a write sets; null for a read. */
  row: Row | null;
  insert: boolean;
  readBackMs: number | null;
  routings: number;
}

export const PLACEMENT = 'placement';

export function router(config: RouterConfig): Spawn<ShardingMessage, Timer> {
  return (ctx) => {
    const { directory, auditor } = config;
    const nodeOf = new Map<string, NodeId>(config.shards.map((name) => [name, ctx.lookup(name)]));
    let record: PlacementRecord = ctx.disk.get<PlacementRecord>(PLACEMENT) ?? { version: 0, current: config.initial, previous: null };
    const table = ShardRouter.restore(record.version, record.current, record.previous);
    /** Shards that have not reported the current migration done (volatile: after a restart, all of them again). */
    let awaiting = new Set<string>();
    const pending = new Map<number, Pending>();
    // Request ids stay unique across restarts, so a late answer to a dead incarnation's request matches nothing.
    let nextRid = ctx.incarnation * 1_000_000 + 1;

    const involved = (r: PlacementRecord): string[] => [...new Set([...placementFromSpec(r.previous!).shards, ...placementFromSpec(r.current).shards])];

    const send = (rid: number, p: Pending, owner = table.placement.ownerOf(p.key)): void => {
      const to = nodeOf.get(owner)!;
      if (p.row === null) ctx.send(to, { type: 'get', rid, key: p.key, version: record.version });
      else ctx.send(to, { type: 'put', rid, key: p.key, row: p.row, version: record.version });
    };

    const start = (p: Pending, atMs: number): void => {
      const rid = nextRid++;
      pending.set(rid, p);
      const owner = table.placement.ownerOf(p.key);
      auditor.requestIssued(rid, p.key, p.row, owner, atMs);
      send(rid, p, owner);
    };

    const issue = (r: Request): void => {
      if (r.kind === 'insert') {
        return start({ key: directory.newId(r.draw), row: { version: directory.nextVersion() }, insert: true, readBackMs: r.readBackMs, routings: 1 }, r.atMs);
      }
      const key = directory.pick(r.draw);
      if (key === undefined) return;
      if (r.kind === 'read') return start({ key, row: null, insert: false, readBackMs: null, routings: 1 }, r.atMs);
      const row: Row = r.kind === 'delete' ? { version: directory.nextVersion(), deleted: true } : { version: directory.nextVersion() };
      start({ key, row, insert: false, readBackMs: r.readBackMs, routings: 1 }, r.atMs);
    };

    const tellAwaiting = (): void => {
      for (const name of awaiting) {
        ctx.send(nodeOf.get(name)!, { type: 'reshard', version: record.version, placement: record.current, previous: record.previous! });
      }
    };

    const reshard = (change: Change): void => {
      if (record.previous !== null) return ctx.note('a resharding is still moving rows: the change is refused until it has finished', 'warn');
      const before = table.placement;
      const ids = directory.ids();
      let after: Placement;
      if (change.kind === 'add') {
        const spare = config.shards.find((name) => !before.shards.includes(name));
        if (spare === undefined) return ctx.note('no spare shard is left to add');
        after = before.withShard(spare, ids);
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
      const moving = keysToMove(before, after, ids).length;
      // Durable before anyone hears of it: a restarted router must route by the placement the shards are moving to.
      record = { version: record.version + 1, current: after.spec(), previous: before.spec() };
      ctx.disk.set(PLACEMENT, record);
      ctx.disk.force();
      table.begin(after);
      auditor.reshardStarted(ids.length, moving, `${before.shards.length} -> ${after.shards.length} shards`);
      awaiting = new Set(involved(record));
      tellAwaiting();
      ctx.setTimer(config.reshardResendMs, { kind: 'reshard-resend' });
      ctx.state('resharding', `${before.shards.length} -> ${after.shards.length} shards`);
      ctx.note(
        () =>
          `${change.kind === 'add' ? 'a shard joins' : `${change.shard} leaves`}: ${before.describe()} becomes ${after.describe()}, and ${moving.toLocaleString('en-US')} of ${ids.length.toLocaleString('en-US')} rows (${Math.round((100 * moving) / Math.max(1, ids.length))}%) change owner`,
        'key',
      );
    };

    const onMigrated = (from: NodeId, version: number): void => {
      if (version !== record.version || record.previous === null) return;
      awaiting.delete(ctx.nameOf(from));
      if (awaiting.size > 0) return;
      const finished = involved(record);
      table.finish();
      record = { ...record, previous: null };
      ctx.disk.set(PLACEMENT, record);
      ctx.disk.force();
      const r = auditor.reshardFinished();
      for (const name of finished) ctx.send(nodeOf.get(name)!, { type: 'migration-done', version });
      ctx.state('serving', `${table.placement.shards.length} shards`);
      ctx.note(() => `every moved row has reached its new owner: the resharding took ${Math.round(ctx.now - r.startedAt).toLocaleString('en-US')} ms`, 'key');
    };

    const onReply = (rid: number, row: Row | null, from: NodeId): void => {
      const p = pending.get(rid);
      if (p === undefined) return;
      pending.delete(rid);
      if (p.row === null) return auditor.readReturned(rid, row, ctx.nameOf(from));
      auditor.writeAcked(rid, p.key, p.row);
      if (p.insert) directory.inserted(p.key);
      // Save, then look: the users read the row back shortly after.
      if (p.readBackMs !== null) ctx.setTimer(p.readBackMs, { kind: 'read-back', key: p.key });
    };

    const onMoved = (rid: number): void => {
      const p = pending.get(rid);
      if (p === undefined) return;
      if (p.routings >= config.routingsMax) return void pending.delete(rid);
      p.routings++;
      send(rid, p);
    };

    // Resume: the requests still ahead, and a migration the disk says is under way.
    const now = config.workloadTime();
    const first = config.requests.findIndex((r) => r.atMs >= now);
    if (first >= 0) ctx.setTimer(config.requests[first]!.atMs - now, { kind: 'request', index: first });
    if (record.previous !== null) {
      awaiting = new Set(involved(record));
      tellAwaiting();
      ctx.setTimer(config.reshardResendMs, { kind: 'reshard-resend' });
      ctx.note(() => `the router restarts in the middle of a resharding (version ${record.version}) and tells the shards again`, 'key');
    }

    return {
      onTimer(t) {
        if (t.kind === 'request') {
          const r = config.requests[t.index]!;
          const next = config.requests[t.index + 1];
          if (next !== undefined) ctx.setTimer(next.atMs - r.atMs, { kind: 'request', index: t.index + 1 });
          if (config.workloadTime() <= config.workloadMs) issue(r);
          return;
        }
        if (t.kind === 'read-back') {
          if (config.workloadTime() <= config.workloadMs) start({ key: t.key, row: null, insert: false, readBackMs: null, routings: 1 }, config.workloadTime());
          return;
        }
        if (record.previous === null) return;
        tellAwaiting();
        ctx.setTimer(config.reshardResendMs, { kind: 'reshard-resend' });
      },
      onMessage(from, m) {
        switch (m.type) {
          case 'reply':
            return onReply(m.rid, m.row, from);
          case 'moved':
            return onMoved(m.rid);
          case 'migrated':
            return onMigrated(from, m.version);
          default:
            return;
        }
      },
      onInject(fault) {
        if (fault.name === 'add-shard') reshard({ kind: 'add' });
        else if (fault.name === 'remove-shard') reshard({ kind: 'remove', shard: String(fault.args?.shard ?? '') });
      },
    };
  };
}
