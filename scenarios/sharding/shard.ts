/**
 * A shard: a database node holding the rows it owns, serving one request at a time (a
 * ServiceQueue of capacity 1000/serviceMs per second), and taking part in live resharding.
 *
 * Every request carries the placement version the router routed it by, and the shard judges
 * it when its turn comes: a request routed by an older placement for a row this shard no
 * longer owns is answered `moved` (the router routes it again), one routed by a newer
 * placement than the shard has heard of waits until the shard hears of it. So after a shard
 * switches placements, no write can land on a row it is handing over.
 *
 * When the router switches placements, the shard forces the new plan to its disk, then hands
 * over the rows it no longer owns (a Handover: throttled batches, resent until the new owner
 * acknowledges them; copying costs service time too), deletes each row once its new owner has
 * acknowledged it, and — deletions forced — tells the router it is done. A new owner merges
 * what it receives (the newest version of a row wins, tombstones included), forces it, then
 * acknowledges. A read that reaches a new owner before its row does pulls a copy from the
 * previous owner, once that owner has switched too.
 *
 * Rows (a ShardTable: the base loaded before the run, and the changes since) and the plan are
 * on disk; the queue, the handover in progress and the requests waiting for a plan are not.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { type Placement, type PlacementSpec, placementFromSpec } from '../parts/sharding/placement.ts';
import { OverloadWatch } from '../parts/storage/overload-watch.ts';
import { ServiceQueue, type ServiceQueueTimer } from '../parts/storage/service-queue.ts';
import { Handover } from './handover.ts';
import type { KeyAuditor } from './key-auditor.ts';
import type { Row, ShardingMessage } from './messages.ts';
import { rowKey, ShardTable } from './shard-table.ts';

export interface ShardConfig {
  router: string;
  /** The rows loaded on a shard before the run (its base snapshot), by shard name. */
  baseOf: (shard: string) => ReadonlyMap<string, Row>;
  /** The placement before any resharding. */
  initial: PlacementSpec;
  serviceMs: number;
  pullServiceMs: number;
  copyMsPerKey: number;
  batchKeys: number;
  batchMs: number;
  /** A batch not acknowledged for this long is sent again. */
  batchResendMs: number;
  backlogMax: number;
  auditor: KeyAuditor;
  /** Lets the charts read the shard's queue (the queue itself is volatile). */
  expose: (name: string, queue: ServiceQueue<unknown>) => void;
}

/** A shard's placement plan on disk: the version it follows and, while it migrates, the placement before. */
export interface Plan {
  version: number;
  placement: PlacementSpec;
  previous: PlacementSpec;
  /** The router declared the migration finished: no row is left on a previous owner. */
  done: boolean;
}

type Msg<T extends ShardingMessage['type']> = Extract<ShardingMessage, { type: T }>;

type Job =
  | { kind: 'get'; from: NodeId; msg: Msg<'get'> }
  | { kind: 'put'; from: NodeId; msg: Msg<'put'> }
  | { kind: 'pull'; from: NodeId; msg: Msg<'pull'> }
  | { kind: 'copy'; batch: { id: number; to: string; keys: number[]; fresh: boolean } }
  | { kind: 'absorb'; from: NodeId; msg: Msg<'migrate'> };

type Timer = ServiceQueueTimer | { kind: 'batch' } | { kind: 'resend' };

