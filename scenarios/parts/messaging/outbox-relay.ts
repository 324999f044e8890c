/**
 * The transactional outbox and its relay.
 *
 * A service that changes its state and must tell others about it cannot do both atomically
 * when "telling" is a publish to a broker: commit first and crash before publishing, and the
 * event is lost; publish first and fail to commit, and the event is a lie (the dual-write
 * problem). The outbox makes it one write: the event is appended to an `outbox` table in the
 * SAME local transaction as the state change (`entry(...)` returns that append), so it exists
 * exactly when the change does.
 *
 * The relay then copies outbox entries to the broker, in order, one at a time: publish, wait
 * for the broker's confirm (retrying with backoff), then advance a cursor row on disk (a
 * local transaction, forced as a database forces its commits). A crash between the confirm
 * and the cursor's force publishes the entry again after the restart, so delivery is at least
 * once and consumers must be idempotent. It polls `pollMs` after it is woken by a commit, and
 * resumes from its cursor when the node restarts; an idle relay (empty outbox) sleeps until
 * the next commit wakes it instead of polling an empty table.
 *
 * The outbox is only as durable as the transaction that wrote it: the service forces its
 * commit (as a database does) before anything depends on it.
 *
 * Crash point: `outbox-published` (the broker confirmed an entry; the cursor has not moved).
 */
import { assert, type NodeContext, type NodeId } from '../../../engine/index.ts';
import type { RequestClient } from '../resilience/request-client.ts';
import type { TableAppend, TransactionalStore } from '../storage/transactional-store.ts';
import type { Publish, Published } from './queue-broker.ts';

export interface OutboxEntry<B = unknown> {
  topic: string;
  id: string;
  body: B;
  /** When the entry was committed. */
  atMs: number;
}

export interface RelayConfig {
  broker: NodeId | string;
  /** Delay between a commit waking the relay and its poll of the outbox. */
  pollMs: number;
}

/** The relay's poll timer. */
export type OutboxTimer = { kind: 'outbox-poll'; table: string };

/** What the relay needs of its node: to set its poll timer (it publishes through the request client). */
// biome-ignore lint/suspicious/noExplicitAny: a node of any protocol whose timers include the relay's.
export type OutboxContext = NodeContext<any, OutboxTimer>;

export class OutboxRelay<B = unknown> {
  private readonly cursorKey: string;
  private polling = false;
  private publishing = false;
  /** Entries published (confirmed), re-publications after a crash included. */
  published = 0;

  constructor(
    private readonly ctx: OutboxContext,
    private readonly db: TransactionalStore,
    private readonly publisher: RequestClient<Publish<B>, Published>,
    private readonly config: RelayConfig,
    readonly tableName = 'outbox',
  ) {
    assert(config.pollMs >= 0, 'relay pollMs is not negative');
    this.cursorKey = `${tableName}:relayed`;
    // A restarted relay resumes from its cursor: whatever was committed and not confirmed goes out (again).
    if (this.backlog > 0) this.wake();
  }

  /** The outbox append for an event: commit it in the same local transaction as the state change it reports. */
  entry(topic: string, id: string, body: B): TableAppend {
    return { table: this.tableName, record: { topic, id, body, atMs: this.ctx.now } satisfies OutboxEntry<B> };
  }

  /** A commit added entries: poll after `pollMs` (unless a poll is already due or a publish is under way). */
  wake(): void {
    if (this.polling || this.publishing) return;
    this.polling = true;
    this.ctx.setTimer(this.config.pollMs, { kind: 'outbox-poll', table: this.tableName });
  }

  /** Handles the relay's poll timer; true if `tag` was it. */
  onTimer(tag: unknown): boolean {
    if (typeof tag !== 'object' || tag === null) return false;
    const t = tag as Partial<OutboxTimer>;
    if (t.kind !== 'outbox-poll' || t.table !== this.tableName) return false;
    this.polling = false;
    this.publishNext();
    return true;
  }

  /** Entries committed and not yet confirmed by the broker. */
  get backlog(): number {
    return this.entries.length - this.cursor;
  }

  /** How many entries the broker has confirmed, on disk. */
  get cursor(): number {
    return this.db.read(this.cursorKey) ?? 0;
  }

  private get entries(): readonly OutboxEntry<B>[] {
    return this.db.table<OutboxEntry<B>>(this.tableName);
  }

  private publishNext(): void {
    const index = this.cursor;
    const entry = this.entries[index];
    if (entry === undefined || this.publishing) return;
    this.publishing = true;
    const request: Publish<B> = { op: 'publish', topic: entry.topic, id: entry.id, body: entry.body };
    this.publisher.call(this.config.broker, request, () => this.onConfirmed(index));
  }

  private onConfirmed(index: number): void {
    this.publishing = false;
    this.published++;
    this.ctx.crashPoint('outbox-published');
    if (this.cursor === index) {
      const moved = this.db.commitLocal(this.db.nextTxId('relay'), [{ key: this.cursorKey, value: index + 1 }]);
      assert(moved, 'the relay cursor row is never locked by another transaction');
      this.ctx.disk.force();
    }
    this.publishNext();
  }
}
