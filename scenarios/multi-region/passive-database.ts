/**
 * A regional database in an active-passive pair. One region's database is the primary and
 * takes every write; the other replicates its log (asynchronously or synchronously) and
 * stands by. The global load balancer promotes the standby when the primary's region goes
 * dark, with a new epoch; a returning old primary meets that epoch (in the balancer's
 * "follow" or in the new primary's replication stream), steps down, and rewinds its log to
 * where the two histories agree. Whatever it had acknowledged past that point is gone: with
 * asynchronous replication that is the last few writes before the outage (the RPO); with
 * synchronous replication it is nothing, because no write was acknowledged before the
 * standby had it.
 *
 * Each change is forced to the log before it is acknowledged (and, in synchronous mode,
 * forced on the standby too); the role and epoch a database holds are forced before it acts
 * on them, so a restart never brings back a role it had given up. Lists keep the LSN of the
 * last change applied to them, so replaying the log after a crash changes nothing twice.
 *
 * Crash point `write-acked`: right after a change was acknowledged to the user and before
 * the primary shipped it (asynchronous mode ships after acknowledging).
 */
import type { DurableMap, NodeId, Spawn } from '../../engine/index.ts';
import { Primary, type PrimaryTimer } from '../parts/replication/primary.ts';
import { Replica, type ReplicaTimer } from '../parts/replication/replica.ts';
import type { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { type LogEntry, ReplicationLog } from '../parts/replication/replication-log.ts';
import type { MultiRegionMessage, PassiveOp } from './messages.ts';
import type { WriteLedger } from './write-ledger.ts';

export interface PassiveConfig {
  region: string;
  peer: string;
  mode: 'async' | 'sync';
  initialRole: 'primary' | 'standby';
  lag: ReplicationLag;
  resendMs: number;
  ledger: WriteLedger;
}

interface RoleRecord {
  role: 'primary' | 'standby';
  epoch: number;
}

/**
 * A shared list on a regional database's disk: its items, the items removed from it
 * (tombstones: an item is unique, so a late or retried add of a removed item — delayed in the
 * network, duplicated, or retried after its answer was lost — must not bring it back), and the
 * LSN of the last change applied to it.
 */
export interface StoredList {
  items: string[];
  removed: string[];
  lsn: number;
}

export const PASSIVE_LOG = 'repl';
export const LISTS = 'lists';

/** Applies a logged change to the lists, unless the list already holds it or a later one (replay is idempotent). */
function applyChange(lists: DurableMap<StoredList>, e: LogEntry<PassiveOp>): void {
  const list = lists.get(e.op.key) ?? { items: [], removed: [], lsn: 0 };
  if (list.lsn >= e.lsn) return;
  const { item } = e.op;
  if (e.op.remove) {
    lists.set(e.op.key, {
      items: list.items.filter((i) => i !== item),
      removed: list.removed.includes(item) ? list.removed : [...list.removed, item],
      lsn: e.lsn,
    });
    return;
  }
  const items = list.items.includes(item) || list.removed.includes(item) ? list.items : [...list.items, item];
  lists.set(e.op.key, { items, removed: list.removed, lsn: e.lsn });
}

export function passiveDatabase(config: PassiveConfig): Spawn<MultiRegionMessage, PrimaryTimer | ReplicaTimer> {
  return (ctx) => {
    const lists = ctx.disk.map<StoredList>(LISTS);
    const log = new ReplicationLog<PassiveOp>(ctx.disk, PASSIVE_LOG);
    const peer = ctx.lookup(config.peer);
    const apply = (e: LogEntry<PassiveOp>): void => applyChange(lists, e);
    let primary: Primary<PassiveOp> | null = null;
    let replica: Replica<PassiveOp> | null = null;
    const record = (): RoleRecord => ctx.disk.get<RoleRecord>('role') ?? { role: config.initialRole, epoch: config.initialRole === 'primary' ? 1 : 0 };
    /** Takes a role durably before acting in it. */
    const remember = (r: RoleRecord): void => {
      ctx.disk.set('role', r);
      ctx.disk.force();
    };

    const becomePrimary = (epoch: number): void => {
      // A standby finishes replaying what it has received before it takes writes.
      replica?.catchUp();
      replica = null;
      remember({ role: 'primary', epoch });
      primary = new Primary<PassiveOp>(ctx, {
        log,
        epoch,
        replicas: [peer],
        mode: config.mode,
        syncAcks: config.mode === 'sync' ? 1 : 0,
        resendMs: config.resendMs,
        batchMax: 64,
        apply,
        onFenced: (newer, by) => {
          ctx.note(() => `${ctx.name} learns from ${ctx.nameOf(by)} that epoch ${newer} has begun: another region is primary now, so it steps down`, 'key');
          becomeStandby(newer);
        },
      });
      ctx.state('primary', `epoch ${epoch}`);
    };

    const becomeStandby = (epoch: number): void => {
      primary = null;
      remember({ role: 'standby', epoch });
      replica = new Replica<PassiveOp>(ctx, {
        log,
        lag: config.lag,
        apply,
        reset: () => {
          for (const key of [...lists.keys()]) lists.delete(key);
        },
        onRollback: (dropped) => {
          if (dropped.length === 0) return;
          const items = [...new Set(dropped.map((e) => e.op.item))];
          config.ledger.rolledBack(items);
          ctx.note(
            () =>
              `${ctx.name} rewinds its log to where it agrees with the new primary and throws away ${dropped.length} log entr${dropped.length === 1 ? 'y' : 'ies'} no other region has (changes of ${items.join(', ')})`,
            'key',
          );
        },
      });
      if (replica.epoch < epoch) replica.epoch = epoch;
      ctx.state('standby', `epoch ${epoch}`);
    };

    const start = record();
    if (start.role === 'primary') becomePrimary(start.epoch);
    else becomeStandby(start.epoch);
    if (ctx.incarnation > 0) {
      ctx.note(
        () =>
          `${ctx.name} restarts as ${start.role} of epoch ${start.epoch}, as its disk says, with its log at LSN ${log.lastLsn}${start.role === 'primary' ? ': it does not know yet whether another region took over' : ''}`,
        'key',
      );
    }

    const onChange = (from: NodeId, rid: number, op: PassiveOp): void => {
      if (primary === null || primary.fenced) return ctx.send(from, { type: 'not-primary', rid });
      primary.write(op, () => {
        ctx.send(from, { type: 'changed', rid, region: config.region });
        ctx.crashPoint('write-acked');
      });
    };

    return {
      onMessage(from, m) {
        switch (m.type) {
          case 'glb-ping':
            return ctx.send(from, { type: 'glb-pong', round: m.round });
          case 'change':
            return onChange(from, m.rid, { key: m.key, item: m.item, remove: m.remove });
          case 'promote': {
            const now = record();
            // A stale promotion (a newer epoch is already known here) is ignored.
            if (now.role === 'primary' && now.epoch >= m.epoch) return;
            if (Math.max(now.epoch, replica?.epoch ?? 0) > m.epoch) return;
            ctx.note(() => `${ctx.name} is promoted to primary for epoch ${m.epoch}, with the log up to LSN ${log.lastLsn}`, 'key');
            return becomePrimary(m.epoch);
          }
          case 'follow': {
            const now = record();
            if (now.role === 'primary' && now.epoch < m.epoch) {
              ctx.note(() => `${ctx.name} is told ${ctx.nameOf(m.primary)} is primary for epoch ${m.epoch}: it steps down and follows`, 'key');
              return becomeStandby(m.epoch);
            }
            if (replica !== null && replica.epoch < m.epoch) replica.epoch = m.epoch;
            return;
          }
          case 'repl-append':
            // A primary that hears from a newer one is fenced (and steps down in onFenced);
            // then, as a standby, it takes the entries.
            primary?.onMessage(from, m);
            if (primary === null) replica?.onMessage(from, m);
            return;
          case 'repl-ack':
          case 'repl-reject':
            primary?.onMessage(from, m);
            return;
          default:
            return;
        }
      },
      onTimer(tag) {
        if (primary !== null) primary.onTimer(tag);
        else replica?.onTimer(tag);
      },
    };
  };
}
