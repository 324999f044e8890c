/**
 * The users: everyone who views and likes posts, as one load generator. Their requests are
 * spread over the application servers in turn (a load balancer in front of them, which does
 * not know when one is down). The everyday traffic is known before the run; a celebrity
 * surge, when it strikes, adds a storm of views and likes on the celebrity's post for a while
 * (a newer surge replaces it).
 *
 * The users are the workload: they act in true time (`workloadMs`), stamp each visit with
 * when they made it, and give each like an id of its own.
 */
import type { Spawn } from '../../engine/index.ts';
import type { HotKeyAuditor } from './hot-key-auditor.ts';
import type { HotspotMessage } from './messages.ts';
import { byTime, CELEBRITY, drawVisits, type Visit } from './workload.ts';

export interface UsersConfig {
  everyday: readonly Visit[];
  apps: readonly string[];
  /** True time, when the users act (they are the workload, not a node with a clock of its own). */
  workloadTime: () => number;
  /** The workload ends here: a visit held back past it (the users were slowed) is not made. */
  workloadMs: number;
  /** How long a surge asked to last `requestedMs` lasts: like every fault, it is over once all faults heal. */
  surgeMs: (requestedMs: number) => number;
  auditor: HotKeyAuditor;
  onSurge: (viewsPerSec: number, likesPerSec: number) => void;
}

type Timer = { kind: 'everyday'; index: number } | { kind: 'surge'; index: number; surge: number };

export function users(config: UsersConfig): Spawn<HotspotMessage, Timer> {
  return (ctx) => {
    const apps = config.apps.map((name) => ctx.lookup(name));
    let turn = 0;
    let likes = 0;
    let storm: Visit[] = [];
    let stormStartMs = 0;
    // Surges do not add up: the celebrity's newest post is what everyone piles onto, so a new
    // surge replaces the one in progress (the fault space bounds one surge, not a sum).
    let currentSurge = 0;
    const everyday = config.everyday;
    if (everyday.length > 0) ctx.setTimer(everyday[0]!.atMs, { kind: 'everyday', index: 0 });

    const visit = (v: Visit, atMs: number): void => {
      const app = apps[turn++ % apps.length]!;
      if (v.kind === 'view') return ctx.send(app, { type: 'view', key: v.key, pick: v.salt, atMs });
      const likeId = `like-${++likes}`;
      config.auditor.likeSent(v.key);
      ctx.send(app, { type: 'like', key: v.key, salt: v.salt, likeId, atMs });
    };

    return {
      onTimer(t) {
        if (t.kind === 'everyday') {
          const v = everyday[t.index]!;
          const next = everyday[t.index + 1];
          if (next !== undefined) ctx.setTimer(next.atMs - v.atMs, { kind: 'everyday', index: t.index + 1 });
          if (config.workloadTime() <= config.workloadMs) visit(v, v.atMs);
          return;
        }
        if (t.surge !== currentSurge) return;
        const v = storm[t.index]!;
        const next = storm[t.index + 1];
        if (next !== undefined) ctx.setTimer(next.atMs - v.atMs, { kind: 'surge', index: t.index + 1, surge: t.surge });
        visit(v, stormStartMs + v.atMs);
      },
      onInject(fault) {
        if (fault.name !== 'celebrity-surge') return;
        const views = Number(fault.args?.viewsPerSec ?? 100);
        const likesPerSec = Number(fault.args?.likesPerSec ?? 20);
        const durationMs = config.surgeMs(Number(fault.args?.durationMs ?? 1500));
        // Times from the start of the surge: the storm runs on the users' timers.
        storm = byTime(
          drawVisits(ctx.rng, 'view', views, 0, durationMs, () => CELEBRITY),
          drawVisits(ctx.rng, 'like', likesPerSec, 0, durationMs, () => CELEBRITY),
        );
        stormStartMs = config.workloadTime();
        currentSurge++;
        if (storm.length > 0) ctx.setTimer(storm[0]!.atMs, { kind: 'surge', index: 0, surge: currentSurge });
        config.onSurge(views, likesPerSec);
        ctx.state('surge', `${views} views/s, ${likesPerSec} likes/s`);
        ctx.note(
          () =>
            `the celebrity posts: ${views} views and ${likesPerSec} likes per second hit ${CELEBRITY} for ${Math.round(durationMs).toLocaleString('en-US')} ms`,
          'key',
        );
      },
    };
  };
}
