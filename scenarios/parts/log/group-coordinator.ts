/**
 * GroupCoordinator: membership, rebalancing and committed offsets of consumer groups (the
 * classic "eager" protocol, with the assignment computed by the coordinator).
 *
 * A member joins and then heartbeats. A new member, a member that leaves or misses its
 * session timeout, or a topic that gains partitions starts a rebalance: the group stops
 * being stable, members learn it from their next heartbeat, give up their partitions and
 * rejoin; once every member has rejoined (or the rebalance timeout has passed, and the
 * stragglers are dropped) the generation is bumped and each member receives its partitions
 * (range assignor). Between the two, nobody in the group consumes: that is the rebalance
 * pause. A member past the partition count gets nothing.
 *
 * Offsets are committed per group and partition, on the coordinator's disk, only by a
 * member of the current generation: a consumer that was dropped (a zombie) cannot commit,
 * so the partition's new owner re-reads what the zombie processed. Offsets committed inside
 * a transaction stay pending until the transaction's marker arrives (commit: they become
 * the committed offsets; abort: they vanish); an offset fetch that meets pending offsets
 * answers "unstable, ask again" (KIP-447) so a new owner never starts from an offset that
 * is about to change.
 *
 * Committed and pending offsets are forced to the coordinator's disk before the commit is
 * answered (Kafka writes them to the replicated __consumer_offsets topic with acks=all);
 * membership is volatile: after a coordinator restart every member finds itself unknown
 * and joins again.
 */
import type { DurableMap, DurableStore, NodeId, TimerId } from '../../../engine/index.ts';
import { assignRange } from './assignor.ts';
import type { LogContext, LogTimer } from './log-node.ts';
import type { LogMessage, Msg, OffsetEntry } from './log-protocol.ts';
import type { Tp } from './partition-log.ts';

interface Member {
  id: string;
  node: NodeId;
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  sessionTimer: TimerId;
  /** The join request waiting for the rebalance to finish. */
  join: { from: NodeId; id: number } | null;
  assignment: Tp[];
}

interface Group {
  id: string;
  state: 'empty' | 'preparing' | 'stable';
  generation: number;
  members: Map<string, Member>;
  rebalanceTimer: TimerId;
  preparingSinceMs: number;
}

export type GroupTimer =
  | { owner: 'groups'; kind: 'session'; group: string; member: string }
  | { owner: 'groups'; kind: 'rebalance'; group: string; generation: number };

/** A rebalance that completed: the generation and who owns what, as the coordinator decided it. */
export interface Rebalanced {
  group: string;
  generation: number;
  /** How long nobody in the group consumed. */
  pauseMs: number;
  /** Each member (by id) with its node and its partitions. */
  members: { memberId: string; node: NodeId; assignment: Tp[] }[];
}

export interface GroupCoordinatorOptions {
  partitionCount(topic: string): number;
  /** The current epoch of a transactional producer, to refuse a fenced one's offsets (null: unknown). */
  producerEpochOf?(producerId: number): number | null;
  /** Told of every completed rebalance (for dashboards and auditors). */
  onRebalanced?(r: Rebalanced): void;
}

