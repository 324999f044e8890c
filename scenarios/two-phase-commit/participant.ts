/**
 * A participant: a database node holding some of the accounts. Under 2PC it locks the rows a
 * transfer touches, forces a PREPARE record and votes YES (or NO when a row is locked, the
 * funds are short or the account is closed), then waits for the decision. While it waits it
 * is in doubt and keeps the locks: it may neither commit nor abort on its own. What it does
 * when the wait drags on is the strategy:
 *  - ask the coordinator again and again (in-memory, durable-log);
 *  - also ask the other participants (cooperative termination): a peer that knows the
 *    outcome tells it, and a peer that has not voted yet aborts and says so;
 *  - give up and abort alone after a timeout (unilateral-abort: the flaw).
 * Under the saga contrast it runs each step as a local transaction, idempotent per (tx, step).
 *
 * Like a real database it forces its log before it says anything that depends on it: the
 * PREPARE record before the YES vote, the outcome before the acknowledgement, a step before
 * its result.
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { TransactionalStore } from '../parts/storage/transactional-store.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import type { Ledger } from './ledger.ts';
import type { AccountDelta, TwoPcMessage } from './messages.ts';

export interface ParticipantConfig {
  strategy: string;
  coordinator: string;
  ledger: Ledger;
  accounts: number;
  closedAccounts: number;
  initialBalance: number;
  logForceMs: number;
  inquiryTimeoutMs: number;
  unilateralTimeoutMs: number;
}

type Timer = { kind: 'voted'; tx: string } | { kind: 'in-doubt'; tx: string };

/** An account's row key, `acct<n>`: spelt once per process, as every PREPARE and commit looks its rows up by it. */
export const accountKey: (account: number) => string = numberedNames('acct');