export function shard(config: ShardConfig): Spawn<ShardingMessage, Timer> {
  return (ctx) => {
    const rows = new ShardTable(ctx.disk, config.baseOf(ctx.name));
    const router = ctx.lookup(config.router);
    let plan = ctx.disk.get<Plan>('plan');
    let current: Placement = placementFromSpec(plan?.placement ?? config.initial);
    /** While a migration may still have rows on their previous owners: the placement before. */
    let previous: Placement | null = plan !== undefined && !plan.done ? placementFromSpec(plan.previous) : null;
    let handover: Handover | null = null;
    /** Requests (and pulls) routed by a newer placement than this shard has heard of. */
    let waitingForPlan: Job[] = [];
    const pullWaiters = new Map<number, { from: NodeId; rid: number }[]>();
    const version = (): number => plan?.version ?? 0;
    const owns = (key: number): boolean => current.ownerOf(key) === ctx.name;
    const watch = new OverloadWatch(config.backlogMax, {
      enter: (backlog) => ctx.state('overloaded', `${backlog} queued`),
      leave: () => ctx.state(handover !== null && !handover.done ? 'migrating' : 'serving'),
    });

    /** Keeps the newer of the stored row and `row`: a migration keeps the newest version of each row. */
    const merge = (key: number, row: Row | null): void => {
      if (row === null) return;
      const mine = rows.get(rowKey(key));
      if (mine === undefined || mine.version < row.version) rows.set(rowKey(key), row);
    };

    const serve = (job: Job): void => {
      switch (job.kind) {
        case 'get':
        case 'put': {
          const { msg } = job;
          if (msg.version > version()) return void waitingForPlan.push(job);
          if (!owns(msg.key)) return ctx.send(job.from, { type: 'moved', rid: msg.rid, version: version() });
          if (job.kind === 'put') {
            merge(msg.key, job.msg.row);
            ctx.disk.force();
            return ctx.send(job.from, { type: 'reply', rid: msg.rid, key: msg.key, row: rows.get(rowKey(msg.key)) ?? null });
          }
          const row = rows.get(rowKey(msg.key)) ?? null;
          const before = row === null && previous !== null ? previous.ownerOf(msg.key) : ctx.name;
          if (before === ctx.name) return ctx.send(job.from, { type: 'reply', rid: msg.rid, key: msg.key, row });
          // The row may not have arrived from its previous owner yet: fetch a copy now.
          const waiting = pullWaiters.get(msg.key);
          if (waiting !== undefined) return void waiting.push({ from: job.from, rid: msg.rid });
          pullWaiters.set(msg.key, [{ from: job.from, rid: msg.rid }]);
          config.auditor.pulled();
          return ctx.send(before, { type: 'pull', version: version(), key: msg.key });
        }
        case 'pull':
          // A copy only, and only once this shard has switched: from then on no write lands on the row here.
          if (job.msg.version > version()) return void waitingForPlan.push(job);
          return ctx.send(job.from, { type: 'pulled', version: job.msg.version, key: job.msg.key, row: rows.get(rowKey(job.msg.key)) ?? null });
        case 'copy': {
          const batch = job.batch;
          const out: [number, Row][] = [];
          for (const key of batch.keys) {
            const row = rows.get(rowKey(key));
            if (row !== undefined) out.push([key, row]);
          }
          batch.fresh = true;
          return ctx.send(batch.to, { type: 'migrate', version: handover?.version ?? version(), batch: batch.id, rows: out });
        }
        case 'absorb': {
          const { msg } = job;
          // A late copy of a batch from a finished migration: its rows moved long ago.
          if (msg.version >= version()) {
            for (const [key, row] of msg.rows) merge(key, row);
            ctx.disk.force();
          }
          return ctx.send(job.from, { type: 'migrate-ack', version: msg.version, batch: msg.batch });
        }
      }
    };
    const queue = new ServiceQueue<Job>(ctx, (job) => {
      serve(job);
      watch.update(queue.backlog);
    });
    config.expose(ctx.name, queue as ServiceQueue<unknown>);
    const enqueue = (job: Job, serviceMs: number): void => {
      queue.enqueue(job, serviceMs);
      watch.update(queue.backlog);
    };

    const reportIfDone = (): void => {
      if (handover === null || !handover.done) return;
      // The deletions are durable before the router may declare the rows moved.
      ctx.disk.force();
      ctx.send(router, { type: 'migrated', version: handover.version });
    };

    /** Starts (or, after a restart, resumes) handing over the rows this shard no longer owns. */
    const beginHandover = (): void => {
      const toMove = new Map<string, number[]>();
      for (const k of rows.keys()) {
        const key = Number(k);
        const owner = current.ownerOf(key);
        if (owner === ctx.name) continue;
        const list = toMove.get(owner);
        if (list === undefined) toMove.set(owner, [key]);
        else list.push(key);
      }
      handover = new Handover(version(), toMove, config.batchKeys);
      if (handover.rows > 0) {
        ctx.state('migrating', `${handover.rows} rows to hand over`);
        ctx.note(
          () =>
            `${ctx.name} starts handing over ${handover!.rows.toLocaleString('en-US')} of its ${rows.size.toLocaleString('en-US')} rows to their new owners`,
        );
        ctx.setTimer(0, { kind: 'batch' });
        ctx.setTimer(config.batchResendMs, { kind: 'resend' });
      }
      reportIfDone();
    };

    const onReshard = (m: Msg<'reshard'>): void => {
      if (m.version < version()) return;
      if (m.version === version()) return reportIfDone();
      plan = { version: m.version, placement: m.placement, previous: m.previous, done: false };
      ctx.disk.set('plan', plan);
      ctx.disk.force();
      current = placementFromSpec(m.placement);
      previous = placementFromSpec(m.previous);
      beginHandover();
      const waiting = waitingForPlan;
      waitingForPlan = [];
      for (const job of waiting) enqueue(job, 0);
    };

    const onMigrateAck = (m: Msg<'migrate-ack'>): void => {
      if (handover === null || m.version !== handover.version) return;
      const keys = handover.acknowledged(m.batch);
      if (keys === undefined) return;
      for (const key of keys) if (!owns(key)) rows.delete(rowKey(key));
      if (handover.done) {
        if (ctx.tracing) ctx.state(watch.overloaded ? 'overloaded' : 'serving', `${rows.size} rows`);
        reportIfDone();
      }
    };

    const onPulled = (m: Msg<'pulled'>): void => {
      if (owns(m.key)) merge(m.key, m.row);
      const waiting = pullWaiters.get(m.key) ?? [];
      pullWaiters.delete(m.key);
      for (const w of waiting) ctx.send(w.from, { type: 'reply', rid: w.rid, key: m.key, row: rows.get(rowKey(m.key)) ?? null });
    };

    // A restarted shard resumes any handover its disk still calls for (a fresh one holds only its own rows).
    if (ctx.incarnation > 0 && plan !== undefined) beginHandover();

    return {
      onMessage(from, m) {
        switch (m.type) {
          case 'get':
            return enqueue({ kind: 'get', from, msg: m }, config.serviceMs);
          case 'put':
            return enqueue({ kind: 'put', from, msg: m }, config.serviceMs);
          case 'pull':
            return enqueue({ kind: 'pull', from, msg: m }, config.pullServiceMs);
          case 'migrate':
            return enqueue({ kind: 'absorb', from, msg: m }, m.rows.length * config.copyMsPerKey);
          case 'pulled':
            return onPulled(m);
          case 'reshard':
            return onReshard(m);
          case 'migrate-ack':
            return onMigrateAck(m);
          case 'migration-done':
            if (plan !== undefined && m.version === plan.version && !plan.done) {
              plan = { ...plan, done: true };
              ctx.disk.set('plan', plan);
              previous = null;
            }
            return;
          default:
            return;
        }
      },
      onTimer(tag) {
        if (queue.onTimer(tag) || typeof tag !== 'object' || handover === null) return;
        if (tag.kind === 'batch') {
          for (const batch of handover.takePeriod()) enqueue({ kind: 'copy', batch }, batch.keys.length * config.copyMsPerKey);
          if (handover.hasMore) ctx.setTimer(config.batchMs, { kind: 'batch' });
          return;
        }
        if (handover.done) return;
        for (const batch of handover.overdue()) enqueue({ kind: 'copy', batch }, batch.keys.length * config.copyMsPerKey);
        ctx.setTimer(config.batchResendMs, { kind: 'resend' });
      },
    };
  };
}
