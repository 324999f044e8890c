/**
 * Backend: an app server's connections to its cache and its database, as typed calls with
 * timeouts (a Redis client and a database driver). Each call is answered once: with the
 * reply, or with null when its timeout passes first (the server may still do the work).
 *
 * The owner forwards its messages and timers: `onMessage` / `onTimer` return true when they
 * were a backend call's.
 */
import type { NodeContext, NodeId } from '../../../engine/index.ts';
import { PendingCalls } from '../resilience/pending-calls.ts';
import type { DbQuery, DbReply, DbRequest } from '../storage/database.ts';
import type { CacheReply, CacheRequest } from './cache-node.ts';
import type { CacheCommand, CacheResult } from './cache-store.ts';

export interface BackendConfig {
  /** The cache and the database, by name. */
  cache: string;
  db: string;
  cacheTimeoutMs: number;
  dbTimeoutMs: number;
}

/** The tag of a call's timeout timer (the owner's timer type includes it). */
export interface BackendTimer {
  call: number;
}

export class Backend {
  private readonly calls: PendingCalls;
  private readonly cacheId: NodeId;
  private readonly dbId: NodeId;
  /** This process's name at the database (one per incarnation: a restarted process has new connections). */
  private readonly client: string;
  /** Calls made, by kind. */
  cacheCalls = 0;
  dbCalls = 0;

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: any message type; the backend only sends and sets timers.
    ctx: NodeContext<any>,
    readonly config: BackendConfig,
  ) {
    this.calls = new PendingCalls(ctx);
    this.cacheId = ctx.lookup(config.cache);
    this.dbId = ctx.lookup(config.db);
    this.client = `${ctx.name}#${ctx.incarnation}`;
  }

  /** Runs a pipeline of commands on the cache; `done(null)` on timeout. */
  cache(cmds: CacheCommand[], done: (results: CacheResult[] | null, runId: number, elapsedMs: number) => void, timeoutMs = this.config.cacheTimeoutMs): void {
    this.cacheCalls++;
    const msg: CacheRequest = { type: 'cache', id: 0, cmds };
    this.calls.call<CacheReply>(this.cacheId, msg, timeoutMs, (reply, elapsedMs) => done(reply === null ? null : reply.results, reply?.runId ?? -1, elapsedMs));
  }

  /** Sends commands to the cache without waiting for (or getting) an answer. */
  cacheAsync(cmds: CacheCommand[]): void {
    this.cacheCalls++;
    const msg: CacheRequest = { type: 'cache', id: 0, cmds, noReply: true };
    this.calls.send(this.cacheId, msg);
  }

  /** Runs a query on the database; `done(null)` when the driver gave up waiting. */
  db(query: DbQuery, done: (reply: DbReply | null, elapsedMs: number) => void, timeoutMs = this.config.dbTimeoutMs): void {
    this.dbCalls++;
    const msg: DbRequest = { type: 'db', id: 0, query, client: this.client };
    this.calls.call<DbReply>(this.dbId, msg, timeoutMs, done);
  }

  onMessage(msg: { type: string }): boolean {
    if (msg.type !== 'cache-reply' && msg.type !== 'db-reply') return false;
    return this.calls.onReply(msg as { id?: unknown });
  }

  onTimer(tag: unknown): boolean {
    return this.calls.onTimer(tag);
  }

  get timeouts(): number {
    return this.calls.timeouts;
  }
}
