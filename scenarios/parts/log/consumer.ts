/**
 * Consumer: a member of a consumer group, as Kafka's client is one.
 *
 * It joins the group through the group coordinator, heartbeats in the background, and
 * fetches its assigned partitions from their leaders, starting at the group's committed
 * offsets (or the beginning). Fetching runs ahead of processing: while fewer than
 * `maxPollRecords` records wait in a partition's buffer, the next fetch is already out, so a
 * busy consumer never waits for the network. The application calls `poll()` for the next
 * records and tells the consumer when it may commit.
 *
 * Offsets: with auto-commit, the consumer commits what earlier polls returned — at the next
 * poll after the interval, or while the application is idle — so records are committed only
 * after the application had them and came back for more (at least once). Otherwise the
 * application commits explicitly: before processing (at most once) or after (at least once),
 * or hands the offsets to a transaction.
 *
 * Rebalances are eager: when a heartbeat says the group is rebalancing, the application's
 * next poll gives up every partition (committing first with auto-commit) and rejoins; until
 * the new assignment arrives it gets nothing. A consumer dropped from the group (it stalled
 * past its session timeout) learns it from its next heartbeat or commit, which fails: what
 * it processed meanwhile is processed again by the partition's new owner.
 */
import type { NodeId } from '../../../engine/index.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { LogMessage, OffsetEntry } from './log-protocol.ts';
import type { Metadata } from './metadata.ts';
import type { Isolation, Tp } from './partition-log.ts';
import { Rpc } from './rpc.ts';

export interface ConsumerConfig {
  clientId: string;
  group: string;
  topics: string[];
  isolation: Isolation;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  /** At most this many records per poll; also the buffer size that stops prefetching. */
  maxPollRecords: number;
  fetchMaxRecords: number;
  /** The leader answers a fetch once this many records are there (Kafka's fetch.min.bytes, in records)... */
  fetchMinRecords: number;
  /** ...or once the fetch has waited this long (long poll). */
  fetchMaxWaitMs: number;
  heartbeatMs: number;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  /** Told every time the member's state changes (for dashboards): joining, rebalancing, active, idle. */
  onState?: (state: ConsumerState, detail: string) => void;
  /** Told when the member receives its partitions in a new generation (Kafka's onPartitionsAssigned), for dashboards and auditors. */
  onAssigned?: (memberId: string, generation: number, tps: readonly Tp[]) => void;
}

export type ConsumerState = 'joining' | 'rebalancing' | 'active' | 'idle';

/** Spread into a config after the fields it lacks (clientId, group, topics), not first: see PRODUCER_DEFAULTS. */
export const CONSUMER_DEFAULTS: Omit<ConsumerConfig, 'clientId' | 'group' | 'topics'> = {
  isolation: 'read-uncommitted',
  autoCommit: false,
  autoCommitIntervalMs: 100,
  maxPollRecords: 10,
  fetchMaxRecords: 50,
  fetchMinRecords: 1,
  fetchMaxWaitMs: 100,
  heartbeatMs: 50,
  sessionTimeoutMs: 200,
  rebalanceTimeoutMs: 300,
  requestTimeoutMs: 100,
  retryBackoffMs: 20,
};

/** A record as the application receives it; `V` is what the topic's values are (what Kafka's deserializer would give). */
export interface ConsumedRecord<V = unknown> {
  tp: Tp;
  offset: number;
  key: string | null;
  value: V;
  appendedMs: number;
}

interface Assigned<V> {
  tp: Tp;
  /** Next offset to fetch (null until the committed offset is known). */
  fetchOffset: number | null;
  /** Next offset to hand to the application: what a commit records. */
  consumed: number | null;
  buffer: ConsumedRecord<V>[];
  fetching: number;
}

type MemberState = 'unjoined' | 'joining' | 'stable';

export type ConsumerTimer =
  | { owner: 'consumer'; client: string; kind: 'heartbeat'; generation: number }
  | { owner: 'consumer'; client: string; kind: 'again'; what: number };

export class Consumer<V = unknown> {
  private readonly rpc: Rpc;
  private state: MemberState = 'unjoined';
  private _memberId: string | null = null;
  private _generation = -1;
  private readonly assigned = new Map<Tp, Assigned<V>>();
  /** The assigned partitions in turn order, listed again only after the assignment changes (every poll walks them). */
  private parts: Assigned<V>[] | null = null;
  private cursor = 0;
  private needsRejoin = false;
  /** The application polled and got nothing: it waits for `onWake`. True at first, before any poll. */
  private waiting = true;
  private lastAutoCommitMs = 0;
  private rebalanceSinceMs = -1;
  private readonly later = new Map<number, () => void>();
  private nextLater = 0;
  private heartbeatTag: Extract<ConsumerTimer, { kind: 'heartbeat' }> | null = null;
  /** Time spent without an assignment because of rebalances (ms), for metrics. */
  pausedMs = 0;
  rebalances = 0;

