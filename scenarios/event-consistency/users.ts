/**
 * The users: the workload. Each earning or spending of points is a request to the points
 * service at its arrival time, retried with backoff until the service answers — with the
 * event's id as idempotency key, so a retry never counts twice at the source. The requests
 * are drawn before the run, so every strategy sees the same ones at the same moments.
 */
import type { Spawn } from '../../engine/index.ts';
import { RequestClient, type RetryPolicy } from '../parts/resilience/request-client.ts';
import type { PointsAnswer, PointsMessage, PointsRequest, UsersTimer } from './messages.ts';

/** A user earning (positive) or spending (negative) points: one request the workload makes at `atMs`. */
export interface Earning {
  id: string;
  atMs: number;
  user: number;
  points: number;
}

export function users(earnings: readonly Earning[], producer: string, policy: RetryPolicy): Spawn<PointsMessage, UsersTimer> {
  return (ctx) => {
    const requests = new RequestClient<PointsRequest, PointsAnswer>(ctx, policy, 'points');
    const to = ctx.lookup(producer);
    for (let index = 0; index < earnings.length; index++) ctx.setTimer(Math.max(0, earnings[index]!.atMs - ctx.now), { kind: 'arrival', index });
    return {
      onMessage(from, msg) {
        requests.onMessage(from, msg);
      },
      onTimer(tag) {
        if (tag.kind !== 'arrival') return void requests.onTimer(tag);
        const e = earnings[tag.index]!;
        requests.call(to, { op: 'points', id: e.id, user: e.user, points: e.points }, ignoreAnswer, { key: e.id });
      },
    };
  };
}

/** A user does not wait on the answer: the audit judges what the service made of the request. */
function ignoreAnswer(): void {}
