/**
 * Replica: the replication role that follows a primary. Entries that arrive are written to
 * the replica's own log at once (that is what it acknowledges: they are on its disk) and
 * applied to its data later, in LSN order, after a replay delay drawn from its
 * ReplicationLag: that delay is the replica lag readers see. A stall (a lag spike) holds
 * replay back; entries keep arriving and are applied in a burst when it ends.
 *
 * The replica follows the newest epoch it has heard of and rejects an older primary. When
 * its log disagrees with the primary's (it was a primary itself and wrote entries nobody
 * else has), it drops the diverged tail and, if it had applied any of it, rebuilds its data
 * from the log: those writes are gone.
 */
import type { NodeContext, NodeId } from '../../../engine/index.ts';
import type { ReplicationLag } from './replication-lag.ts';
import type { LogEntry, ReplicationLog } from './replication-log.ts';
import type { ReplicationMessage } from './replication-messages.ts';

export interface ReplicaConfig<Op> {
  log: ReplicationLog<Op>;
  /** The stream's name in messages, when a node replicates more than one log. */
  stream?: string;
  lag: ReplicationLag;
  /** Applies one entry to the node's data (on disk). */
  apply: (entry: LogEntry<Op>) => void;
  /** Wipes the node's data, before it is rebuilt from the log after a rollback. */
  reset: () => void;
  /** Called after each entry is applied. */
  onApplied?: (entry: LogEntry<Op>) => void;
  /** Called with the entries a rollback dropped from the log. */
  onRollback?: (dropped: LogEntry<Op>[]) => void;
}

export class Replica<Op> {
  /** Apply times of the entries flushed but not applied yet, for LSNs appliedLsn+1, appliedLsn+2, ... */
  private readonly applyAt: number[] = [];
  private timerAt = Number.POSITIVE_INFINITY;
  private stallUntilMs = 0;
  private readonly tag = { kind: 'replica:apply' };
  /** The primary it last heard from. */
  primary: NodeId | null = null;

  constructor(
    private readonly ctx: NodeContext<ReplicationMessage<Op>>,
    private readonly config: ReplicaConfig<Op>,
  ) {
    // Entries on disk but not applied before a crash are replayed after fresh delays.
    for (let lsn = this.appliedLsn + 1; lsn <= config.log.lastLsn; lsn++) this.schedule();
  }

  /** Highest epoch this node has followed (on disk, next to the log). */
  get epoch(): number {
    return this.ctx.durable.get<number>(`${this.config.log.name}:epoch`) ?? 0;
  }

  set epoch(value: number) {
    this.ctx.durable.set(`${this.config.log.name}:epoch`, value);
  }

  get appliedLsn(): number {
    return this.config.log.appliedLsn;
  }

  private set appliedLsn(value: number) {
    this.config.log.appliedLsn = value;
  }

  get flushedLsn(): number {
    return this.config.log.lastLsn;
  }

  /** A lag spike: replay stops until `untilMs`. */
  stall(untilMs: number): void {
    this.stallUntilMs = Math.max(this.stallUntilMs, untilMs);
    this.arm();
  }

  get stalledUntil(): number {
    return this.stallUntilMs;
  }

  /** Applies everything flushed at once (a replica being promoted finishes replay first). */
  catchUp(): void {
    while (this.applyAt.length > 0) this.applyNext();
  }

  onMessage(from: NodeId, msg: ReplicationMessage<Op>): boolean {
    if (msg.type !== 'repl-append' || msg.stream !== this.config.stream) return false;
    if (msg.epoch < this.epoch) {
      this.reply(from, { type: 'repl-reject', epoch: this.epoch });
      return true;
    }
    if (msg.epoch > this.epoch) this.epoch = msg.epoch;
    this.primary = from;
    const log = this.config.log;
    if (msg.prevLsn > log.lastLsn || log.epochAt(msg.prevLsn) !== msg.prevEpoch) {
      const lsn = Math.min(msg.prevLsn - 1, log.lastLsn);
      this.reply(from, { type: 'repl-ack', epoch: this.epoch, ok: false, lsn, lsnEpoch: log.epochAt(lsn), appliedLsn: this.appliedLsn });
      return true;
    }
    for (const entry of msg.entries) {
      const local = log.entry(entry.lsn);
      if (local !== undefined && local.epoch === entry.epoch) continue;
      if (local !== undefined) this.rollback(entry.lsn - 1);
      log.accept(entry);
      this.schedule();
    }
    const lsn = msg.prevLsn + msg.entries.length;
    this.reply(from, { type: 'repl-ack', epoch: this.epoch, ok: true, lsn, appliedLsn: this.appliedLsn });
    return true;
  }

  private reply(to: NodeId, msg: ReplicationMessage<Op>): void {
    if (this.config.stream !== undefined) msg.stream = this.config.stream;
    this.ctx.send(to, msg);
  }

  onTimer(tag: unknown): boolean {
    if (tag !== this.tag) return false;
    this.timerAt = Number.POSITIVE_INFINITY;
    while (this.applyAt.length > 0 && this.applyAt[0]! <= this.ctx.now && this.ctx.now >= this.stallUntilMs) this.applyNext();
    this.arm();
    return true;
  }

  private schedule(): void {
    const previous = this.applyAt.length > 0 ? this.applyAt[this.applyAt.length - 1]! : this.ctx.now;
    this.applyAt.push(Math.max(previous, this.ctx.now + this.config.lag.sample(this.ctx.rng)));
    this.arm();
  }

  private arm(): void {
    if (this.applyAt.length === 0) return;
    const due = Math.max(this.applyAt[0]!, this.stallUntilMs);
    if (due >= this.timerAt) return;
    this.timerAt = due;
    this.ctx.setTimer(due - this.ctx.now, this.tag);
  }

  private applyNext(): void {
    this.applyAt.shift();
    const entry = this.config.log.entry(this.appliedLsn + 1)!;
    this.config.apply(entry);
    this.appliedLsn = entry.lsn;
    this.config.onApplied?.(entry);
  }

  /** Drops the log after `lsn`; if applied entries went with it, rebuilds the data from the log. */
  private rollback(lsn: number): void {
    const applied = this.appliedLsn;
    const dropped = this.config.log.truncateAfter(lsn);
    if (applied > lsn) {
      this.config.reset();
      this.appliedLsn = 0;
      for (let i = 1; i <= lsn; i++) {
        this.config.apply(this.config.log.entry(i)!);
        this.appliedLsn = i;
      }
      this.applyAt.length = 0;
    } else this.applyAt.length = lsn - applied;
    this.config.onRollback?.(dropped);
  }
}