  constructor(
    private readonly ctx: LogContext,
    private readonly metadata: Metadata,
    readonly config: ConsumerConfig,
    /** Called when records (or a rejoin to do) arrive while the application waits in poll. */
    private readonly onWake: () => void,
  ) {
    this.rpc = new Rpc(ctx, `consumer:${config.clientId}`);
  }

  get memberId(): string | null {
    return this._memberId;
  }

  get generation(): number {
    return this._generation;
  }

  get assignment(): Tp[] {
    return [...this.assigned.keys()];
  }

  get active(): boolean {
    return this.state === 'stable' && !this.needsRejoin;
  }

  /** Joins the group. */
  start(): void {
    this.join();
  }

  /**
   * The next records (up to maxPollRecords, taking partitions in turn), or none. With none,
   * the application waits: `onWake` tells it when to poll again. A pending rebalance is
   * carried out here, as in Kafka's poll loop.
   */
  poll(): ConsumedRecord<V>[] {
    if (this.needsRejoin && this.state === 'stable') this.rejoin();
    if (this.state !== 'stable') {
      this.waiting = true;
      return [];
    }
    this.maybeAutoCommit();
    const batch: ConsumedRecord<V>[] = [];
    const parts = (this.parts ??= [...this.assigned.values()]);
    for (let k = 0; k < parts.length && batch.length < this.config.maxPollRecords; k++) {
      const a = parts[(this.cursor + k) % parts.length]!;
      const buffer = a.buffer;
      if (buffer.length > 0) {
        const take = Math.min(buffer.length, this.config.maxPollRecords - batch.length);
        for (let j = 0; j < take; j++) batch.push(buffer[j]!);
        // Taken from the front in place: a poll allocates its batch and nothing else.
        if (take < buffer.length) buffer.copyWithin(0, take);
        buffer.length -= take;
        a.consumed = batch[batch.length - 1]!.offset + 1;
      }
      if (a.buffer.length === 0 && a.fetchOffset !== null) a.consumed = a.fetchOffset;
      this.fetch(a);
    }
    if (parts.length > 0) this.cursor = (this.cursor + 1) % parts.length;
    this.waiting = batch.length === 0;
    return batch;
  }

  /** The offsets a commit would record now: past every record handed to the application. */
  consumedOffsets(): OffsetEntry[] {
    const out: OffsetEntry[] = [];
    for (const a of this.assigned.values()) if (a.consumed !== null) out.push({ tp: a.tp, offset: a.consumed });
    return out;
  }

  /** Commits offsets (default: the consumed positions); `done` hears whether the group accepted them. */
  commit(offsets: OffsetEntry[] | null, done: (ok: boolean, error: string | null) => void): void {
    const entries = offsets ?? this.consumedOffsets();
    const memberId = this._memberId;
    if (memberId === null || this.state !== 'stable') return done(false, 'not a member of the group');
    const generation = this._generation;
    const attempt = (): void => {
      this.rpc.call(
        this.metadata.cluster.coordinator,
        this.config.requestTimeoutMs,
        (id) => ({ type: 'commit', id, group: this.config.group, memberId, generation, offsets: entries }),
        (m) => {
          if (m === null) return this.again(attempt);
          if (m.type !== 'commit-response') return;
          if (m.error !== null) {
            this.ctx.note(() => `${this.ctx.name}'s commit is refused (${m.error}): another member will read those records again`, 'key');
            this.requestRejoin(m.error === 'unknown-member' ? 'it was dropped from the group' : 'its generation is over', m.error === 'unknown-member');
          }
          done(m.error === null, m.error);
        },
      );
    };
    attempt();
  }

  /** Forgets buffered records and restarts every partition from its committed offset (after an aborted transaction). */
  resetToCommitted(): void {
    for (const a of this.assigned.values()) {
      if (a.fetching >= 0) this.rpc.cancel(a.fetching);
      a.fetching = -1;
      a.buffer = [];
      a.fetchOffset = null;
      a.consumed = null;
    }
    this.fetchCommitted([...this.assigned.keys()], this._generation);
  }

