/**
 * The event source: publishes each key's events to the `account-events` topic, numbering
 * them per key in the order it publishes them (the order the downstream must see). The
 * strategy is how a record's partition is chosen: by the key's hash, round robin, or by the
 * key's hash after salting the hot key — appending one of `salts` suffixes in turn, so the
 * hot key's events spread over several partitions. Its
 * producer lingers and sends each tick's events in one request; a tick with nothing due is
 * skipped.
 */
import type { Spawn, TimerId } from '../../engine/index.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import type { Partitioner } from '../parts/log/partitioner.ts';
import { PRODUCER_DEFAULTS, Producer } from '../parts/log/producer.ts';
import type { KeyedEvent } from './order-audit.ts';

/** An event of the workload: its key and when it happens (numbered when published). */
export interface Arrival {
  key: string;
  atMs: number;
}

export interface SourceConfig {
  layout: ClusterLayout;
  topic: string;
  arrivals: readonly Arrival[];
  hotKey: string;
  partitioner: Partitioner;
  /** Salt the hot key over this many sub-keys (null: no salting). */
  salting: { hotKey: string; salts: number } | null;
  tickMs: number;
  /** Told of each event handed to the producer, and of each the broker acknowledged (for the audit of what the log must hold). */
  onPublished: (e: KeyedEvent) => void;
  onAcknowledged: (e: KeyedEvent) => void;
}

type AppTimer = { owner: 'app'; kind: 'tick' };

/** Time to publish what is due (one tag for every timer: it carries nothing of its own). */
const TICK: AppTimer = { owner: 'app', kind: 'tick' };

export function eventSource(config: SourceConfig): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, config.layout);
    const producer = new Producer(ctx, metadata, {
      clientId: 'events',
      partitioner: config.partitioner,
      ...PRODUCER_DEFAULTS,
      acks: 1,
      lingerMs: config.tickMs,
    });
    let next = 0;
    let extra: Arrival[] = [];
    let salt = 0;
    const seqs = new Map<string, number>();

    const publish = (a: Arrival): void => {
      const seq = (seqs.get(a.key) ?? 0) + 1;
      seqs.set(a.key, seq);
      const salted = config.salting !== null && a.key === config.salting.hotKey ? `${a.key}#${salt++ % config.salting.salts}` : a.key;
      const event: KeyedEvent = { key: a.key, seq };
      config.onPublished(event);
      producer.send(config.topic, salted, event, (r) => {
        if (r.ok) config.onAcknowledged(event);
      });
    };
    let tickTimer: TimerId | null = null;
    /** The next tick: a tick from now, or later when nothing is due before (an idle source sets no timer to find nothing). */
    const schedule = (): void => {
      if (tickTimer !== null) ctx.cancelTimer(tickTimer);
      tickTimer = null;
      const due = Math.min(config.arrivals[next]?.atMs ?? Number.POSITIVE_INFINITY, extra[0]?.atMs ?? Number.POSITIVE_INFINITY);
      if (due < Number.POSITIVE_INFINITY) tickTimer = ctx.setTimer(Math.max(config.tickMs, due - ctx.now), TICK);
    };
    const tick = (): void => {
      tickTimer = null;
      const arrivals = config.arrivals;
      // Read once: time stands still within a timer, and the clock getter is not free.
      const now = ctx.now;
      while (next < arrivals.length && arrivals[next]!.atMs <= now) publish(arrivals[next++]!);
      while (extra.length > 0 && extra[0]!.atMs <= now) publish(extra.shift()!);
      producer.sendNow();
      schedule();
    };
    schedule();

    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner === 'app') return tick();
        if (!metadata.onTimer(tag)) producer.onTimer(tag);
      },
      onInject(fault) {
        if (fault.name !== 'hot-key-burst') return;
        const extraPerSec = Number(fault.args?.extraPerSec ?? 200);
        const durationMs = Number(fault.args?.durationMs ?? 300);
        const added: Arrival[] = [];
        for (let t = ctx.now + ctx.rng.exponential(1000 / extraPerSec); t < ctx.now + durationMs; t += ctx.rng.exponential(1000 / extraPerSec)) {
          added.push({ key: config.hotKey, atMs: t });
        }
        extra = [...extra, ...added].sort((a, b) => a.atMs - b.atMs);
        ctx.note(() => `key ${config.hotKey} gets ${added.length} extra events over ${Math.round(durationMs)} ms`, 'key');
        schedule();
      },
    };
  };
}
