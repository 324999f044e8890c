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
 * - Durable, as a database is: every committed write is a record of its write-ahead log
 *   (`DB_LOG` on the node's disk), forced before the writer or anyone else hears of it (the
 *   commit's fsync). The rows are the log's latest record per key, rebuilt from it when the
 *   node restarts; a crash loses the queries in flight and nothing that was committed. Each
 *   write increments its row's version; a row never written reads as version 0 with
 *   `initialValue(key)`. A read sees the rows as of the moment its connection starts it, a
 *   write commits when its connection finishes it.
 * - A crash point, `committed` (`DATABASE_CRASH_POINTS`), lies right after a commit is durable
 *   and before anyone hears of it: the moment that decides whether a retried write applies
 *   twice, and whether an acknowledgement can be lost while its write survives.
 * - Idempotent writes: a write may carry its request's id (an idempotency key, stored with
 *   the commit). A write whose id was already committed commits nothing again and answers
 *   as the first did, so a retried or duplicated request cannot apply twice.
 * - Reached over TCP: a message the network duplicates reaches the node once (`TcpReceiver`);
 *   a request sent again (a retry) is a new request.
 * - `changeFeed`: after each commit the node sends a `change` event to that node (a binlog /
 *   CDC stream that invalidation can follow). It is sent once the commit is durable; a crash
 *   in between loses the event, as an at-most-once pipe does.
 */
import { assert, type DurableLog, type DurableStore, type NodeId, type Spawn, type TimerId } from '../../../engine/index.ts';
import { TcpReceiver } from './tcp-receiver.ts';

export interface DbRow {
  key: string;
  value: unknown;
  version: number;
}

/** One committed write, as its log record holds it. */
export interface DbCommit extends DbRow {
  /** The idempotency key the write carried, if any. */
  requestId?: number;
}

/** The database's named crash points: `committed`, after a commit is forced and before its answer. */
export const DATABASE_CRASH_POINTS: readonly string[] = ['committed'];

/** The name of the write-ahead log on the database's disk. */
export const DB_LOG = 'wal';

/** The committed writes on a database's disk, in commit order (for checkers that read what survived). */
export function committedWrites(disk: DurableStore): Iterable<DbCommit> {
  return disk.log<DbCommit>(DB_LOG);
}

export type DbQuery =
  | { op: 'read'; key: string }
  | { op: 'read-many'; keys: string[] }
  /** Only the row's version (an index-only lookup): cheap, but it still takes a connection. */
  | { op: 'version'; key: string }
  /** `requestId`: the idempotency key; a write whose key was committed already commits nothing. */
  | { op: 'write'; key: string; value: unknown; requestId?: number };

export type DbRefusal = 'queue-full' | 'acquire-timeout';

