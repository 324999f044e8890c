/**
 * A saga participant: one service (order, payment, inventory or shipping) with its own
 * database, running the saga steps it owns as local transactions. The steps arrive one of
 * two ways:
 *
 *  - orchestrated: as requests from the orchestrator, each carrying an idempotency key
 *    (`<order>:<step>`); the key is recorded in the same transaction as the step, so a
 *    retried request gets the recorded answer and changes nothing;
 *  - choreographed: as events from its broker queue. It runs the step its reaction table
 *    names and, in the SAME transaction, records the event id (processed-id store) and puts
 *    the resulting event in its outbox; a relay publishes it; then it acknowledges.
 *
 * With `idempotent` off (the flawed strategy), requests and events are applied as they come:
 * a redelivered `order-created` charges the customer again.
 *
 * The order service is also the choreography's entry point: it accepts `place-order`
 * requests (keyed by order id) by creating the order and publishing `order-created`.
 *
 * Crash point: `committed` (a step is on disk; no reply or ack sent yet).
 * Inject `refuse-next`: the next forward step this service runs is refused (a step failure).
 */
import type { InjectFault, NodeContext, NodeId, Spawn } from '../../engine/index.ts';
import { OutboxRelay } from '../parts/messaging/outbox-relay.ts';
import { ack, type Delivery, isDelivery, type Publish, type Published } from '../parts/messaging/queue-broker.ts';
import { isRequest, type Request, RequestClient, type RetryPolicy, reply } from '../parts/resilience/request-client.ts';
import { applyEffect, IdempotencyStore } from '../parts/storage/idempotency-store.ts';
import { type RowWrite, type TableAppend, TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { SagaAudit } from './audit.ts';
import { REACTIONS, type Reaction, SAGA_START } from './choreography.ts';
import type { Order, SagaEvent, SagaEventType, ServiceName, StepName, StepReply, StepRequest } from './messages.ts';
import { STEPS, type StepOutcome } from './steps.ts';

export interface ServiceConfig {
  service: ServiceName;
  choreography: boolean;
  idempotent: boolean;
  broker: NodeId;
  /** Rows the database starts with (balances, stock). */
  initialRows: readonly RowWrite[];
  regionsServed: number;
  publishPolicy: RetryPolicy;
  relayPollMs: number;
  audit: SagaAudit;
}

export function service(config: ServiceConfig): Spawn<unknown> {
  return (ctx: NodeContext<unknown>) => {
    const { audit } = config;
    const db = new TransactionalStore(ctx.durable, config.service);
    if (ctx.incarnation === 0) for (const r of config.initialRows) db.load(r.key, r.value);
    const keys = new IdempotencyStore<StepReply>(db, 'idempotency-keys');
    const processed = new IdempotencyStore<StepReply>(db, 'processed-events');
    const publisher = new RequestClient<Publish<SagaEvent>, Published>(ctx, config.publishPolicy, 'publish');
    const relay = config.choreography ? new OutboxRelay<SagaEvent>(ctx, db, publisher, { broker: config.broker, pollMs: config.relayPollMs }) : null;
    const reactions = new Map<SagaEventType, Reaction>(REACTIONS.filter((r) => r.service === config.service).map((r) => [r.on, r]));
    let refuseNext = false;

    /** Runs a step — refused instead, if a step failure was injected and it would have succeeded — touching nothing yet. */
    const runStep = (step: StepName, order: Order): StepOutcome => {
      const outcome = STEPS[step].run(db, order, { regionsServed: config.regionsServed });
      if (!refuseNext || !outcome.ok || !FALLIBLE.includes(step)) return outcome;
      refuseNext = false;
      return { ok: false, reason: `${config.service} refused it (an injected step failure)`, writes: [] };
    };

    const outboxEntry = (type: SagaEventType | undefined, order: Order): TableAppend[] =>
      type === undefined || relay === null ? [] : [relay.entry(type, `${order.id}:${type}`, { type, order } satisfies SagaEvent)];

    /** What just happened, in plain words; in the choreography, also where the saga went next. */
    const narrate = (step: StepName, order: Order, outcome: StepOutcome, published: SagaEventType | undefined): void => {
      if (!ctx.tracing) return;
      const what = `${ctx.name} ${outcome.ok ? 'runs' : 'refuses'} ${step} for ${order.id}${outcome.ok ? '' : ` (${outcome.reason})`}`;
      if (!config.choreography) return ctx.note(what, outcome.ok ? 'info' : 'key');
      if (published !== undefined) {
        const to = REACTIONS.filter((r) => r.on === published).map((r) => r.service);
        return ctx.note(`${what} and publishes ${published}: the saga now lives in a message on its way to ${to.join(' and ')}`, outcome.ok ? 'info' : 'key');
      }
      if (step === 'approve-order' || step === 'cancel-order') {
        ctx.note(`${what}: the saga is over, and no node saw all of it — each service it passed through knows only its own step`, 'key');
      }
    };

    /**
     * Runs `step` for `order` in one local transaction together with the key (when
     * idempotent) and the outbox entry `next` names for its outcome. A key seen before gets
     * the recorded reply and changes nothing. Null when a row was locked (nothing written).
     */
    const execute = (store: IdempotencyStore<StepReply>, key: string, step: StepName, order: Order, next: (o: StepOutcome) => SagaEventType | undefined) => {
      if (config.idempotent) {
        const known = store.recall(key);
        if (known !== undefined) {
          audit.duplicateStep();
          ctx.note(() => `${ctx.name} has already run ${step} for ${order.id} (key ${key}): it answers as before and changes nothing`);
          return known;
        }
      }
      const outcome = runStep(step, order);
      const published = next(outcome);
      const effect = { writes: outcome.writes, appends: outboxEntry(published, order), response: replyOf(outcome) };
      const response = config.idempotent ? (store.once(key, () => effect)?.response ?? null) : applyEffect(db, effect);
      if (response === null) return null;
      if (outcome.fact !== undefined) audit.fact(outcome.fact, ctx.name);
      ctx.state(outcome.ok ? step : `${step} refused`, order.id);
      narrate(step, order, outcome, published);
      return response;
    };

    // Orchestration: a step requested by the orchestrator, keyed `<order>:<step>`.
    const onStepRequest = (from: NodeId, request: Request<StepRequest>, step: StepName, order: Order): void => {
      const response = execute(keys, request.key ?? request.rid, step, order, () => undefined);
      if (response === null) return; // a row was locked: the orchestrator's retry will come
      ctx.crashPoint('committed');
      reply(ctx, from, request, response);
    };

    // Choreography entry point: the order service accepts an order and publishes order-created.
    const onPlaceOrder = (from: NodeId, request: Request<StepRequest>, order: Order): void => {
      const response = execute(keys, request.key ?? order.id, 'create-order', order, () => SAGA_START);
      if (response === null) return;
      ctx.crashPoint('committed');
      reply(ctx, from, request, response);
      relay?.wake();
    };

    // Choreography: an event from this service's queue; what it publishes next is in the reaction table.
    const onEvent = (d: Delivery<SagaEvent>): void => {
      const reaction = reactions.get(d.body.type);
      if (reaction === undefined) return ack(ctx, config.broker, d);
      const response = execute(processed, d.id, reaction.step, d.body.order, (o) => (o.ok ? reaction.ok : reaction.failed));
      if (response === null) return; // locked: the redelivery will come
      ctx.crashPoint('committed');
      ack(ctx, config.broker, d);
      relay?.wake();
    };

    return {
      onMessage(from, msg) {
        if (publisher.onMessage(from, msg)) return;
        if (isDelivery(msg)) return onEvent(msg as Delivery<SagaEvent>);
        if (!isRequest(msg)) return;
        const request = msg as Request<StepRequest>;
        if (request.body.op === 'step') onStepRequest(from, request, request.body.step, request.body.order);
        else if (config.service === 'order') onPlaceOrder(from, request, request.body.order);
      },
      onTimer(tag) {
        if (publisher.onTimer(tag)) return;
        relay?.onTimer(tag);
      },
      onInject(fault: InjectFault) {
        if (fault.name !== 'refuse-next') return;
        refuseNext = true;
        ctx.note(() => `${ctx.name} will refuse the next step it is asked to run`, 'warn');
      },
    };
  };
}

/** Forward steps that can be refused (the others always succeed). */
const FALLIBLE: readonly StepName[] = ['charge', 'reserve', 'schedule'];

function replyOf(outcome: StepOutcome): StepReply {
  return outcome.ok ? { ok: true } : { ok: false, reason: outcome.reason ?? 'refused' };
}
