/**
 * A shard: a database node holding the rows it owns, serving one request at a time (a
 * ServiceQueue of capacity 1000/serviceMs per second), and taking part in live resharding.
 *
 * When the router switches placements, every shard learns the old and the new placement.
 * An old owner copies the rows it no longer owns to their new owners in throttled batches
 * (copying costs service time too), deleting each row once the new owner has acknowledged
 * it, and tells the router when it has nothing left to hand over. A new owner asked for a
 * row that has not arrived yet pulls a copy from the old owner at once, so a read never
 * misses a moving row.
 * The switch itself waits in the shard's queue behind the requests that arrived before it
 * (the router's link to each shard is FIFO), so every write routed the old way is stored
 * before the shard decides which rows to hand over; a pull that arrives before the old
 * owner has made the switch waits for it.
 *
 * Rows and the resharding plan are on disk; the queue and the batches in flight are not.
 */
import type { NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { type Placement, placementFromSpec } from '../parts/sharding/placement.ts';
import { OverloadWatch } from '../parts/storage/overload-watch.ts';
import { ServiceQueue } from '../parts/storage/service-queue.ts';
import type { KeyAuditor } from './key-auditor.ts';
import type { Row, ShardingMessage } from './messages.ts';

export interface ShardConfig {
  router: NodeId;
  serviceMs: number;
  pullServiceMs: number;
  copyMsPerKey: number;
  batchKeys: number;
  batchMs: number;
  backlogMax: number;
  auditor: KeyAuditor;
  /** Requests offered to each shard so far (for the load chart). */
  offered: Map<string, number>;
  /** Lets the run's charts read the shard's queue (the queue itself is volatile). */
  expose: (queue: ServiceQueue<unknown>) => void;
}

type Msg<T extends ShardingMessage['type']> = Extract<ShardingMessage, { type: T }>;

type Job =
  | { kind: 'get'; from: NodeId; msg: Msg<'get'> }
  | { kind: 'put'; from: NodeId; msg: Msg<'put'> }
  | { kind: 'pull'; from: NodeId; msg: Msg<'pull'> }
  | { kind: 'copy'; to: NodeId; keys: number[] }
  | { kind: 'absorb'; from: NodeId; msg: Msg<'migrate'> }
  | { kind: 'reshard'; msg: Msg<'reshard'> };

interface Plan {
  version: number;
  placement: Msg<'reshard'>['placement'];
  previous: Msg<'reshard'>['previous'];
  done: boolean;
}

const BATCH = 'shard:batch';

/** The rows on a shard's disk. */
export function rowsOf(durable: { get<T>(key: string): T | undefined }): Map<number, Row> {
  return durable.get<Map<number, Row>>('rows') ?? new Map();
}

export function shard(config: ShardConfig): Spawn<ShardingMessage> {
  return (ctx: NodeContext<ShardingMessage>) => {
    let rows = ctx.durable.get<Map<number, Row>>('rows');
    if (rows === undefined) ctx.durable.set('rows', (rows = new Map()));
    const store = rows;
    const plan = (): Plan | undefined => ctx.durable.get<Plan>('plan');
    let current: Placement | null = null;
    /** Rows to hand over, by new owner (in the order found); batches take turns between owners. */
    let outbound = new Map<string, number[]>();
    let outboundRows = 0;
    /** Batches queued for copying or sent, not yet acknowledged. */
    let batchesInFlight = 0;
    let moved = 0;
    let batchArmed = false;
    const deferredPulls: { from: NodeId; msg: Msg<'pull'> }[] = [];
    const pullWaiters = new Map<number, { from: NodeId; rid: number }[]>();
    const watch = new OverloadWatch(config.backlogMax, {
      enter: (backlog) => {
        ctx.state('overloaded', `${backlog} queued`);
        config.auditor.overloaded(ctx.self, backlog, config.backlogMax, config.serviceMs);
      },
      leave: () => ctx.state('serving'),
    });

    const merge = (key: number, row: Row | null): void => {
      if (row === null) return;
      const mine = store.get(key);
      if (mine === undefined || mine.version < row.version) store.set(key, row);
    };
    const owns = (key: number): boolean => current === null || current.ownerOf(key) === ctx.name;

    const serve = (job: Job): void => {
      switch (job.kind) {
        case 'get': {
          const row = store.get(job.msg.key) ?? null;
          if (row !== null || job.msg.previousOwner === null) {
            return ctx.send(job.from, { type: 'reply', rid: job.msg.rid, key: job.msg.key, row });
          }
          // The row may not have arrived from its previous owner yet: fetch it now.
          const waiting = pullWaiters.get(job.msg.key);
          if (waiting !== undefined) return void waiting.push({ from: job.from, rid: job.msg.rid });
          pullWaiters.set(job.msg.key, [{ from: job.from, rid: job.msg.rid }]);
          config.auditor.pulled();
          ctx.send(job.msg.previousOwner, { type: 'pull', version: job.msg.version, key: job.msg.key });
          return;
        }
        case 'put':
          merge(job.msg.key, job.msg.row);
          return ctx.send(job.from, { type: 'reply', rid: job.msg.rid, key: job.msg.key, row: store.get(job.msg.key) ?? null });
        case 'pull':
          // A copy only: the row stays here until a migration batch carrying it is
          // acknowledged. This reply travels the same FIFO link ahead of that batch, so the
          // migration cannot finish while it is still on its way.
          return ctx.send(job.from, { type: 'pulled', version: job.msg.version, key: job.msg.key, row: store.get(job.msg.key) ?? null });
        case 'copy': {
          const batch: [number, Row][] = [];
          for (const key of job.keys) {
            const row = store.get(key);
            if (row !== undefined) batch.push([key, row]);
          }
          return ctx.send(job.to, { type: 'migrate', version: plan()!.version, rows: batch });
        }
        case 'absorb':
          for (const [key, row] of job.msg.rows) merge(key, row);
          return ctx.send(job.from, { type: 'migrate-ack', version: job.msg.version, keys: job.msg.rows.map(([k]) => k) });
        case 'reshard': {
          const p: Plan = { version: job.msg.version, placement: job.msg.placement, previous: job.msg.previous, done: false };
          ctx.durable.set('plan', p);
          moved = 0;
          return beginMigration(p);
        }
      }
    };
    const queue = new ServiceQueue<Job>(ctx, (job) => {
      serve(job);
      watch.update(queue.backlog);
    });
    config.expose(queue as ServiceQueue<unknown>);

    const enqueue = (job: Job, serviceMs: number): void => {
      queue.enqueue(job, serviceMs);
      watch.update(queue.backlog);
    };

    const reportIfDone = (): void => {
      const p = plan();
      if (p === undefined || p.done || outboundRows > 0 || batchesInFlight > 0) return;
      ctx.send(config.router, { type: 'migrated', version: p.version, moved });
    };

    const armBatch = (delayMs: number): void => {
      if (batchArmed || outboundRows === 0) return;
      batchArmed = true;
      ctx.setTimer(delayMs, BATCH);
    };

    /** Starts (or, after a restart, resumes) handing over the rows this shard no longer owns. */
    const beginMigration = (p: Plan): void => {
      current = placementFromSpec(p.placement);
      outbound = new Map();
      outboundRows = 0;
      for (const key of store.keys()) {
        const owner = current.ownerOf(key);
        if (owner === ctx.name) continue;
        const list = outbound.get(owner);
        if (list === undefined) outbound.set(owner, [key]);
        else list.push(key);
        outboundRows++;
      }
      if (outboundRows > 0) {
        ctx.state('migrating', `${outboundRows} rows to hand over`);
        ctx.note(
          () => `${ctx.name} starts handing over ${outboundRows.toLocaleString('en-US')} of its ${store.size.toLocaleString('en-US')} rows to their new owners`,
        );
      }
      armBatch(0);
      reportIfDone();
      const waiting = deferredPulls.splice(0);
      for (const d of waiting) {
        if (d.msg.version <= p.version) enqueue({ kind: 'pull', from: d.from, msg: d.msg }, config.pullServiceMs);
        else deferredPulls.push(d);
      }
    };

    const sendBatch = (): void => {
      batchArmed = false;
      const [to, list] = outbound.entries().next().value ?? [];
      if (to === undefined || list === undefined) return reportIfDone();
      const keys: number[] = [];
      let taken = 0;
      while (taken < list.length && keys.length < config.batchKeys) {
        const key = list[taken++]!;
        if (store.has(key)) keys.push(key);
      }
      outboundRows -= taken;
      // The next batch goes to the next owner in turn.
      outbound.delete(to);
      if (taken < list.length) outbound.set(to, list.slice(taken));
      if (keys.length > 0) {
        // In flight from now (queued for copying, then on the wire) until its acknowledgement.
        batchesInFlight++;
        enqueue({ kind: 'copy', to: ctx.idOf(to), keys }, keys.length * config.copyMsPerKey);
      }
      armBatch(config.batchMs);
      reportIfDone();
    };

    const existing = plan();
    if (existing !== undefined && !existing.done) beginMigration(existing);
    else if (existing !== undefined) current = placementFromSpec(existing.placement);

    return {
      onMessage(from, m) {
        switch (m.type) {
          case 'get':
          case 'put':
            config.offered.set(ctx.name, (config.offered.get(ctx.name) ?? 0) + 1);
            return m.type === 'get' ? enqueue({ kind: 'get', from, msg: m }, config.serviceMs) : enqueue({ kind: 'put', from, msg: m }, config.serviceMs);
          case 'pull':
            if ((plan()?.version ?? 0) < m.version) return void deferredPulls.push({ from, msg: m });
            return enqueue({ kind: 'pull', from, msg: m }, config.pullServiceMs);
          case 'pulled': {
            merge(m.key, m.row);
            const waiting = pullWaiters.get(m.key) ?? [];
            pullWaiters.delete(m.key);
            for (const w of waiting) ctx.send(w.from, { type: 'reply', rid: w.rid, key: m.key, row: store.get(m.key) ?? null });
            return;
          }
          case 'reshard':
            return enqueue({ kind: 'reshard', msg: m }, 0);
          case 'migrate':
            return enqueue({ kind: 'absorb', from, msg: m }, m.rows.length * config.copyMsPerKey);
          case 'migrate-ack':
            batchesInFlight = Math.max(0, batchesInFlight - 1);
            for (const key of m.keys) {
              if (!owns(key) && store.delete(key)) moved++;
            }
            return reportIfDone();
          case 'migration-done': {
            const p = plan();
            if (p !== undefined && p.version === m.version) ctx.durable.set('plan', { ...p, done: true } satisfies Plan);
            ctx.state(watch.overloaded ? 'overloaded' : 'serving', `${store.size} rows`);
            return;
          }
          default:
            return;
        }
      },
      onTimer(tag) {
        if (queue.onTimer(tag)) return;
        if (tag === BATCH) sendBatch();
      },
    };
  };
}
