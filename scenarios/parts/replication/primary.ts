/**
 * Primary: the replication role that takes writes. A write is appended to the log (its LSN),
 * applied to the primary's own data, forced to its disk (the commit's WAL flush) and shipped
 * to every replica. When the write counts as committed, and may be acknowledged to the
 * client, is the replication mode:
 *
 *  - async: as soon as it is on the primary's disk. Fast, but the newest writes exist on one
 *    machine only until they are shipped; lose that machine and they are gone.
 *  - sync: only once `syncAcks` replicas have it on their disks too. Costs a round trip to
 *    the replica per write, and blocks while no replica answers; no acknowledged write is
 *    ever on the primary alone.
 *
 * Nothing leaves the primary before it is forced, as a database's WAL sender ships only
 * flushed WAL: a replica never holds an entry that the primary could lose in a crash.
 *
 * The primary tracks each replica's log position (matched and applied LSN), retransmits to
 * replicas that fell behind (lost messages, a partition, a restart) once per `resendMs` of its
 * timer, and walks back to where a diverged replica's log agrees with its own. A replica that
 * answers with a newer epoch, or a primary of a newer epoch shipping to this one, means
 * another primary was elected: this one is fenced and must step down.
 */
import type { NodeContext, NodeId } from '../../../engine/index.ts';
import type { LogEntry, ReplicationLog } from './replication-log.ts';
import { isReplicationMessage, type ReplicationMessage } from './replication-messages.ts';

export interface PrimaryConfig<Op> {
  log: ReplicationLog<Op>;
  /** The stream's name in messages, when a node replicates more than one log. */
  stream?: string;
  /** The epoch this primary writes in. */
  epoch: number;
  replicas: readonly NodeId[];
  mode: 'async' | 'sync';
  /** Replicas that must have a write on disk before it commits (sync mode). */
  syncAcks: number;
  /** A replica that has not acknowledged everything gets a retransmission this often. */
  resendMs: number;
  /** Most entries in one message. */
  batchMax: number;
  /** Applies an entry to the node's data (the primary applies its own writes at once); must be idempotent. */
  apply: (entry: LogEntry<Op>) => void;
  /** A replica follows a newer epoch: another primary exists and this one must step down. */
  onFenced?: (epoch: number, by: NodeId) => void;
}

/** What the primary knows of one replica. */
export interface ReplicaPosition {
  node: NodeId;
  /** Highest LSN known to be on the replica's disk and identical to the primary's log. */
  matchLsn: number;
  /** Highest LSN the replica has applied (as last reported). */
  appliedLsn: number;
  /** Next LSN to send. */
  nextLsn: number;
  /** Something was shipped to it since the last retransmission tick. */
  sentSinceTick: boolean;
  /** It answered since the last retransmission tick. */
  heardSinceTick: boolean;
}

/** The tag of the primary's retransmission timer. */
export type PrimaryTimer = { kind: 'primary:resend' };

interface PendingCommit<Op> {
  entry: LogEntry<Op>;
  onCommitted: (entry: LogEntry<Op>) => void;
}

export class Primary<Op> {
  readonly positions: ReplicaPosition[];
  private readonly pending: PendingCommit<Op>[] = [];
  /** This role's own timer tag: a node that was primary before in the same life ignores the old one's timers. */
  private readonly tag: PrimaryTimer = { kind: 'primary:resend' };
  fenced = false;

  constructor(
    private readonly ctx: NodeContext<ReplicationMessage<Op>>,
    private readonly config: PrimaryConfig<Op>,
  ) {
    // A primary's data reflects its whole log: finish any replay left over from a crash or from being a replica.
    const log = config.log;
    for (let lsn = log.appliedLsn + 1; lsn <= log.lastLsn; lsn++) {
      config.apply(log.entry(lsn)!);
      log.appliedLsn = lsn;
    }
    // What it ships from now on must be durable first, including a log it found half forced.
    log.flush();
    const last = log.lastLsn;
    // Until a replica answers, assume it has everything and probe with an empty append:
    // its answer says where it really is.
    this.positions = config.replicas.map((node) => ({ node, matchLsn: 0, appliedLsn: 0, nextLsn: last + 1, sentSinceTick: false, heardSinceTick: false }));
    for (const p of this.positions) this.send(p, true);
    ctx.setTimer(config.resendMs, this.tag);
  }

  get epoch(): number {
    return this.config.epoch;
  }

  get lastLsn(): number {
    return this.config.log.lastLsn;
  }

  /** Writes waiting for replica acknowledgements (sync mode). */
  get waiting(): number {
    return this.pending.length;
  }

