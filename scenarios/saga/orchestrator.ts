/**
 * The saga orchestrator: one node that drives every saga. It accepts an order from the
 * client, then asks each service in turn to run its step (create the order, charge, reserve
 * stock, schedule shipping, approve the order); when a step is refused it runs the
 * compensations of the steps already done, in reverse (release, refund, cancel). Each request
 * carries the idempotency key `<order>:<step>` and is retried with backoff until answered,
 * so a retry never runs a step twice.
 *
 * The flow is easy to follow — every saga's state is in one place — and that place is a
 * single point of failure: while the orchestrator is down, every saga stops where it is.
 * Where that state lives is the strategy:
 *  - a durable saga log: every record (a saga accepted, a step's outcome) is appended and
 *    forced before anyone hears of it — the client's "accepted", the next step's request; a
 *    restarted orchestrator re-reads the log and resumes each unfinished saga;
 *  - memory only: a crash forgets every saga in progress. The client was told "accepted" and
 *    does not ask again, so those sagas stay half done forever: charged and never shipped,
 *    or reserved and never released.
 *
 * Crash points: `saga-started` (logged, client not yet answered, first step not yet asked),
 * `step-logged` (a step's outcome logged, the next step not yet asked).
 */
import type { NodeId, Spawn } from '../../engine/index.ts';
import { type Request, RequestClient, type RequestObserver, type RequestTimer, type RetryPolicy, reply } from '../parts/resilience/request-client.ts';
import type { SagaAudit } from './audit.ts';
import { type Order, perOrder, type SagaMessage, SERVICES, type ServiceName, type StepName, type StepReply, type StepRequest } from './messages.ts';
import { COMPENSATION, FORWARD, STEPS } from './steps.ts';

export interface OrchestratorConfig {
  durableLog: boolean;
  /** Each service's node name. */
  services: Readonly<Record<ServiceName, string>>;
  stepPolicy: RetryPolicy;
  audit: SagaAudit;
  requests: RequestObserver;
}

/** One line of the saga log. */
type LogRecord = { order: Order; kind: 'started' } | { order: Order; kind: 'step'; step: StepName; ok: boolean; reason?: string };

/** A saga's progress, rebuilt from its log records. */
interface Saga {
  order: Order;
  /** Forward steps that succeeded, in order. */
  done: StepName[];
  /** Compensations that ran. */
  undone: StepName[];
  /** Why a forward step was refused, once one was. */
  failure: string | null;
}

type Outcome = 'completed' | 'compensated';

/** Where saga records go: a log on disk, or (the flawed strategy) an array in memory. */
interface SagaLog extends Iterable<LogRecord> {
  append(record: LogRecord): number;
}

