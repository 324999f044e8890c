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
 * Like a database it forces each transaction to disk before it answers or acknowledges: an
 * answer promises that the step, and its key, survive any crash.
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
import type { NodeId, Spawn } from '../../engine/index.ts';
import { OutboxRelay } from '../parts/messaging/outbox-relay.ts';
import { ack, type Delivery, type Publish, type Published } from '../parts/messaging/queue-broker.ts';
import { type Request, RequestClient, type RequestObserver, type RetryPolicy, reply } from '../parts/resilience/request-client.ts';
import type { IdempotencyAudit } from '../parts/storage/idempotency-audit.ts';
import { applyEffect, IdempotencyStore, type LocalEffect } from '../parts/storage/idempotency-store.ts';
import { type RowWrite, type TableAppend, TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { SagaAudit } from './audit.ts';
import { REACTIONS, type Reaction, SAGA_START } from './choreography.ts';
import type { Order, SagaEvent, SagaEventType, SagaMessage, ServiceName, ServiceTimer, StepName, StepReply } from './messages.ts';
import { STEPS, type StepOutcome } from './steps.ts';

export interface ServiceConfig {
  service: ServiceName;
  choreography: boolean;
  idempotent: boolean;
  /** The broker's node name. */
  broker: string;
  /** Rows the database starts with (balances, stock). */
  initialRows: readonly RowWrite[];
  regionsServed: number;
  publishPolicy: RetryPolicy;
  relayPollMs: number;
  audit: SagaAudit;
  /** Judges that every key this service answered survives its crashes (idempotent strategies). */
  keyAudit: IdempotencyAudit | null;
  requests: RequestObserver;
}

export function service(config: ServiceConfig): Spawn<SagaMessage, ServiceTimer> {
  return (ctx) => {
    const { audit, keyAudit } = config;
    const broker = ctx.lookup(config.broker);
    const db = new TransactionalStore(ctx.disk, config.service);
    if (ctx.incarnation === 0) {
      for (const r of config.initialRows) db.load(r.key, r.value);
      ctx.disk.force();
    }
    const keys = new IdempotencyStore<StepReply>(db, 'idempotency-keys');
    const processed = new IdempotencyStore<StepReply>(db, 'processed-events');
    if (ctx.incarnation > 0) {
      audit.recovered(ctx.name, (tx) => db.statusOf(tx) === 'committed');
      keyAudit?.recovered(ctx.name, (table, key) => (table === keys.tableName ? keys : processed).has(key));
    }
    const publisher = new RequestClient<Publish<SagaEvent>, Published>(ctx, config.publishPolicy, 'publish', config.requests);
    const relay = config.choreography ? new OutboxRelay<SagaEvent>(ctx, db, publisher, { broker, pollMs: config.relayPollMs }) : null;
    const reactions = REACTIONS_OF[config.service];
    /** What a step may read of the world besides its database (one object for every step of this node). */
    const stepContext = { regionsServed: config.regionsServed };
    let refuseNext = false;

    /** Runs a step — refused instead, if a step failure was injected and it would have succeeded — touching nothing yet. */
    const runStep = (step: StepName, order: Order): StepOutcome => {
      const outcome = STEPS[step].run(db, order, stepContext);
      if (!refuseNext || !outcome.ok || !FALLIBLE.includes(step)) return outcome;
      refuseNext = false;
      return { ok: false, reason: `${config.service} refused it (an injected step failure)`, writes: [] };
    };

    const outboxEntry = (type: SagaEventType | undefined, order: Order): readonly TableAppend[] =>
      type === undefined || relay === null ? NO_APPENDS : [relay.entry(type, `${order.id}:${type}`, { type, order } satisfies SagaEvent)];

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
     * idempotent) and the outbox entry `next` names for its outcome, and forces it: the
     * answer that follows promises the step is durable. A key seen before gets the recorded
     * reply and changes nothing. Null when a row was locked (nothing written).
     */
    const execute = (
      store: IdempotencyStore<StepReply>,
      key: string,
      step: StepName,
      order: Order,
      next: (o: StepOutcome) => SagaEventType | undefined,
    ): { response: StepReply; fresh: boolean } | null => {
      // The step runs inside `once` only when its key is new (one lookup of the key, not a recall and then `once`).
      let outcome = NOT_RUN;
      let published: SagaEventType | undefined;
      const effect = (): LocalEffect<StepReply> => {
        outcome = runStep(step, order);
        published = next(outcome);
        return { writes: outcome.writes, appends: outboxEntry(published, order), response: replyOf(outcome) };
      };
      const done = config.idempotent ? store.once(key, effect) : applyEffect(db, effect());
      if (done === null) return null;
      if (done.replayed) {
        audit.duplicateStep();
        ctx.note(() => `${ctx.name} has already run ${step} for ${order.id} (key ${key}): it answers as before and changes nothing`);
        return { response: done.response, fresh: false };
      }
      const response = done.response;
      // Told before the force: a crash during it must not hide a step that became durable.
      if (outcome.fact !== undefined) audit.fact(outcome.fact, ctx.name, done.tx!);
      ctx.disk.force();
      audit.forced(ctx.name);
      ctx.state(outcome.ok ? step : `${step} refused`, order.id);
      narrate(step, order, outcome, published);
      return { response, fresh: true };
    };

    /** The step's key is answered: from here on its record must survive any crash. */
    const answered = (table: string, key: string, fresh: boolean): void => {
      if (fresh && config.idempotent) keyAudit?.answered(ctx.name, table, key);
    };

    // Orchestration: a step requested by the orchestrator, keyed `<order>:<step>`.
    const onStepRequest = (from: NodeId, request: Request, step: StepName, order: Order): void => {
      const key = request.key ?? request.rid;
      const done = execute(keys, key, step, order, () => undefined);
      if (done === null) return; // a row was locked: the orchestrator's retry will come
      ctx.crashPoint('committed');
      reply(ctx, from, request, done.response);
      answered(keys.tableName, key, done.fresh);
    };

    // Choreography entry point: the order service accepts an order and publishes order-created.
    const onPlaceOrder = (from: NodeId, request: Request, order: Order): void => {
      const key = request.key ?? order.id;
      const done = execute(keys, key, 'create-order', order, () => SAGA_START);
      if (done === null) return;
      ctx.crashPoint('committed');
      reply(ctx, from, request, done.response);
      answered(keys.tableName, key, done.fresh);
      relay?.wake();
    };

    // Choreography: an event from this service's queue; what it publishes next is in the reaction table.
    const onEvent = (d: Delivery<SagaEvent>): void => {
      const reaction = reactions.get(d.body.type);
      if (reaction === undefined) return ack(ctx, broker, d);
      // The event's own id, the same however often it was published or delivered.
      const key = d.id;
      const done = execute(processed, key, reaction.step, d.body.order, (o) => (o.ok ? reaction.ok : reaction.failed));
      if (done === null) return; // locked: the redelivery will come
      ctx.crashPoint('committed');
      ack(ctx, broker, d);
      answered(processed.tableName, key, done.fresh);
      relay?.wake();
    };

    return {
      onMessage(from, msg) {
        if (publisher.onMessage(from, msg)) return;
        if (msg.type === 'deliver') return onEvent(msg);
        if (msg.type !== 'request') return;
        const body = msg.body;
        if (body.op === 'step') onStepRequest(from, msg, body.step, body.order);
        else if (body.op === 'place-order' && config.service === 'order') onPlaceOrder(from, msg, body.order);
      },
      onTimer(tag) {
        if (publisher.onTimer(tag)) return;
        relay?.onTimer(tag);
      },
      onInject(fault) {
        if (fault.name !== 'refuse-next') return;
        refuseNext = true;
        ctx.note(() => `${ctx.name} will refuse the next step it is asked to run`, 'warn');
      },
    };
  };
}