const OFFSETS = 'group:offsets';
const PENDING = 'group:pending-txn-offsets';
const offsetKey = (group: string, tp: Tp): string => `${group}|${tp}`;

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  /** offsetKey by group and partition, built once: commits name the same partitions again and again. */
  private readonly keys = new Map<string, Map<Tp, string>>();
  private readonly offsets: DurableMap<number>;
  /** Offsets committed inside a transaction, by producer id, until its marker. */
  private readonly pending: DurableMap<{ group: string; offsets: OffsetEntry[] }>;
  private nextMember = 0;

  constructor(
    private readonly ctx: LogContext,
    private readonly options: GroupCoordinatorOptions,
  ) {
    this.offsets = ctx.disk.map(OFFSETS);
    this.pending = ctx.disk.map(PENDING);
  }

  /** The committed offsets on a coordinator's disk, keyed by `offsetKey`, if any were ever written. */
  static offsetsOf(disk: DurableStore): DurableMap<number> | null {
    return disk.holds(OFFSETS) ? disk.map<number>(OFFSETS) : null;
  }

  /** The key of a group's offset on a partition in the committed offsets. */
  static offsetKey(group: string, tp: Tp): string {
    return offsetKey(group, tp);
  }

  /** The committed offset of a group on a partition, read from a coordinator's disk (for samplers and auditors). */
  static committed(disk: DurableStore, group: string, tp: Tp): number | null {
    if (!disk.holds(OFFSETS)) return null;
    return disk.map<number>(OFFSETS).get(offsetKey(group, tp)) ?? null;
  }

  onMessage(from: NodeId, m: LogMessage): boolean {
    switch (m.type) {
      case 'join':
        this.onJoin(from, m);
        return true;
      case 'heartbeat':
        this.ctx.send(from, { type: 'heartbeat-response', id: m.id, error: this.onHeartbeat(m) });
        return true;
      case 'commit':
        this.ctx.send(from, { type: 'commit-response', id: m.id, error: this.onCommit(m) });
        return true;
      case 'offset-fetch':
        this.onOffsetFetch(from, m);
        return true;
      case 'txn-offset-commit':
        this.ctx.send(from, { type: 'txn-offset-commit-response', id: m.id, error: this.onTxnOffsetCommit(m) });
        return true;
      default:
        return false;
    }
  }

  onTimer(t: LogTimer): boolean {
    if (t.owner !== 'groups') return false;
    const g = this.groups.get(t.group);
    if (g === undefined) return true;
    if (t.kind === 'rebalance') {
      if (g.state === 'preparing' && g.generation === t.generation) this.complete(g);
      return true;
    }
    const member = g.members.get(t.member);
    if (member === undefined || member.join !== null) return true;
    this.ctx.note(() => `${member.id} missed heartbeats for ${member.sessionTimeoutMs} ms: the group ${g.id} drops it`, 'key');
    this.remove(g, member);
    if (g.state === 'preparing') this.maybeComplete(g);
    else this.prepare(g, `${member.id} left`);
    return true;
  }

  /** A topic gained partitions: every stable group reading it rebalances to spread them. */
  onPartitionsChanged(topic: string): void {
    for (const g of this.groups.values()) {
      if (g.state !== 'stable') continue;
      if ([...g.members.values()].some((m) => m.topics.includes(topic))) this.prepare(g, `topic ${topic} gained partitions`);
    }
  }

  /**
   * A transaction ended: its pending offsets become committed (or vanish). Written in that
   * order and forced by the caller with its decision, so a crash part-way leaves the pending
   * offsets to be completed again on recovery; completing twice changes nothing.
   */
  completeTransaction(producerId: number, commit: boolean): void {
    const key = String(producerId);
    const p = this.pending.get(key);
    if (p === undefined) return;
    if (commit) for (const o of p.offsets) this.offsets.set(this.keyOf(p.group, o.tp), o.offset);
    this.pending.delete(key);
  }

  private keyOf(group: string, tp: Tp): string {
    let byTp = this.keys.get(group);
    if (byTp === undefined) this.keys.set(group, (byTp = new Map()));
    let key = byTp.get(tp);
    if (key === undefined) byTp.set(tp, (key = offsetKey(group, tp)));
    return key;
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (g === undefined) {
      g = { id, state: 'empty', generation: 0, members: new Map(), rebalanceTimer: -1, preparingSinceMs: 0 };
      this.groups.set(id, g);
    }
    return g;
  }

  private onJoin(from: NodeId, m: Msg<'join'>): void {
    const g = this.group(m.group);
    let member = m.memberId === null ? undefined : g.members.get(m.memberId);
    if (member === undefined) {
      const id = `${this.ctx.nameOf(from)}#${this.ctx.incarnation}.${this.nextMember++}`;
      member = {
        id,
        node: from,
        topics: m.topics,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimer: -1,
        join: null,
        assignment: [],
      };
      g.members.set(id, member);
      if (g.state !== 'preparing') this.prepare(g, `${this.ctx.nameOf(from)} joins`);
    } else if (g.state !== 'preparing') this.prepare(g, `${member.id} rejoins`);
    member.join = { from, id: m.id };
    this.ctx.cancelTimer(member.sessionTimer);
    this.maybeComplete(g);
  }

  private prepare(g: Group, why: string): void {
    if (g.members.size === 0) {
      g.state = 'empty';
      return;
    }
    g.state = 'preparing';
    g.preparingSinceMs = this.ctx.now;
    let timeoutMs = 0;
    for (const m of g.members.values()) timeoutMs = Math.max(timeoutMs, m.rebalanceTimeoutMs);
    this.ctx.cancelTimer(g.rebalanceTimer);
    g.rebalanceTimer = this.ctx.setTimer(timeoutMs, { owner: 'groups', kind: 'rebalance', group: g.id, generation: g.generation });
    this.ctx.state('rebalancing', g.id);
    this.ctx.note(() => `group ${g.id} starts a rebalance (${why}): every member stops consuming and rejoins`, 'key');
  }

  private maybeComplete(g: Group): void {
    if (g.state !== 'preparing') return;
    for (const m of g.members.values()) if (m.join === null) return;
    this.complete(g);
  }

  /** Ends a rebalance: drops members that did not rejoin, bumps the generation, hands out partitions. */
  private complete(g: Group): void {
    this.ctx.cancelTimer(g.rebalanceTimer);
    for (const m of [...g.members.values()]) {
      if (m.join !== null) continue;
      this.ctx.note(() => `${m.id} did not rejoin within the rebalance timeout: dropped from ${g.id}`);
      this.remove(g, m);
    }
    g.generation++;
    const topics = new Set<string>();
    for (const m of g.members.values()) for (const t of m.topics) topics.add(t);
    const assignment = assignRange(
      [...g.members.keys()],
      [...topics].map((topic) => ({ topic, partitions: this.options.partitionCount(topic) })),
    );
    g.state = g.members.size === 0 ? 'empty' : 'stable';
    let idle = 0;
    for (const m of g.members.values()) {
      m.assignment = assignment.get(m.id)!;
      if (m.assignment.length === 0) idle++;
      const join = m.join!;
      m.join = null;
      this.resetSession(g, m);
      this.ctx.send(join.from, {
        type: 'join-response',
        id: join.id,
        memberId: m.id,
        generation: g.generation,
        assignment: m.assignment,
        members: g.members.size,
      });
    }
    const pauseMs = Math.max(0, this.ctx.now - g.preparingSinceMs);
    this.options.onRebalanced?.({
      group: g.id,
      generation: g.generation,
      pauseMs,
      members: [...g.members.values()].map((m) => ({ memberId: m.id, node: m.node, assignment: m.assignment })),
    });
    this.ctx.state('stable', g.id);
    this.ctx.note(
      () =>
        `group ${g.id} rebalanced in ${Math.round(pauseMs)} ms: generation ${g.generation}, ${g.members.size} member(s)${idle > 0 ? `, ${idle} of them idle (more consumers than partitions)` : ''}`,
      'key',
    );
  }

  private remove(g: Group, m: Member): void {
    this.ctx.cancelTimer(m.sessionTimer);
    g.members.delete(m.id);
  }

  private resetSession(g: Group, m: Member): void {
    this.ctx.cancelTimer(m.sessionTimer);
    m.sessionTimer = this.ctx.setTimer(m.sessionTimeoutMs, { owner: 'groups', kind: 'session', group: g.id, member: m.id });
  }

  private onHeartbeat(m: Msg<'heartbeat'>): Msg<'heartbeat-response'>['error'] {
    const g = this.groups.get(m.group);
    const member = g?.members.get(m.memberId);
    if (g === undefined || member === undefined) return 'unknown-member';
    if (member.join === null) this.resetSession(g, member);
    if (g.state === 'preparing') return 'rebalance-in-progress';
    if (m.generation !== g.generation) return 'illegal-generation';
    return null;
  }

  /** Checks that a commit comes from a member of the current generation. */
  private checkMember(group: string, memberId: string, generation: number): Msg<'commit-response'>['error'] {
    const g = this.groups.get(group);
    if (g === undefined || !g.members.has(memberId)) return 'unknown-member';
    if (generation !== g.generation) return 'illegal-generation';
    return null;
  }

  private onCommit(m: Msg<'commit'>): Msg<'commit-response'>['error'] {
    const error = this.checkMember(m.group, m.memberId, m.generation);
    if (error !== null) return error;
    for (const o of m.offsets) this.offsets.set(this.keyOf(m.group, o.tp), o.offset);
    this.ctx.disk.force();
    return null;
  }

  private onOffsetFetch(from: NodeId, m: Msg<'offset-fetch'>): void {
    let unstable = false;
    for (const p of this.pending.values()) if (p.group === m.group && p.offsets.some((o) => m.tps.includes(o.tp))) unstable = true;
    const offsets = m.tps.map((tp) => ({ tp, offset: this.offsets.get(this.keyOf(m.group, tp)) ?? null }));
    this.ctx.send(from, { type: 'offset-fetch-response', id: m.id, offsets, unstable });
  }

  private onTxnOffsetCommit(m: Msg<'txn-offset-commit'>): Msg<'txn-offset-commit-response'>['error'] {
    const epoch = this.options.producerEpochOf?.(m.producerId) ?? null;
    if (epoch !== null && m.producerEpoch < epoch) return 'producer-fenced';
    const error = this.checkMember(m.group, m.memberId, m.generation);
    if (error !== null) return error;
    const key = String(m.producerId);
    const before = this.pending.get(key);
    const offsets = [...(before?.offsets ?? []).filter((x) => !m.offsets.some((o) => o.tp === x.tp)), ...m.offsets];
    this.pending.set(key, { group: m.group, offsets });
    this.ctx.disk.force();
    return null;
  }
}
