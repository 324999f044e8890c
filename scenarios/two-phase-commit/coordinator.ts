/**
 * The 2PC coordinator. Phase 1: send PREPARE to every participant of a transfer and collect
 * votes (a missing vote times out as NO). Phase 2: decide COMMIT if every vote is YES, else
 * ABORT; send the decision until every participant acknowledges it; tell the client.
 *
 * Where the decision lives is the strategy:
 *  - in memory only: a crash forgets every decision. After a restart the coordinator answers
 *    an inquiry about a transaction it has no record of with ABORT (presumed abort) — also
 *    when it had decided COMMIT and a participant already committed. That is the flaw.
 *  - a durable decision log: the decision is forced to disk before anyone hears it, and a
 *    restarted coordinator re-reads it and finishes sending. Presumed abort is then safe: no
 *    record means nobody was ever told COMMIT. A presumed ABORT is logged and forced too
 *    before it is sent, so a retried `begin` can never restart a transaction already aborted.
 *
 * Crash points: `begin` (a transfer arrived, no PREPARE sent), `prepare-sent` (every PREPARE
 * sent, no vote counted), `commit-sent` (a COMMIT reached the first participant only).
 */
import type { DurableStore, NodeId, Spawn, TimerId } from '../../engine/index.ts';
import type { Transfer, TwoPcMessage } from './messages.ts';

export interface CoordinatorConfig {
  durableLog: boolean;
  client: string;
  /** Participant names, indexed as transfers name them. */
  participants: readonly string[];
  logForceMs: number;
  voteTimeoutMs: number;
  decisionRetryMs: number;
}

/**
 * A transaction the coordinator runs. A transfer has one or two participants, so who voted
 * YES and who acknowledged are bits over `participants` (bit i: participants[i]) rather than
 * a map and a set made for every transfer of every run.
 */
interface Txn {
  tx: string;
  participants: NodeId[];
  yesVotes: number;
  decision: boolean | null;
  /** True once the decision is on disk (or, in memory, at once): only then may anyone hear it. */
  announced: boolean;
  acks: number;
  voteTimer: TimerId | null;
}

/** A transaction not yet voted on nor acknowledged, its decision `decision` (null: to be made). */
function txn(tx: string, participants: NodeId[], decision: boolean | null): Txn {
  return { tx, participants, yesVotes: 0, decision, announced: false, acks: 0, voteTimer: null };
}

/** The bit of `node` among the transaction's participants (0: not one of them). */
function bitOf(t: Txn, node: NodeId): number {
  const i = t.participants.indexOf(node);
  return i < 0 ? 0 : 1 << i;
}

/** Every participant's bit. */
function everyone(t: Txn): number {
  return (1 << t.participants.length) - 1;
}

interface DecisionRecord {
  tx: string;
  commit: boolean;
  participants: NodeId[];
}

type Timer = { kind: 'vote-timeout'; tx: string } | { kind: 'forced'; tx: string } | { kind: 'retry'; tx: string };

/** Where decisions are kept: an append-only log (on disk, or in memory for the flawed strategy). */
interface DecisionLog<T> extends Iterable<T> {
  append(record: T): number;
}