export function participant(config: ParticipantConfig): Spawn<TwoPcMessage, Timer> {
  return (ctx) => {
    const { ledger, strategy } = config;
    const coordinator = ctx.lookup(config.coordinator);
    // The node's disk for life (crashes included): looked up once, not at every force.
    const disk = ctx.disk;
    const store = new TransactionalStore(disk);
    if (ctx.incarnation === 0) {
      for (let a = 0; a < config.accounts; a++) store.load(accountKey(a), config.initialBalance);
      disk.force();
    }
    // Peers and vote times are written with the PREPARE record, so they survive a crash with it.
    const peers = disk.map<string[]>('peers');
    const votedAt = disk.map<number>('voted-at');
    const lockedAt = new Map<string, number | undefined>();
    /** Prepared in this incarnation, the PREPARE record written but not yet forced (true): no YES may go out for them. False once forced, not deleted (a deletion costs a map more). */
    const forcing = new Map<string, boolean>();
    const closed = (account: number): boolean => account >= config.accounts - config.closedAccounts;

    const release = (tx: string): void => {
      const since = lockedAt.get(tx);
      if (since !== undefined) {
        ledger.lockReleased(since);
        // Left as undefined, not deleted: a map that shrinks and grows again costs each transfer more.
        lockedAt.set(tx, undefined);
      }
      ledger.reportLocks(ctx.name, store.lockCount);
    };

    /** Applies an outcome and forces it: after this, no crash can undo it. */
    const apply = (tx: string, commit: boolean, why: string): void => {
      if (commit) store.commit(tx);
      else store.abort(tx);
      disk.force();
      release(tx);
      ledger.applied(tx, ctx.name, commit);
      if (commit) ledger.sideCommitted(tx, (peers.get(tx)?.length ?? 0) + 1);
      ctx.state(commit ? 'committed' : 'aborted', tx);
      // Notes on the hot paths are spelt under `tracing` rather than passed as closures: a closure
      // over a handler's arguments costs each call a context, traced or not.
      if (ctx.tracing) ctx.note(`${ctx.name} ${commit ? 'commits' : 'aborts'} ${tx} (${why})`);
    };

    const voteNo = (tx: string, reason: string): void => {
      if (store.statusOf(tx) !== 'aborted') store.abort(tx);
      release(tx);
      ctx.send(coordinator, { type: 'vote', tx, yes: false, reason });
      if (ctx.tracing) ctx.note(`${ctx.name} votes NO on ${tx}: ${reason}`);
    };

    /** A YES vote, first or again: a promise the coordinator may act on, so a crash may follow it at once. */
    const voteYes = (to: NodeId, tx: string): void => {
      ctx.send(to, { type: 'vote', tx, yes: true });
      ctx.crashPoint('vote-sent');
    };

    const onPrepare = (from: NodeId, tx: string, deltas: AccountDelta[], txPeers: string[]): void => {
      const status = store.statusOf(tx);
      if (status === 'aborted') return voteNo(tx, 'it already promised to abort this transaction');
      // A PREPARE again (a retry, a duplicate): vote YES again only once the record is forced.
      if (status === 'prepared') return forcing.get(tx) === true ? undefined : voteYes(from, tx);
      if (status === 'committed') return;
      const keys = deltas.map((d) => accountKey(d.account));
      if (!store.lockAll(tx, keys)) {
        const holder = keys.map((k) => store.lockHolder(k)).find((h) => h !== undefined && h !== tx);
        return voteNo(tx, `a row it needs is locked by ${holder}`);
      }
      lockedAt.set(tx, ledger.now);
      ledger.reportLocks(ctx.name, store.lockCount);
      const writes = [];
      for (let i = 0; i < deltas.length; i++) {
        const d = deltas[i]!;
        const value = (store.read(keys[i]!) ?? 0) + d.delta;
        if (value < 0) return voteNo(tx, `account ${d.account} holds ${value - d.delta}, less than ${-d.delta}`);
        if (d.delta > 0 && closed(d.account)) return voteNo(tx, `account ${d.account} is closed`);
        writes.push({ key: keys[i]!, value });
      }
      store.prepare(tx, writes);
      forcing.set(tx, true);
      peers.set(tx, txPeers);
      ctx.state('prepared', tx);
      // The vote goes out only once the PREPARE record is forced to disk (the force takes logForceMs).
      ctx.setTimer(config.logForceMs, { kind: 'voted', tx });
    };

    const onVoted = (tx: string): void => {
      if (store.statusOf(tx) !== 'prepared') return;
      votedAt.set(tx, ctx.now);
      disk.force();
      forcing.set(tx, false);
      ledger.votedYes(tx, ctx.name);
      voteYes(coordinator, tx);
      ctx.setTimer(config.inquiryTimeoutMs, { kind: 'in-doubt', tx });
    };

    const onDecision = (from: NodeId, tx: string, commit: boolean): void => {
      const status = store.statusOf(tx);
      if (status === 'prepared') apply(tx, commit, `the coordinator decided ${commit ? 'COMMIT' : 'ABORT'}`);
      else if (status === 'aborted' && commit) {
        if (ctx.tracing) ctx.note(`${ctx.name} already aborted ${tx} on its own, but the coordinator decided COMMIT: the transfer is now half done`, 'key');
      } else if (status === 'none' || status === 'locked') {
        if (!commit) apply(tx, false, 'the coordinator decided ABORT before it voted');
      }
      ctx.send(from, { type: 'ack', tx });
    };

    const onInDoubt = (tx: string): void => {
      if (store.statusOf(tx) !== 'prepared') return;
      const waitedMs = ctx.now - (votedAt.get(tx) ?? ctx.now);
      ctx.state('in-doubt', tx);
      if (waitedMs >= config.inquiryTimeoutMs) ledger.sawInDoubt();
      ctx.note(
        () =>
          `${ctx.name} voted YES on ${tx} and has not heard the decision for ${Math.round(waitedMs).toLocaleString('en-US')} ms: it is in doubt and still holds the lock on ${(store.inDoubt().length > 0 ? lockedRows(store, tx) : []).join(', ')}`,
        'key',
      );
      if (strategy === 'unilateral-abort' && waitedMs >= config.unilateralTimeoutMs) {
        apply(tx, false, `it waited ${Math.round(waitedMs)} ms and decided alone`);
        return;
      }
      ctx.send(coordinator, { type: 'inquire', tx });
      if (strategy === 'cooperative') for (const p of peers.get(tx) ?? []) ctx.send(p, { type: 'peer-inquire', tx });
      ctx.setTimer(config.inquiryTimeoutMs, { kind: 'in-doubt', tx });
    };

    const onPeerInquire = (from: NodeId, tx: string): void => {
      const status = store.statusOf(tx);
      if (status === 'committed' || status === 'aborted' || status === 'prepared') {
        ctx.send(from, { type: 'peer-status', tx, status });
        return;
      }
      // Not voted yet: abort now, which promises never to vote YES, so the asker may abort too.
      apply(tx, false, `${ctx.nameOf(from)} asked and it had not voted yet`);
      ctx.send(from, { type: 'peer-status', tx, status: 'aborted' });
    };

    const onPeerStatus = (from: NodeId, tx: string, status: 'committed' | 'aborted' | 'prepared'): void => {
      if (store.statusOf(tx) !== 'prepared' || status === 'prepared') return;
      apply(tx, status === 'committed', `its peer ${ctx.nameOf(from)} knew the outcome`);
    };

    const onStep = (from: NodeId, m: Extract<TwoPcMessage, { type: 'step' }>): void => {
      const key = `${m.tx}:${m.step}`;
      const status = store.statusOf(key);
      if (status === 'committed' || status === 'aborted') {
        ctx.send(from, { type: 'step-result', tx: m.tx, step: m.step, ok: status === 'committed' });
        return;
      }
      const row = accountKey(m.account);
      const value = (store.read(row) ?? 0) + m.delta;
      let reason: string | null = null;
      if (value < 0) reason = `account ${m.account} holds ${value - m.delta}, less than ${-m.delta}`;
      else if (m.delta > 0 && m.step === 'credit' && closed(m.account)) reason = `account ${m.account} is closed`;
      if (reason === null && store.commitLocal(key, [{ key: row, value }])) {
        disk.force();
        ledger.sagaStepApplied(m.tx, m.step);
        ctx.note(
          () =>
            `${ctx.name} ${m.step === 'debit' ? 'debits' : m.step === 'credit' ? 'credits' : 'refunds'} ${Math.abs(m.delta)} on account ${m.account} for ${m.tx}`,
        );
        ctx.send(from, { type: 'step-result', tx: m.tx, step: m.step, ok: true });
      } else {
        store.abort(key);
        disk.force();
        ctx.send(from, { type: 'step-result', tx: m.tx, step: m.step, ok: false, reason: reason ?? 'row locked' });
      }
    };

    ledger.reportLocks(ctx.name, store.lockCount);
    // Recovery: every prepared transaction without an outcome is in doubt, locks re-taken.
    if (ctx.incarnation > 0) {
      const inDoubt = store.inDoubt();
      for (const tx of inDoubt) {
        lockedAt.set(tx, ledger.now);
        ctx.setTimer(0, { kind: 'in-doubt', tx });
      }
      ctx.note(
        () =>
          `${ctx.name} restarts and replays its log: ${inDoubt.length === 0 ? 'nothing in doubt' : `${inDoubt.join(', ')} prepared with no outcome, locks re-taken`}`,
      );
    }

    return {
      onMessage(from, m) {
        switch (m.type) {
          case 'prepare':
            return onPrepare(from, m.tx, m.deltas, m.peers);
          case 'decision':
            return onDecision(from, m.tx, m.commit);
          case 'peer-inquire':
            return onPeerInquire(from, m.tx);
          case 'peer-status':
            return onPeerStatus(from, m.tx, m.status);
          case 'step':
            return onStep(from, m);
          default:
            return;
        }
      },
      onTimer(t) {
        if (t.kind === 'voted') onVoted(t.tx);
        else onInDoubt(t.tx);
      },
    };
  };
}

function lockedRows(store: TransactionalStore, tx: string): string[] {
  const rows: string[] = [];
  for (const [key] of store.entries()) if (store.lockHolder(key) === tx) rows.push(key);
  return rows;
}
