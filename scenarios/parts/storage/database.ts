/**
 * A database node with a finite connection pool: the source of truth that every cache in
 * front of it exists to protect.
 *
 * - `connections` queries run at once, each for a service time drawn from an exponential
 *   distribution with the query's mean (`serviceMeanMs`), so under Poisson arrivals the node
 *   is an M/M/c queue: latency stays flat at low load and climbs steeply as the load nears
 *   `connections / serviceMeanMs`, exactly as queueing theory says (tests/ check Erlang C).
 *   A query with a steadier cost (a fixed aggregation) can instead take the mean times a
 *   uniform factor in [1 - serviceSpread, 1 + serviceSpread).
 * - A query that finds every connection busy waits in a FIFO queue for one. The node refuses
 *   it at once if `queueLimit` queries are already waiting (a full pool queue), and fails it
 *   if it waits past `acquireTimeoutMs` (the pool's connection timeout). Both answers are
 *   errors the caller sees. A caller that gives up does not cancel anything: the query still
 *   holds its place and its connection, which is how abandoned requests and retries pile up.
 * - Rows live on disk (`ctx.durable`) with a version that every write increments; a read
 *   sees the rows as of the moment its connection starts it, a write commits when its
 *   connection finishes it. A row never written reads as version 0 with `initialValue(key)`.
 * - `changeFeed`: after each commit the node sends a `change` event there (a binlog / CDC
 *   stream that invalidation can follow).
 */
import { assert, type NodeContext, type NodeId, type Spawn, type TimerId } from '../../../engine/index.ts';

export interface DbRow {
  key: string;
  value: unknown;
  version: number;
}

export type DbQuery =
  | { op: 'read'; key: string }
  | { op: 'read-many'; keys: string[] }
  /** Only the row's version (an index-only lookup): cheap, but it still takes a connection. */
  | { op: 'version'; key: string }
  | { op: 'write'; key: string; value: unknown };

export type DbRefusal = 'queue-full' | 'acquire-timeout';

export interface DbRequest {
  type: 'db';
  id: number;
  query: DbQuery;
}

export interface DbReply {
  type: 'db-reply';
  id: number;
  ok: boolean;
  rows?: DbRow[];
  reason?: DbRefusal;
}

export interface ChangeEvent {
  type: 'change';
  key: string;
  version: number;
}

export type DbMessage = DbRequest | DbReply | ChangeEvent;

/** Live numbers about the pool, read by monitors, charts and metrics (updated by the node). */
export class DatabaseLoad {
  busy = 0;
  queued = 0;
  busyMax = 0;
  queuedMax = 0;
  /** Most queries at the node at once (running plus waiting). */
  inFlightMax = 0;
  /** Queries that arrived (admitted or refused). */
  arrived = 0;
  completed = 0;
  refused = 0;
  timedOut = 0;
  /** Connection-milliseconds spent serving (for utilisation). */
  busyMs = 0;

  constructor(readonly connections: number) {}

  /** Busy connections plus waiting queries. */
  get inFlight(): number {
    return this.busy + this.queued;
  }
}

export interface DatabaseObserver {
  /** A query was refused (queue full) or failed waiting for a connection. */
  refused?(reason: DbRefusal, query: DbQuery, waitedMs: number): void;
  /** A write committed: the row's new version is on disk. */
  committed?(row: DbRow): void;
  /** A query finished on its connection. */
  served?(query: DbQuery, waitedMs: number, serviceMs: number): void;
}

export interface DatabaseConfig {
  connections: number;
  /** Queries allowed to wait for a connection; one more is refused. */
  queueLimit: number;
  /** A query that has waited this long for a connection fails. */
  acquireTimeoutMs: number;
  /** Mean service time of a query, in ms. */
  serviceMeanMs: (query: DbQuery) => number;
  /** Absent: exponential service times. A fraction in [0, 1): uniform within that spread of the mean. */
  serviceSpread?: number;
  load: DatabaseLoad;
  initialValue?: (key: string) => unknown;
  changeFeed?: NodeId;
  observer?: DatabaseObserver;
}

interface Waiting {
  qid: number;
  from: NodeId;
  req: DbRequest;
  arrivedAt: number;
  deadline: TimerId | null;
}

interface Running {
  from: NodeId;
  req: DbRequest;
  waitedMs: number;
  startedAt: number;
  /** A read's result, taken from the rows when the connection started it. */
  snapshot: DbRow[] | null;
}

// Timer tags are numbers: a connection index (>= 0) when its query finishes, -(qid + 1) when
// a waiting query's acquire timeout fires. No object per timer on this busy path.