  /**
   * Appends `op`, applies it, forces it and ships it. `onCommitted` runs when the write may
   * be acknowledged: at once in async mode (before the entry is shipped: a crash right then
   * leaves it on this disk only), after enough replica acks in sync mode.
   */
  write(op: Op, onCommitted: (entry: LogEntry<Op>) => void): LogEntry<Op> {
    const log = this.config.log;
    const entry = log.append(this.config.epoch, this.ctx.now, op);
    this.config.apply(entry);
    log.appliedLsn = entry.lsn;
    log.flush();
    if (this.config.mode === 'async' || this.config.syncAcks === 0) onCommitted(entry);
    else this.pending.push({ entry, onCommitted });
    for (const p of this.positions) this.send(p);
    return entry;
  }

  position(node: NodeId): ReplicaPosition | undefined {
    return this.positions.find((p) => p.node === node);
  }

  /** Handles a replication message; false if it was not one for the primary (any other message of the node). */
  onMessage(from: NodeId, message: { readonly type: string }): boolean {
    if (!isReplicationMessage(message)) return false;
    const msg = message as ReplicationMessage<Op>;
    if (msg.stream !== this.config.stream) return false;
    if (msg.type === 'repl-append') {
      // Another primary is shipping to this one: an older one is told about the newer epoch;
      // a newer one means this primary's epoch is over.
      if (msg.epoch < this.config.epoch) this.reply(from, { type: 'repl-reject', epoch: this.config.epoch });
      else if (msg.epoch > this.config.epoch) this.fence(msg.epoch, from);
      return true;
    }
    if (msg.type === 'repl-reject') {
      if (msg.epoch > this.config.epoch) this.fence(msg.epoch, from);
      return true;
    }
    if (msg.type !== 'repl-ack') return false;
    if (msg.epoch > this.config.epoch) {
      this.fence(msg.epoch, from);
      return true;
    }
    // An answer to an older epoch's primary (this node, in an earlier term) says nothing about now.
    if (msg.epoch < this.config.epoch) return true;
    const p = this.position(from);
    if (p === undefined || this.fenced) return true;
    p.heardSinceTick = true;
    p.appliedLsn = msg.appliedLsn;
    if (msg.ok) {
      p.matchLsn = Math.max(p.matchLsn, Math.min(msg.lsn, this.lastLsn));
      p.nextLsn = Math.max(p.nextLsn, p.matchLsn + 1);
      this.resolve();
      if (p.nextLsn <= this.lastLsn && msg.lsn >= p.nextLsn - 1) this.send(p);
      return true;
    }
    // The replica's log stops matching: walk back to a point both logs may share.
    const log = this.config.log;
    let agreed = Math.min(msg.lsn, log.lastLsn);
    if (log.epochAt(agreed) !== msg.lsnEpoch) agreed = Math.min(agreed - 1, log.endOfEpoch(msg.lsnEpoch));
    agreed = Math.max(0, agreed);
    p.matchLsn = Math.min(p.matchLsn, agreed);
    p.nextLsn = agreed + 1;
    this.send(p, true);
    return true;
  }

  /** Handles the retransmission timer; false for any other tag. */
  onTimer(tag: unknown): boolean {
    if (tag !== this.tag) return false;
    if (this.fenced) return true;
    for (const p of this.positions) {
      const quiet = !p.sentSinceTick;
      const behindOrSilent = p.matchLsn < this.lastLsn || !p.heardSinceTick;
      p.sentSinceTick = false;
      p.heardSinceTick = false;
      // Nothing shipped for a whole period while behind or unheard from: resend from the last matched point.
      if (quiet && behindOrSilent) {
        p.nextLsn = p.matchLsn + 1;
        this.send(p, true);
      }
    }
    this.ctx.setTimer(this.config.resendMs, this.tag);
    return true;
  }

  private reply(to: NodeId, msg: ReplicationMessage<Op>): void {
    if (this.config.stream !== undefined) msg.stream = this.config.stream;
    this.ctx.send(to, msg);
  }

  private send(p: ReplicaPosition, evenIfEmpty = false): void {
    const log = this.config.log;
    const entries = log.after(p.nextLsn - 1, this.config.batchMax);
    if (entries.length === 0 && !evenIfEmpty) return;
    const prevLsn = p.nextLsn - 1;
    const append: ReplicationMessage<Op> = { type: 'repl-append', epoch: this.config.epoch, prevLsn, prevEpoch: log.epochAt(prevLsn), entries };
    if (this.config.stream !== undefined) append.stream = this.config.stream;
    this.ctx.send(p.node, append);
    p.nextLsn += entries.length;
    p.sentSinceTick = true;
  }

  /** Commits every pending write that enough replicas now hold. */
  private resolve(): void {
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      let holders = 0;
      for (const p of this.positions) if (p.matchLsn >= head.entry.lsn) holders++;
      if (holders < this.config.syncAcks) return;
      this.pending.shift();
      head.onCommitted(head.entry);
    }
  }

  private fence(epoch: number, by: NodeId): void {
    if (this.fenced) return;
    this.fenced = true;
    this.pending.length = 0;
    this.config.onFenced?.(epoch, by);
  }
}
