/**
 * Replica: the replication role that follows a primary. Entries that arrive are written to
 * the replica's own log and forced (that is what it acknowledges: they are on its disk), and
 * applied to its data later, in LSN order, each after a replay delay drawn from its
 * ReplicationLag: that delay is the replica lag readers see. A stall (a lag spike) holds
 * replay back; entries keep arriving and are applied in a burst when it ends.
 *
 * Replay delays run on the replica's timers, never on timestamps compared with its clock, so
 * a clock that jumps neither stalls replay nor rushes it (as a real replica's replay does not
 * look at the wall clock at all).
 *
 * The replica follows the newest epoch it has heard of (on disk, forced before it answers)
 * and rejects an older primary. When its log disagrees with the primary's (it was a primary
 * itself and wrote entries nobody else has), it drops the diverged tail and, if it had
 * applied any of it, rebuilds its data from the log: those writes are gone.
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
  /** Applies one entry to the node's data (on disk); must be idempotent (replay after a crash repeats some). */
  apply: (entry: LogEntry<Op>) => void;
  /** Wipes the node's data, before it is rebuilt from the log after a rollback. */
  reset: () => void;
  /** Called after each entry is applied. */
  onApplied?: (entry: LogEntry<Op>) => void;
  /** Called with the entries a rollback dropped from the log. */
  onRollback?: (dropped: LogEntry<Op>[]) => void;
}

/** The tags of a replica's timers (replay delays and stalls), owned by the replica that set them. */
export type ReplicaTimer = { kind: 'replica:apply'; owner: object; generation: number; lsn: number } | { kind: 'replica:stall-over'; owner: object };

export class Replica<Op> {
  /** LSNs whose replay delay has passed, waiting for every earlier one (replay is in log order). */
  private readonly ready = new Set<number>();
  /** Bumped by a rollback: replay timers of dropped entries are ignored. */
  private generation = 0;
  private stalls = 0;
  /** Identifies this role's timers: a node that switches roles ignores its old role's timers. */
  private readonly owner = {};
  /** The primary it last heard from. */
  primary: NodeId | null = null;
  /** The followed epoch's cell on the disk (its name built once: it is read at every message). */
  private readonly epochCell: string;

  constructor(
    private readonly ctx: NodeContext<ReplicationMessage<Op>>,
    private readonly config: ReplicaConfig<Op>,
  ) {
    this.epochCell = `${config.log.name}:epoch`;
    // Entries on disk but not applied before a crash are replayed after fresh delays.
    for (let lsn = this.appliedLsn + 1; lsn <= config.log.lastLsn; lsn++) this.schedule(lsn);
  }

  /** Highest epoch this node has followed (on disk, next to the log). */
  get epoch(): number {
    return this.ctx.disk.get<number>(this.epochCell) ?? 0;
  }

  /** Follows `value` from now on, durably: it will reject every older primary even after a crash. */
  set epoch(value: number) {
    this.ctx.disk.set(this.epochCell, value);
    this.ctx.disk.force();
  }

  get appliedLsn(): number {
    return this.config.log.appliedLsn;
  }

  get flushedLsn(): number {
    return this.config.log.lastLsn;
  }

  get stalled(): boolean {
    return this.stalls > 0;
  }

  /** A lag spike: replay stops for `durationMs` (overlapping stalls last until the last one ends). */
  stall(durationMs: number): void {
    this.stalls++;
    this.ctx.setTimer(durationMs, { kind: 'replica:stall-over', owner: this.owner } satisfies ReplicaTimer);
  }

  /** Applies everything flushed at once (a replica being promoted finishes replay first). */
  catchUp(): void {
    const last = this.config.log.lastLsn;
    for (let lsn = this.appliedLsn + 1; lsn <= last; lsn++) this.applyOne(lsn);
    this.ready.clear();
  }

  /** Handles an append from a primary; false for any other message of the node. */
  onMessage(from: NodeId, message: { readonly type: string }): boolean {
    if (message.type !== 'repl-append') return false;
    const msg = message as Extract<ReplicationMessage<Op>, { type: 'repl-append' }>;
    if (msg.stream !== this.config.stream) return false;
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
    let accepted = 0;
    for (const entry of msg.entries) {
      const local = log.entry(entry.lsn);
      if (local !== undefined && local.epoch === entry.epoch) continue;
      if (local !== undefined) this.rollback(entry.lsn - 1);
      log.accept(entry);
      this.schedule(entry.lsn);
      accepted++;
    }
    // What it acknowledges is on its disk.
    if (accepted > 0) log.flush();
    const lsn = msg.prevLsn + msg.entries.length;
    this.reply(from, { type: 'repl-ack', epoch: this.epoch, ok: true, lsn, appliedLsn: this.appliedLsn });
    return true;
  }

  private reply(to: NodeId, msg: ReplicationMessage<Op>): void {
    if (this.config.stream !== undefined) msg.stream = this.config.stream;
    this.ctx.send(to, msg);
  }

  onTimer(tag: unknown): boolean {
    const t = tag as ReplicaTimer;
    if (typeof t !== 'object' || t === null || t.owner !== this.owner) return false;
    if (t.kind === 'replica:stall-over') this.stalls--;
    else if (t.generation === this.generation) this.ready.add(t.lsn);
    this.drain();
    return true;
  }

  private schedule(lsn: number): void {
    const tag: ReplicaTimer = { kind: 'replica:apply', owner: this.owner, generation: this.generation, lsn };
    this.ctx.setTimer(this.config.lag.sample(this.ctx.rng), tag);
  }

  /** Applies, in log order, every entry whose delay has passed and whose predecessors are applied. */
  private drain(): void {
    if (this.stalls > 0) return;
    for (let next = this.appliedLsn + 1; this.ready.delete(next); next++) this.applyOne(next);
  }

  private applyOne(lsn: number): void {
    const entry = this.config.log.entry(lsn)!;
    this.config.apply(entry);
    this.config.log.appliedLsn = lsn;
    this.config.onApplied?.(entry);
  }

  /**
   * Drops the log after `lsn` and rebuilds the data from what is left, up to where it was
   * applied: the data may hold writes of the dropped entries (applied, or half applied by a
   * crash that kept the row but not the apply position), and none of them may survive.
   */
  private rollback(lsn: number): void {
    const applied = Math.min(this.appliedLsn, lsn);
    this.generation++;
    this.ready.clear();
    const dropped = this.config.log.truncateAfter(lsn);
    this.config.reset();
    this.config.log.appliedLsn = 0;
    for (let i = 1; i <= applied; i++) this.applyOne(i);
    // Entries kept but not applied yet get their replay scheduled again (their old timers are void).
    for (let i = applied + 1; i <= lsn; i++) this.schedule(i);
    this.config.onRollback?.(dropped);
  }
}