/** What each service reacts to in the choreography, by event type (built once, read by every spawn). */
const REACTIONS_OF: Readonly<Record<ServiceName, ReadonlyMap<SagaEventType, Reaction>>> = {
  order: reactionsOf('order'),
  payment: reactionsOf('payment'),
  inventory: reactionsOf('inventory'),
  shipping: reactionsOf('shipping'),
};

function reactionsOf(service: ServiceName): ReadonlyMap<SagaEventType, Reaction> {
  return new Map(REACTIONS.filter((r) => r.service === service).map((r) => [r.on, r]));
}

/** Forward steps that can be refused (the others always succeed). */
const FALLIBLE: readonly StepName[] = ['charge', 'reserve', 'schedule'];

function replyOf(outcome: StepOutcome): StepReply {
  return outcome.ok ? DONE : { ok: false, reason: outcome.reason ?? 'refused' };
}

/** What `execute` holds until its step runs (never read: a step that did not run returns before). */
const NOT_RUN: StepOutcome = Object.freeze({ ok: false, writes: [] });

/** A step that publishes nothing appends nothing (shared: never changed). */
const NO_APPENDS: readonly TableAppend[] = Object.freeze([]);

/** A step done: one answer object (answers are recorded with their keys and sent as they are, never changed). */
const DONE: StepReply = { ok: true };