export function orchestrator(config: OrchestratorConfig): Spawn<SagaMessage, RequestTimer> {
  return (ctx) => {
    const { audit } = config;
    const log: SagaLog = config.durableLog ? ctx.disk.log<LogRecord>('saga-log') : inMemoryLog();
    const sagas = new Map<string, Saga>();
    for (const r of log) apply(sagas, r);
    const steps = new RequestClient<StepRequest, StepReply>(ctx, config.stepPolicy, 'steps', config.requests);
    const services = {} as Record<ServiceName, NodeId>;
    for (const name of SERVICES) services[name] = ctx.lookup(config.services[name]);

    /** Records a saga's progress; on disk it is forced before anyone acts on it. */
    const append = (r: LogRecord): void => {
      log.append(r);
      if (config.durableLog) ctx.disk.force();
      apply(sagas, r);
      if (config.durableLog && r.kind === 'step') audit.logged(r.order.id);
    };

    /** Asks for the saga's next step, or reports it finished. */
    const advance = (saga: Saga): void => {
      const step = nextStep(saga);
      if (step === 'completed' || step === 'compensated') return finished(saga, step);
      const { order } = saga;
      ctx.state(step, order.id);
      steps.call(services[STEPS[step].service], { op: 'step', step, order }, (answer) => onStepResult(saga, step, answer), {
        key: STEP_KEYS[step](order.id),
      });
    };

    const finished = (saga: Saga, outcome: Outcome): void => {
      ctx.state(outcome, saga.order.id);
      ctx.note(() =>
        outcome === 'completed'
          ? `saga ${saga.order.id} completed: ${saga.done.join(', ')}`
          : `saga ${saga.order.id} fully compensated (${saga.failure}): ${saga.undone.join(', ')}`,
      );
    };

    const onStepResult = (saga: Saga, step: StepName, answer: StepReply): void => {
      if (nextStep(saga) !== step) return; // a late answer to a step already recorded
      append(
        answer.ok
          ? { order: saga.order, kind: 'step', step, ok: true }
          : { order: saga.order, kind: 'step', step, ok: false, reason: answer.reason ?? 'refused' },
      );
      if (!answer.ok)
        ctx.note(
          () => `saga ${saga.order.id}: ${step} was refused (${answer.reason}); compensating ${[...saga.done].reverse().join(', ') || 'nothing'}`,
          'key',
        );
      ctx.crashPoint('step-logged');
      advance(saga);
    };

    const onPlaceOrder = (from: NodeId, request: Request, order: Order): void => {
      const known = sagas.get(order.id);
      if (known !== undefined) return reply(ctx, from, request, { ok: true } satisfies StepReply); // a client retry: already accepted
      append({ order, kind: 'started' });
      ctx.crashPoint('saga-started');
      reply(ctx, from, request, { ok: true } satisfies StepReply);
      advance(sagas.get(order.id)!);
    };

    // Recovery: resume every saga the log shows unfinished — or, with no log, nothing.
    if (ctx.incarnation > 0) {
      let resumed = 0;
      for (const saga of sagas.values()) {
        const next = nextStep(saga);
        if (next !== 'completed' && next !== 'compensated') {
          advance(saga);
          resumed++;
        }
      }
      ctx.note(
        () =>
          config.durableLog
            ? `orchestrator restarts and reads its saga log: ${resumed === 1 ? 'one saga was' : `${resumed} sagas were`} paused mid-flight and ${resumed === 1 ? 'resumes' : 'resume'} where ${resumed === 1 ? 'it' : 'they'} stopped`
            : 'orchestrator restarts with an empty memory: every saga it was driving is orphaned, and no one will finish or compensate it',
        'key',
      );
    }

    return {
      onMessage(from, msg) {
        if (steps.onMessage(from, msg)) return;
        if (msg.type === 'request' && msg.body.op === 'place-order') onPlaceOrder(from, msg, msg.body.order);
      },
      onTimer(tag) {
        steps.onTimer(tag);
      },
    };
  };
}

function inMemoryLog(): SagaLog {
  const records: LogRecord[] = [];
  return { append: (record) => records.push(record), [Symbol.iterator]: () => records.values() };
}

function apply(sagas: Map<string, Saga>, r: LogRecord): void {
  if (r.kind === 'started') {
    if (!sagas.has(r.order.id)) sagas.set(r.order.id, { order: r.order, done: [], undone: [], failure: null });
    return;
  }
  const saga = sagas.get(r.order.id)!;
  if (STEPS[r.step].compensation) saga.undone.push(r.step);
  else if (r.ok) saga.done.push(r.step);
  else saga.failure = `${r.step} refused: ${r.reason}`;
}

/** The saga's next step; or how it ended when there is none. */
function nextStep(saga: Saga): StepName | Outcome {
  if (saga.failure === null) return FORWARD[saga.done.length] ?? 'completed';
  for (let i = saga.done.length - 1; i >= 0; i--) {
    const undo = COMPENSATION[saga.done[i]!];
    if (undo !== undefined && !saga.undone.includes(undo)) return undo;
  }
  return 'compensated';
}

/** Each step's idempotency key `<order>:<step>`, spelt once per order: the service looks every request's key up. */
const STEP_KEYS: Readonly<Record<StepName, (order: string) => string>> = {
  'create-order': perOrder('', ':create-order'),
  charge: perOrder('', ':charge'),
  reserve: perOrder('', ':reserve'),
  schedule: perOrder('', ':schedule'),
  'approve-order': perOrder('', ':approve-order'),
  release: perOrder('', ':release'),
  refund: perOrder('', ':refund'),
  'cancel-order': perOrder('', ':cancel-order'),
};
