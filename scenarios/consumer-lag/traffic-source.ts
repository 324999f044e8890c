/**
 * The traffic source: a service publishing events to the `events` topic at a steady rate that
 * does not stop (arrival times drawn before the run, so every strategy sees the same
 * traffic), plus the extra events of a `traffic-burst`. It keys events by user, so the key
 * hash spreads them evenly over the partitions. Its producer lingers: every `tickMs` it sends
 * what arrived since the last tick, in one request.
 *
 * With backpressure it watches the group's lag (an admin client, every `probeMs`) and
 * publishes only as much as the lag leaves room for under the high mark (credit-based flow
 * control): each probe grants `highLag - lag - outstanding` credits (what its producer has
 * sent but the broker has not yet acknowledged is backlog too, not yet visible as lag), and
 * events beyond them wait in a bounded buffer, refused when it is full (the caller gets "try
 * later"). Lag stays under the high mark; the waiting moves upstream.
 */
import type { Spawn } from '../../engine/index.ts';
import { AdminClient } from '../parts/log/admin-client.ts';
import type { ClusterLayout } from '../parts/log/cluster-layout.ts';
import type { LogTimer } from '../parts/log/log-node.ts';
import type { LogMessage } from '../parts/log/log-protocol.ts';
import { Metadata } from '../parts/log/metadata.ts';
import { keyHashPartitioner } from '../parts/log/partitioner.ts';
import { PRODUCER_DEFAULTS, Producer } from '../parts/log/producer.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import type { TrafficEvent } from './consumer-instance.ts';
import type { LagBoard } from './lag-board.ts';

export interface Arrival {
  atMs: number;
  user: number;
}

export interface Backpressure {
  highLag: number;
  bufferMax: number;
  probeMs: number;
}

export interface TrafficConfig {
  layout: ClusterLayout;
  topic: string;
  group: string;
  arrivals: readonly Arrival[];
  users: number;
  backpressure: Backpressure | null;
  board: LagBoard;
  tickMs: number;
}

type AppTimer = { owner: 'app'; kind: 'tick' | 'probe' };

/** The source's timers carry nothing of their own: one tag each for all of them. */
const TICK: AppTimer = { owner: 'app', kind: 'tick' };
const PROBE: AppTimer = { owner: 'app', kind: 'probe' };

export function trafficSource(config: TrafficConfig): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const { board, backpressure: bp } = config;
    const metadata = new Metadata(ctx, config.layout, 250);
    const producer = new Producer(ctx, metadata, {
      clientId: 'traffic',
      partitioner: keyHashPartitioner(),
      ...PRODUCER_DEFAULTS,
      acks: 1,
      lingerMs: config.tickMs,
    });
    const admin = new AdminClient(ctx, metadata, 'traffic');
    let credits = bp === null ? Number.POSITIVE_INFINITY : bp.highLag;
    let throttled = false;
    const held: number[] = [];
    let next = 0;
    /** Extra arrivals of traffic bursts, in time order. */
    let extra: Arrival[] = [];

    const publish = (user: number): void => {
      producer.send(config.topic, userKey(user), { user, n: board.publish() } satisfies TrafficEvent);
    };

    const arrive = (user: number): void => {
      if (held.length === 0 && credits > 0) {
        credits--;
        return publish(user);
      }
      if (held.length < bp!.bufferMax) held.push(user);
      else board.rejected++;
      board.held = held.length;
      board.heldMax = Math.max(board.heldMax, held.length);
      if (!throttled) {
        throttled = true;
        ctx.state('throttled', `${held.length} held`);
        ctx.note(() => `traffic source has no credit left under the lag limit of ${bp!.highLag}: it holds new events back (backpressure)`, 'key');
      }
    };

    const probe = (): void => {
      admin.groupLag(config.group, config.topic, (lags) => {
        if (lags !== null) {
          const total = lags.reduce((a, l) => a + l.lag, 0);
          credits = Math.max(0, bp!.highLag - total - producer.outstanding);
          const release = held.splice(0, credits);
          credits -= release.length;
          for (const user of release) publish(user);
          producer.sendNow();
          board.held = held.length;
          if (throttled && held.length === 0 && credits > 0) {
            throttled = false;
            ctx.state('publishing', `lag ${total}`);
            ctx.note(() => `lag is down to ${total}: the traffic source publishes freely again`);
          }
        }
        ctx.setTimer(bp!.probeMs, PROBE);
      });
    };

    const tick = (): void => {
      const arrivals = config.arrivals;
      // Read once: time stands still within a timer, and the clock getter is not free.
      const now = ctx.now;
      while (next < arrivals.length && arrivals[next]!.atMs <= now) arrive(arrivals[next++]!.user);
      while (extra.length > 0 && extra[0]!.atMs <= now) arrive(extra.shift()!.user);
      producer.sendNow();
      if (next < arrivals.length || extra.length > 0) ctx.setTimer(config.tickMs, TICK);
    };
    ctx.setTimer(config.tickMs, TICK);
    if (bp !== null) ctx.setTimer(bp.probeMs, PROBE);

    return {
      onMessage(from, m) {
        if (metadata.onMessage(from, m) || producer.onMessage(from, m)) return;
        admin.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner === 'app') return tag.kind === 'tick' ? tick() : probe();
        if (!metadata.onTimer(tag) && !producer.onTimer(tag)) admin.onTimer(tag);
      },
      onInject(fault) {
        if (fault.name !== 'traffic-burst') return;
        const extraPerSec = Number(fault.args?.extraPerSec ?? 300);
        const durationMs = Number(fault.args?.durationMs ?? 300);
        const added: Arrival[] = [];
        for (let t = ctx.now + ctx.rng.exponential(1000 / extraPerSec); t < ctx.now + durationMs; t += ctx.rng.exponential(1000 / extraPerSec)) {
          added.push({ atMs: t, user: ctx.rng.int(config.users) });
        }
        extra = [...extra, ...added].sort((a, b) => a.atMs - b.atMs);
        ctx.note(() => `a traffic burst adds ${Math.round(extraPerSec)} events/s for ${Math.round(durationMs)} ms`, 'key');
      },
    };
  };
}

/** Each user's record key, spelt once: the partitioner looks its hash up by key on every record. */
const userKey = numberedNames('user');