export function databaseNode(config: DatabaseConfig): Spawn<DbMessage> {
  assert(Number.isInteger(config.connections) && config.connections >= 1, 'the pool has at least one connection');
  assert(config.queueLimit >= 0, 'queueLimit is not negative');
  assert(config.acquireTimeoutMs > 0, 'acquireTimeoutMs is positive');
  assert(config.serviceSpread === undefined || (config.serviceSpread >= 0 && config.serviceSpread < 1), 'serviceSpread is a fraction in [0, 1)');
  return (ctx: NodeContext<DbMessage>) => {
    const rows = ctx.durable.get<Map<string, DbRow>>('rows') ?? new Map<string, DbRow>();
    ctx.durable.set('rows', rows);
    const load = config.load;
    const running: (Running | null)[] = Array.from({ length: config.connections }, () => null);
    const waiting = new Map<number, Waiting>();
    let queue: Waiting[] = [];
    let head = 0;
    let nextQid = 0;
    // A restart drops every query in flight, as a crashed server drops its connections.
    load.busy = 0;
    load.queued = 0;

    const row = (key: string): DbRow => rows.get(key) ?? { key, value: config.initialValue?.(key) ?? null, version: 0 };

    const reply = (to: NodeId, msg: DbReply): void => ctx.send(to, msg);

    const start = (slot: number, from: NodeId, req: DbRequest, waitedMs: number): void => {
      const q = req.query;
      const snapshot = q.op === 'read' || q.op === 'version' ? [row(q.key)] : q.op === 'read-many' ? q.keys.map(row) : null;
      running[slot] = { from, req, waitedMs, startedAt: ctx.now, snapshot };
      load.busy++;
      if (load.busy > load.busyMax) load.busyMax = load.busy;
      if (load.inFlight > load.inFlightMax) load.inFlightMax = load.inFlight;
      const meanMs = config.serviceMeanMs(q);
      const spread = config.serviceSpread;
      ctx.setTimer(spread === undefined ? ctx.rng.exponential(meanMs) : meanMs * ctx.rng.uniform(1 - spread, 1 + spread), slot);
    };

    const finish = (slot: number): void => {
      const r = running[slot]!;
      running[slot] = null;
      load.busy--;
      load.completed++;
      const serviceMs = ctx.now - r.startedAt;
      load.busyMs += serviceMs;
      const q = r.req.query;
      let result = r.snapshot;
      if (q.op === 'write') {
        const next: DbRow = { key: q.key, value: q.value, version: row(q.key).version + 1 };
        rows.set(q.key, next);
        result = [next];
        config.observer?.committed?.(next);
        if (config.changeFeed !== undefined) ctx.send(config.changeFeed, { type: 'change', key: next.key, version: next.version });
      }
      config.observer?.served?.(q, r.waitedMs, serviceMs);
      reply(r.from, { type: 'db-reply', id: r.req.id, ok: true, rows: result! });
      // Hand the connection to the longest-waiting query still waiting.
      while (head < queue.length) {
        const w = queue[head++]!;
        if (!waiting.delete(w.qid)) continue; // it timed out while waiting
        load.queued--;
        if (w.deadline !== null) ctx.cancelTimer(w.deadline);
        start(slot, w.from, w.req, ctx.now - w.arrivedAt);
        break;
      }
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
    };

    const refuse = (w: { from: NodeId; req: DbRequest }, reason: DbRefusal, waitedMs: number): void => {
      if (reason === 'queue-full') load.refused++;
      else load.timedOut++;
      config.observer?.refused?.(reason, w.req.query, waitedMs);
      reply(w.from, { type: 'db-reply', id: w.req.id, ok: false, reason });
    };

    const onQuery = (from: NodeId, req: DbRequest): void => {
      load.arrived++;
      const slot = running.indexOf(null);
      if (slot >= 0) return start(slot, from, req, 0);
      if (load.queued >= config.queueLimit) return refuse({ from, req }, 'queue-full', 0);
      const qid = nextQid++;
      const w: Waiting = { qid, from, req, arrivedAt: ctx.now, deadline: null };
      if (Number.isFinite(config.acquireTimeoutMs)) w.deadline = ctx.setTimer(config.acquireTimeoutMs, -(qid + 1));
      waiting.set(qid, w);
      queue.push(w);
      load.queued++;
      if (load.queued > load.queuedMax) load.queuedMax = load.queued;
      if (load.inFlight > load.inFlightMax) load.inFlightMax = load.inFlight;
    };

    const onAcquireTimeout = (qid: number): void => {
      const w = waiting.get(qid);
      if (w === undefined) return;
      waiting.delete(qid);
      load.queued--;
      refuse(w, 'acquire-timeout', ctx.now - w.arrivedAt);
    };

    return {
      onMessage(from, msg) {
        if (msg.type === 'db') onQuery(from, msg);
      },
      onTimer(tag) {
        const n = tag as number;
        if (n >= 0) finish(n);
        else onAcquireTimeout(-n - 1);
      },
    };
  };
}
