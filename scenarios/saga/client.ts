/**
 * The client: places the workload's orders at their arrival times, at the saga's entry point
 * (the orchestrator, or in the choreography the order service). It retries with backoff
 * until the order is accepted — the idempotency key is the order id, so a retry never places
 * it twice — and then, like a web shop's "thank you for your order" page, it stops asking:
 * from here on finishing the saga is the system's job. The orders are drawn before the run,
 * so every strategy sees the same ones at the same moments.
 */
import type { Spawn } from '../../engine/index.ts';
import { RequestClient, type RequestObserver, type RetryPolicy } from '../parts/resilience/request-client.ts';
import type { SagaAudit } from './audit.ts';
import type { ClientTimer, Order, SagaMessage, StepReply, StepRequest } from './messages.ts';

export interface Arrival {
  atMs: number;
  order: Order;
}

export function client(
  arrivals: readonly Arrival[],
  entry: string,
  policy: RetryPolicy,
  audit: SagaAudit,
  observer: RequestObserver,
): Spawn<SagaMessage, ClientTimer> {
  return (ctx) => {
    const orders = new RequestClient<StepRequest, StepReply>(ctx, policy, 'orders', observer);
    const to = ctx.lookup(entry);
    for (let index = 0; index < arrivals.length; index++) ctx.setTimer(Math.max(0, arrivals[index]!.atMs - ctx.now), { kind: 'arrival', index });
    return {
      onMessage(from, msg) {
        orders.onMessage(from, msg);
      },
      onTimer(tag) {
        if (tag.kind !== 'arrival') return void orders.onTimer(tag);
        const { order } = arrivals[tag.index]!;
        audit.placed(order.id);
        ctx.state('placing', order.id);
        orders.call(to, { op: 'place-order', order }, () => ctx.state('accepted', order.id), { key: order.id });
      },
    };
  };
}