  onMessage(_from: NodeId, m: LogMessage): boolean {
    return this.rpc.onMessage(m);
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'consumer' || t.client !== this.config.clientId) return this.rpc.onTimer(t);
    if (t.kind === 'again') {
      const run = this.later.get(t.what);
      this.later.delete(t.what);
      run?.();
    } else if (t.generation === this._generation && this.state === 'stable') this.heartbeat();
    return true;
  }

  // ------------------------------------------------------------------ membership

  private join(): void {
    this.state = 'joining';
    if (this.rebalanceSinceMs < 0) this.rebalanceSinceMs = this.ctx.now;
    this.setState(this._generation < 0 ? 'joining' : 'rebalancing', this.config.group);
    this.rpc.call(
      this.metadata.cluster.coordinator,
      this.config.rebalanceTimeoutMs + this.config.requestTimeoutMs,
      (id) => ({
        type: 'join',
        id,
        group: this.config.group,
        memberId: this._memberId,
        topics: this.config.topics,
        sessionTimeoutMs: this.config.sessionTimeoutMs,
        rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
      }),
      (m) => {
        if (m === null) return this.join();
        if (m.type !== 'join-response') return;
        this._memberId = m.memberId;
        this._generation = m.generation;
        this.state = 'stable';
        this.rebalances++;
        const pausedMs = this.ctx.now - this.rebalanceSinceMs;
        this.pausedMs += pausedMs;
        this.rebalanceSinceMs = -1;
        this.assign(m.assignment, m.members, pausedMs);
        this.ctx.setTimer(this.config.heartbeatMs, this.heartbeatTimer());
      },
    );
  }

  private assign(tps: Tp[], members: number, pausedMs: number): void {
    for (const tp of tps) this.assigned.set(tp, { tp, fetchOffset: null, consumed: null, buffer: [], fetching: -1 });
    this.parts = null;
    this.cursor = 0;
    this.config.onAssigned?.(this._memberId!, this._generation, tps);
    if (tps.length === 0) {
      this.setState('idle', 'no partition assigned');
      this.ctx.note(() => {
        const partitions = this.config.topics.reduce((n, t) => n + this.metadata.partitionCount(t), 0);
        return `${this.ctx.name} joins generation ${this._generation} of ${this.config.group} and gets no partition: ${members} consumers share ${partitions} partition(s), so it sits idle`;
      });
    } else {
      this.setState('active', tps.join(', '));
      this.ctx.note(() => `${this.ctx.name} gets ${tps.join(', ')} in generation ${this._generation}, after ${Math.round(pausedMs)} ms without consuming`);
    }
    this.fetchCommitted(tps, this._generation);
    if (this.waiting) this.wake();
  }

  /** The heartbeat timer of the current generation (one tag for all its beats). */
  private heartbeatTimer(): ConsumerTimer {
    let tag = this.heartbeatTag;
    if (tag === null || tag.generation !== this._generation) {
      tag = { owner: 'consumer', client: this.config.clientId, kind: 'heartbeat', generation: this._generation };
      this.heartbeatTag = tag;
    }
    return tag;
  }

  private heartbeat(): void {
    this.rpc.request(
      this.metadata.cluster.coordinator,
      this.config.requestTimeoutMs,
      { type: 'heartbeat', id: -1, group: this.config.group, memberId: this._memberId!, generation: this._generation },
      this.onHeartbeatResponse,
    );
    // Heartbeats go on while a rebalance waits for the application's next poll, as Kafka's
    // background heartbeat thread does: the member stays in the group until it rejoins.
    this.ctx.setTimer(this.config.heartbeatMs, this.heartbeatTimer());
  }

  private readonly onHeartbeatResponse = (m: LogMessage | null): void => {
    if (m === null || m.type !== 'heartbeat-response' || m.error === null) return;
    if (m.error === 'rebalance-in-progress') this.requestRejoin('the group is rebalancing', false);
    else this.requestRejoin(m.error === 'unknown-member' ? 'it was dropped from the group' : 'its generation is over', m.error === 'unknown-member');
  };

  private requestRejoin(why: string, forgotten: boolean): void {
    if (forgotten) this._memberId = null;
    if (this.needsRejoin || this.state !== 'stable') return;
    this.needsRejoin = true;
    this.rebalanceSinceMs = this.ctx.now;
    this.setState('rebalancing', this.config.group);
    this.ctx.note(() => `${this.ctx.name} must rejoin ${this.config.group} (${why}): it stops consuming until it has a new assignment`);
    if (this.waiting) this.wake();
  }

  /** Gives up every partition (committing first with auto-commit) and joins again. */
  private rejoin(): void {
    this.needsRejoin = false;
    if (this.config.autoCommit && this._memberId !== null) this.commitQuietly();
    for (const a of this.assigned.values()) if (a.fetching >= 0) this.rpc.cancel(a.fetching);
    this.assigned.clear();
    this.parts = null;
    this.join();
  }

  // ------------------------------------------------------------------ offsets and fetching

  private fetchCommitted(tps: Tp[], generation: number): void {
    if (tps.length === 0) return;
    this.rpc.call(
      this.metadata.cluster.coordinator,
      this.config.requestTimeoutMs,
      (id) => ({ type: 'offset-fetch', id, group: this.config.group, tps }),
      (m) => {
        if (generation !== this._generation || this.state !== 'stable') return;
        if (m === null || (m.type === 'offset-fetch-response' && m.unstable)) return this.again(() => this.fetchCommitted(tps, generation));
        if (m.type !== 'offset-fetch-response') return;
        for (const o of m.offsets) {
          const a = this.assigned.get(o.tp);
          if (a === undefined || a.fetchOffset !== null) continue;
          a.fetchOffset = o.offset ?? 0;
          a.consumed = a.fetchOffset;
          this.fetch(a);
        }
      },
    );
  }

  private fetch(a: Assigned<V>): void {
    if (a.fetching >= 0 || a.fetchOffset === null || a.buffer.length >= this.config.maxPollRecords || this.needsRejoin) return;
    const leader = this.metadata.leaderOf(a.tp);
    if (leader < 0) {
      this.metadata.refresh();
      this.again(() => this.fetch(a));
      return;
    }
    const offset = a.fetchOffset;
    a.fetching = this.rpc.request(
      leader,
      this.config.fetchMaxWaitMs + this.config.requestTimeoutMs,
      {
        type: 'fetch',
        id: -1,
        tp: a.tp,
        offset,
        minRecords: this.config.fetchMinRecords,
        maxRecords: this.config.fetchMaxRecords,
        isolation: this.config.isolation,
        maxWaitMs: this.config.fetchMaxWaitMs,
      },
      (m) => {
        a.fetching = -1;
        if (this.assigned.get(a.tp) !== a) return;
        if (m === null || (m.type === 'fetch-response' && m.error === 'not-leader')) {
          this.metadata.refresh();
          return this.again(() => this.fetch(a));
        }
        if (m.type !== 'fetch-response' || m.offset !== a.fetchOffset) return this.fetch(a);
        if (m.error === 'offset-out-of-range') {
          this.ctx.note(
            () => `${this.ctx.name}'s position ${m.offset} on ${a.tp} is past the log end ${m.logEndOffset}: it starts over from the beginning`,
            'warn',
          );
          a.fetchOffset = 0;
          a.consumed = 0;
          a.buffer = [];
          return this.fetch(a);
        }
        // The application's deserializer: the topic holds values of type V.
        for (const r of m.records) a.buffer.push({ tp: a.tp, offset: r.offset, key: r.key, value: r.value as V, appendedMs: r.appendedMs });
        a.fetchOffset = m.nextOffset;
        if (a.buffer.length === 0) a.consumed = a.fetchOffset;
        if (m.records.length > 0 && this.waiting) this.wake();
        this.fetch(a);
        if (this.waiting) this.maybeAutoCommit();
      },
    );
  }

  private maybeAutoCommit(): void {
    if (!this.config.autoCommit || this.ctx.now - this.lastAutoCommitMs < this.config.autoCommitIntervalMs) return;
    this.lastAutoCommitMs = this.ctx.now;
    this.commitQuietly();
  }

  /** An asynchronous commit of the consumed positions; its failure is only noted. */
  private commitQuietly(): void {
    if (this._memberId === null || this.state !== 'stable') return;
    const offsets = this.consumedOffsets();
    if (offsets.length === 0) return;
    this.rpc.request(
      this.metadata.cluster.coordinator,
      this.config.requestTimeoutMs,
      { type: 'commit', id: -1, group: this.config.group, memberId: this._memberId, generation: this._generation, offsets },
      ignoreResponse,
    );
  }

  private setState(state: ConsumerState, detail: string): void {
    this.ctx.state(state, detail);
    this.config.onState?.(state, detail);
  }

  private wake(): void {
    this.waiting = false;
    this.onWake();
  }

  private again(run: () => void): void {
    const what = this.nextLater++;
    this.later.set(what, run);
    this.ctx.setTimer(this.config.retryBackoffMs, { owner: 'consumer', client: this.config.clientId, kind: 'again', what });
  }
}

/** The callback of a request whose answer changes nothing (an asynchronous commit). */
function ignoreResponse(): void {}