export interface DbRequest {
  type: 'db';
  id: number;
  query: DbQuery;
  /** The client process and its connection pool, as Postgres's application_name names it (for monitoring). */
  client?: string;
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
  /** The node started (or restarted): it holds no query. */
  started?(): void;
  /** A query arrived (before it is admitted, queued or refused). */
  arrived?(req: DbRequest, from: NodeId): void;
  /** A query was refused (queue full) or failed waiting for a connection. */
  refused?(reason: DbRefusal, req: DbRequest, waitedMs: number): void;
  /** A write committed: the row's new version is durable. */
  committed?(row: DbRow): void;
  /** A query finished on its connection. */
  served?(req: DbRequest, waitedMs: number, serviceMs: number): void;
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
  /** The node that follows the change stream, by name. */
  changeFeed?: string;
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

/**
 * Timer tags are numbers: a connection index (>= 0) when its query finishes, -(qid + 1) when
 * a waiting query's acquire timeout fires. No object per timer on this busy path.
 */
type DbTimer = number;

export function databaseNode(config: DatabaseConfig): Spawn<DbMessage, DbTimer> {
  assert(Number.isInteger(config.connections) && config.connections >= 1, 'the pool has at least one connection');
  assert(config.queueLimit >= 0, 'queueLimit is not negative');
  assert(config.acquireTimeoutMs > 0, 'acquireTimeoutMs is positive');
  assert(config.serviceSpread === undefined || (config.serviceSpread >= 0 && config.serviceSpread < 1), 'serviceSpread is a fraction in [0, 1)');
  return (ctx) => {
    const wal = ctx.disk.log<DbCommit>(DB_LOG);
    // The rows and the idempotency index are views of the log, rebuilt at every start.
    const rows = new Map<string, DbRow>();
    const applied = new Map<number, DbRow>();
    for (const c of wal) {
      const committed: DbRow = { key: c.key, value: c.value, version: c.version };
      rows.set(c.key, committed);
      if (c.requestId !== undefined) applied.set(c.requestId, committed);
    }
    const changeFeed = config.changeFeed === undefined ? null : ctx.lookup(config.changeFeed);
    const load = config.load;
    const observer = config.observer;
    const transport = new TcpReceiver(ctx);
    const running: (Running | null)[] = Array.from({ length: config.connections }, () => null);
    const waiting = new Map<number, Waiting>();
    let queue: Waiting[] = [];
    let head = 0;
    let nextQid = 0;
    // A restart drops every query in flight, as a crashed server drops its connections.
    load.busy = 0;
    load.queued = 0;
    observer?.started?.();

    const row = (key: string): DbRow => rows.get(key) ?? { key, value: config.initialValue?.(key) ?? null, version: 0 };

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

    /** Commits a write: its log record is forced before the row changes and anyone hears of it. */
    const commit = (q: Extract<DbQuery, { op: 'write' }>): DbRow => {
      if (q.requestId !== undefined) {
        const already = applied.get(q.requestId);
        if (already !== undefined) return already;
      }
      const next: DbRow = { key: q.key, value: q.value, version: row(q.key).version + 1 };
      wal.append(q.requestId === undefined ? next : { key: next.key, value: next.value, version: next.version, requestId: q.requestId });
      ctx.disk.force();
      ctx.crashPoint('committed');
      rows.set(q.key, next);
      if (q.requestId !== undefined) applied.set(q.requestId, next);
      observer?.committed?.(next);
      if (changeFeed !== null) ctx.send(changeFeed, { type: 'change', key: next.key, version: next.version });
      return next;
    };

    const finish = (slot: number): void => {
      const r = running[slot]!;
      running[slot] = null;
      load.busy--;
      load.completed++;
      const serviceMs = ctx.now - r.startedAt;
      load.busyMs += serviceMs;
      const q = r.req.query;
      const result = q.op === 'write' ? [commit(q)] : r.snapshot!;
      observer?.served?.(r.req, r.waitedMs, serviceMs);
      ctx.send(r.from, { type: 'db-reply', id: r.req.id, ok: true, rows: result });
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
      observer?.refused?.(reason, w.req, waitedMs);
      ctx.send(w.from, { type: 'db-reply', id: w.req.id, ok: false, reason });
    };

    const onQuery = (from: NodeId, req: DbRequest): void => {
      load.arrived++;
      observer?.arrived?.(req, from);
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
        if (msg.type === 'db' && transport.firstDelivery()) onQuery(from, msg);
      },
      onTimer(n) {
        if (n >= 0) finish(n);
        else onAcquireTimeout(-n - 1);
      },
    };
  };
}

/**
 * The writes a database has committed, by request id, read from its log as the log grows: a
 * checker's view of what the database holds (the log is forced before anything else happens,
 * so between events it holds exactly the committed writes). A log that shrank lost records a
 * crash was not supposed to reach (a database that answered before forcing): it is read again
 * from the start, so the checker sees what truly survived.
 */
export class CommitIndex {
  private seen = 0;
  private readonly byRequest = new Map<number, DbRow>();
  private readonly latest = new Map<string, number>();

  /** The database's log (one object for the disk's life: a crash undoes records, not the log). */
  private readonly log: DurableLog<DbCommit>;

  constructor(disk: DurableStore) {
    this.log = disk.log<DbCommit>(DB_LOG);
  }

  /** The version the write with this request id committed as; undefined if it never committed. */
  versionOf(requestId: number): number | undefined {
    this.catchUp();
    return this.byRequest.get(requestId)?.version;
  }

  /** The key's latest committed version (0: never written). */
  latestVersion(key: string): number {
    this.catchUp();
    return this.latest.get(key) ?? 0;
  }

  private catchUp(): void {
    const log = this.log;
    if (log.length < this.seen) {
      this.seen = 0;
      this.byRequest.clear();
      this.latest.clear();
    }
    for (; this.seen < log.length; this.seen++) {
      const c = log.at(this.seen)!;
      this.latest.set(c.key, c.version);
      if (c.requestId !== undefined) this.byRequest.set(c.requestId, c);
    }
  }
}

/** Request ids the database's log holds more than once: writes it applied twice (for checkers). */
export function writesAppliedTwice(disk: DurableStore): number[] {
  const seen = new Set<number>();
  const twice: number[] = [];
  for (const c of committedWrites(disk)) {
    if (c.requestId === undefined) continue;
    if (seen.has(c.requestId)) twice.push(c.requestId);
    seen.add(c.requestId);
  }
  return twice;
}