export function coordinator(config: CoordinatorConfig): Spawn<TwoPcMessage, Timer> {
  return (ctx) => {
    // The node's disk for life (crashes included): looked up once, not at every force.
    const disk = ctx.disk;
    const log: DecisionLog<DecisionRecord> = config.durableLog ? disk.log<DecisionRecord>(DECISIONS) : inMemoryLog();
    const finished: DecisionLog<string> = config.durableLog ? disk.log<string>('finished') : inMemoryLog();
    const client = ctx.lookup(config.client);
    const participants = config.participants.map((name) => ctx.lookup(name));
    const active = new Map<string, Txn>();
    const decided = new Map<string, DecisionRecord>();
    for (const r of log) decided.set(r.tx, r);

    const announce = (t: Txn): void => {
      t.announced = true;
      for (const p of t.participants) {
        ctx.send(p, { type: 'decision', tx: t.tx, commit: t.decision! });
        if (t.decision) ctx.crashPoint('commit-sent');
      }
      ctx.send(client, { type: 'outcome', tx: t.tx, committed: t.decision! });
      ctx.state(t.decision ? 'committing' : 'aborting', t.tx);
      // Spelt only when traced, and with no closure over this call (a closure would cost every announcement a context).
      if (ctx.tracing)
        ctx.note(`coordinator decides ${t.decision ? 'COMMIT' : 'ABORT'} for ${t.tx} and tells ${t.participants.map((p) => ctx.nameOf(p)).join(', ')}`);
      ctx.setTimer(config.decisionRetryMs, { kind: 'retry', tx: t.tx });
    };

    const decide = (t: Txn, commit: boolean): void => {
      t.decision = commit;
      if (t.voteTimer !== null) ctx.cancelTimer(t.voteTimer);
      const record: DecisionRecord = { tx: t.tx, commit, participants: t.participants };
      // Both keep every decision to answer late questions; only the log survives a crash.
      decided.set(t.tx, record);
      if (!config.durableLog) return announce(t);
      log.append(record);
      // The force takes logForceMs; only once it completes is the decision durable and told.
      ctx.setTimer(config.logForceMs, { kind: 'forced', tx: t.tx });
    };

    const onBegin = (tx: string, transfer: Transfer): void => {
      if (active.has(tx)) return; // a client retry while the protocol runs: the outcome will come
      const record = decided.get(tx);
      if (record !== undefined) return ctx.send(client, { type: 'outcome', tx, committed: record.commit });
      ctx.crashPoint('begin');
      const a = participants[transfer.from.participant]!;
      const b = participants[transfer.to.participant]!;
      const debit = { account: transfer.from.account, delta: -transfer.amount };
      const credit = { account: transfer.to.account, delta: transfer.amount };
      const t = txn(tx, a === b ? [a] : [a, b], null);
      active.set(tx, t);
      if (a === b) {
        // Both accounts on one participant: one PREPARE carries both changes (still 2PC: the decision is the coordinator's).
        ctx.send(a, { type: 'prepare', tx, deltas: [debit, credit], peers: [] });
      } else {
        ctx.send(a, { type: 'prepare', tx, deltas: [debit], peers: [ctx.nameOf(b)] });
        ctx.send(b, { type: 'prepare', tx, deltas: [credit], peers: [ctx.nameOf(a)] });
      }
      ctx.crashPoint('prepare-sent');
      t.voteTimer = ctx.setTimer(config.voteTimeoutMs, { kind: 'vote-timeout', tx });
      ctx.state('collecting-votes', tx);
    };

    const onVote = (from: NodeId, tx: string, yes: boolean): void => {
      const t = active.get(tx);
      if (t === undefined || t.decision !== null) return;
      if (!yes) return decide(t, false);
      t.yesVotes |= bitOf(t, from);
      if (t.yesVotes === everyone(t)) decide(t, true);
    };

    const onAck = (from: NodeId, tx: string): void => {
      const t = active.get(tx);
      if (t === undefined || !t.announced) return;
      t.acks |= bitOf(t, from);
      if (t.acks === everyone(t)) {
        active.delete(tx);
        // Not forced: losing it only means announcing the decision once more after a crash.
        finished.append(tx);
        ctx.state('idle', tx);
      }
    };

    const onInquire = (from: NodeId, tx: string): void => {
      const t = active.get(tx);
      if (t !== undefined) {
        if (t.announced) ctx.send(from, { type: 'decision', tx, commit: t.decision! });
        return; // still collecting votes or forcing the decision: the answer will come
      }
      const record = decided.get(tx);
      if (record !== undefined) return ctx.send(from, { type: 'decision', tx, commit: record.commit });
      // No record at all: presume ABORT, and remember the presumption, so that a retried
      // `begin` for the same transaction is told it aborted instead of starting it afresh
      // while this ABORT is still on its way.
      const presumed: DecisionRecord = { tx, commit: false, participants: [from] };
      decided.set(tx, presumed);
      if (config.durableLog) {
        log.append(presumed);
        disk.force();
      }
      ctx.send(from, { type: 'decision', tx, commit: false });
      ctx.note(
        () =>
          `coordinator has no record of ${tx}${ctx.incarnation > 0 && !config.durableLog ? ' (its memory was lost in the crash)' : ''} and answers ${ctx.nameOf(from)}: ABORT (presumed abort)`,
        'key',
      );
    };

    // Recovery: finish announcing every logged decision not yet acknowledged by all.
    if (ctx.incarnation > 0) {
      const done = new Set(finished);
      let resumed = 0;
      for (const r of log) {
        if (done.has(r.tx)) continue;
        const t = txn(r.tx, r.participants, r.commit);
        active.set(r.tx, t);
        announce(t);
        resumed++;
      }
      ctx.note(
        () =>
          config.durableLog
            ? `coordinator restarts and reads its decision log: ${resumed} decision(s) to finish announcing`
            : 'coordinator restarts with an empty memory: every decision it had made is gone',
        'key',
      );
    }

    return {
      onMessage(from, m) {
        switch (m.type) {
          case 'begin':
            return onBegin(m.tx, m.transfer);
          case 'vote':
            return onVote(from, m.tx, m.yes);
          case 'ack':
            return onAck(from, m.tx);
          case 'inquire':
            return onInquire(from, m.tx);
          default:
            return;
        }
      },
      onTimer(timer) {
        const t = active.get(timer.tx);
        if (t === undefined) return;
        if (timer.kind === 'vote-timeout') {
          if (t.decision === null) {
            ctx.note(() => `coordinator gives up waiting for votes on ${t.tx} after ${config.voteTimeoutMs} ms`);
            decide(t, false);
          }
        } else if (timer.kind === 'forced') {
          disk.force();
          announce(t);
        } else {
          for (let i = 0; i < t.participants.length; i++)
            if ((t.acks & (1 << i)) === 0) ctx.send(t.participants[i]!, { type: 'decision', tx: t.tx, commit: t.decision! });
          ctx.setTimer(config.decisionRetryMs, timer);
        }
      },
    };
  };
}

/** The name of the decision log on the coordinator's disk. */
const DECISIONS = 'decisions';

/** The transactions the coordinator's durable log says it decided to COMMIT, in the order it decided them (none when it keeps no log). */
export function commitsInDecisionOrder(disk: DurableStore): string[] {
  if (!disk.holds(DECISIONS)) return [];
  const commits: string[] = [];
  for (const r of disk.log<DecisionRecord>(DECISIONS)) if (r.commit) commits.push(r.tx);
  return commits;
}

/** A log kept in memory only: what the flawed strategy has instead of a disk. */
function inMemoryLog<T>(): DecisionLog<T> {
  const records: T[] = [];
  return { append: (record) => records.push(record), [Symbol.iterator]: () => records.values() };
}
