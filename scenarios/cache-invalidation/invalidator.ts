/**
 * The invalidator: a consumer of the database's change stream (its binlog, through CDC) that
 * deletes each changed key from the cache. Writers no longer touch the cache at all; the
 * price is that invalidation is now a message that can arrive late, or never.
 *
 * It keeps nothing on disk: a crash loses the events it was about to act on (an at-most-once
 * consumer), and a restarted invalidator handles the events that reach it from then on.
 *
 * Each change event is handled after a processing lag (exponential, mean `lagMs`). Faults of
 * its own (inject): `lag-spike` with `{ ms, durationMs }` holds every event that arrives
 * within the next `durationMs` for `ms` more (a rebalance, a slow consumer); `drop-events`
 * with `{ count }` loses the next `count` events (an at-most-once pipe, a skipped offset).
 */
import type { InjectFault, Spawn } from '../../engine/index.ts';
import type { CacheMessage } from '../parts/cache/cache-node.ts';
import type { ChangeEvent, DbMessage } from '../parts/storage/database.ts';

export interface InvalidatorConfig {
  /** The cache, by name. */
  cache: string;
  lagMs: number;
  stats: InvalidatorStats;
}

export class InvalidatorStats {
  received = 0;
  dropped = 0;
  delayed = 0;
  /** Lag from receiving an event to sending its DEL, per event sent. */
  readonly lagMs: number[] = [];
}

/** The one timer: a changed key's invalidation is due (its tag is the key). */
type Due = string;

export function invalidator(config: InvalidatorConfig): Spawn<DbMessage | CacheMessage, Due> {
  return (ctx) => {
    const stats = config.stats;
    const cache = ctx.lookup(config.cache);
    let dropNext = 0;
    let spikeUntil = -1;
    let spikeMs = 0;

    const onChange = (e: ChangeEvent): void => {
      stats.received++;
      if (dropNext > 0) {
        dropNext--;
        stats.dropped++;
        ctx.note(() => `the change event for ${e.key} (version ${e.version}) is lost: the cache keeps the old value until its TTL ends`, 'key');
        return;
      }
      let delayMs = ctx.rng.exponential(config.lagMs);
      if (ctx.now < spikeUntil) {
        delayMs += spikeMs;
        stats.delayed++;
      }
      stats.lagMs.push(delayMs);
      ctx.setTimer(delayMs, e.key);
    };

    const onInject = (fault: InjectFault): void => {
      if (fault.name === 'drop-events') {
        dropNext += Number(fault.args?.count ?? 1);
        ctx.note(() => `the change stream will lose its next ${dropNext} event(s)`, 'key');
      } else if (fault.name === 'lag-spike') {
        spikeMs = Number(fault.args?.ms ?? 500);
        const durationMs = Number(fault.args?.durationMs ?? 100);
        spikeUntil = ctx.now + durationMs;
        ctx.note(() => `the change stream lags: events arriving in the next ${durationMs} ms are handled ${spikeMs} ms late`, 'key');
      }
    };

    return {
      onMessage(_from, msg) {
        if (msg.type === 'change') onChange(msg);
      },
      onTimer(key) {
        ctx.send(cache, { type: 'cache', id: 0, cmds: [{ op: 'del', key }], noReply: true });
      },
      onInject,
    };
  };
}
