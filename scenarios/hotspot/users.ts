/**
 * The users: everyone who views and likes posts, as one load generator. Their requests are
 * spread over the application servers in turn (a load balancer in front of them). The
 * everyday traffic is known before the run; a celebrity surge, when it strikes, adds a storm
 * of views and likes on the celebrity's post for a while (a newer surge replaces it).
 */
import type { InjectFault, NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import type { HotspotMessage } from './messages.ts';
import { byTime, CELEBRITY, drawVisits, type Visit } from './workload.ts';

export interface UsersConfig {
  everyday: readonly Visit[];
  apps: readonly NodeId[];
  /** A surge ends at the latest when every fault heals. */
  healAtMs: number;
  onSurge: (viewsPerSec: number, likesPerSec: number, untilMs: number) => void;
}

type Timer = { kind: 'everyday'; index: number } | { kind: 'surge'; index: number; surge: number };

export function users(config: UsersConfig): Spawn<HotspotMessage> {
  return (ctx: NodeContext<HotspotMessage>) => {
    let turn = 0;
    const surges: Visit[] = [];
    // Surges do not add up: the celebrity's newest post is what everyone piles onto, so a new
    // surge replaces the one in progress (the fault space bounds one surge, not a sum).
    let currentSurge = 0;
    for (let i = 0; i < config.everyday.length; i++)
      ctx.setTimer(Math.max(0, config.everyday[i]!.atMs - ctx.now), { kind: 'everyday', index: i } satisfies Timer);

    const send = (v: Visit): void => {
      const app = config.apps[turn++ % config.apps.length]!;
      ctx.send(app, v.kind === 'view' ? { type: 'view', key: v.key, pick: v.salt } : { type: 'like', key: v.key, salt: v.salt });
    };

    return {
      onTimer(tag) {
        const t = tag as Timer;
        if (t.kind === 'everyday') send(config.everyday[t.index]!);
        else if (t.surge === currentSurge) send(surges[t.index]!);
      },
      onInject(fault: InjectFault) {
        if (fault.name !== 'celebrity-surge') return;
        const views = Number(fault.args?.viewsPerSec ?? 100);
        const likes = Number(fault.args?.likesPerSec ?? 20);
        const untilMs = Math.min(ctx.now + Number(fault.args?.durationMs ?? 1500), config.healAtMs);
        const storm = byTime(
          drawVisits(ctx.rng, 'view', views, ctx.now, untilMs, () => CELEBRITY),
          drawVisits(ctx.rng, 'like', likes, ctx.now, untilMs, () => CELEBRITY),
        );
        currentSurge++;
        for (const v of storm) {
          surges.push(v);
          ctx.setTimer(v.atMs - ctx.now, { kind: 'surge', index: surges.length - 1, surge: currentSurge } satisfies Timer);
        }
        config.onSurge(views, likes, untilMs);
        ctx.state('surge', `${views} views/s, ${likes} likes/s`);
        ctx.note(
          () =>
            `the celebrity posts: ${views} views and ${likes} likes per second hit ${CELEBRITY} for ${Math.round(untilMs - ctx.now).toLocaleString('en-US')} ms`,
          'key',
        );
      },
    };
  };
}
