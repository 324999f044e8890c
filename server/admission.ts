/**
 * Fair admission of runs: which runs the server takes, in which order it runs them, and what
 * it says at once when it cannot.
 *
 * **Cost.** Every run is charged its estimated size in trace events (the server's per-run
 * bound caps it): the figure a run with the same scenario, strategy and parameters made
 * before (cost-book.ts). A run never seen is charged the light budget.
 *
 * **Two lanes** (a two-level feedback queue, as operating systems schedule jobs of unknown
 * length). The pool has one thread more than heavy runs may use: runs known to be light, and
 * runs not known at all, may take any free thread; heavy runs never the last one. A light
 * run runs on a small budget (`lightEventsMax` trace events, `lightTimeoutMs`); one that
 * overruns it is stopped, learned to be heavy, and queued again as heavy with its full
 * budget — it loses at most the light budget, and everything with the same parameters,
 * queued or still to come, is known from then on (queued runs are re-priced at once, so a
 * flood of one heavy request turns into heavy-lane work, or 503s, after its first attempt).
 * Runs of unknown cost with the same signature are tried one at a time: the others wait for
 * the verdict instead of taking every thread for attempts that will all overrun. So a small
 * run is never stuck behind heavy ones, whoever floods.
 *
 * **Fair order.** Queued runs are taken by start-time fair queuing over client keys
 * (fair-queue.ts, client-key.ts), weighed by cost.
 *
 * **Bounds.** At most `runsMax` runs and `costMax` trace events queued and running, and per
 * client `clientRunsMax` and `clientCostMax`: a client over its own share gets 429, and when
 * the server is full the newest queued run of the client holding the most is dropped with
 * 503 (longest-queue drop) — which is the newcomer itself when it is that client. Both carry
 * `Retry-After`: the queued work ahead over the recent throughput. Nothing waits to be told no.
 *
 * **Timeouts** count execution only: a run's budget starts when a thread takes it, so time
 * in the queue never times a run out.
 */
import type { RunOutput, RunTask } from '../wire/index.ts';
import type { CostBook } from './cost-book.ts';
import { FairQueue } from './fair-queue.ts';
import { RunError } from './run-pool.ts';

export interface AdmissionOptions {
  /** Threads heavy runs may use; the pool must have one more (default 2). */
  heavySlots?: number;
  /** Trace events queued and running, all clients (default 8,000,000: at ~100,000 events/s per thread, about 40 s of work for two threads). */
  costMax?: number;
  /** Runs queued and running, all clients (default 256). */
  runsMax?: number;
  /** Trace events queued and running for one client (default: half of costMax). */
  clientCostMax?: number;
  /** Runs queued and running for one client (default 16). */
  clientRunsMax?: number;
  /** Budget of a run in the light lane, in trace events (default 50,000). */
  lightEventsMax?: number;
  /** Wall-clock budget of a run in the light lane, a thread's cold start included (default 15 s). */
  lightTimeoutMs?: number;
  /** Wall-clock budget of a run in the heavy lane (default 60 s). */
  runTimeoutMs?: number;
  /** The server's bound on one run's trace events (default 1,000,000). */
  traceEventsMax?: number;
}

/** How a job is run: its trace-event bound and its wall-clock budget from the moment a thread takes it. */
export interface RunBudget {
  traceEventsMax: number;
  timeoutMs: number;
}

export type Execute = (task: RunTask, budget: RunBudget) => Promise<RunOutput>;

type Lane = 'light' | 'heavy';

interface Job {
  readonly key: string;
  readonly signature: string;
  readonly task: Omit<RunTask, 'traceEventsMax'>;
  cost: number;
  lane: Lane;
  /** Whether the cost is known (learned), not the light budget assumed for a run never seen. */
  known: boolean;
  state: 'queued' | 'running' | 'done';
  resolve: (output: RunOutput) => void;
  reject: (error: RunError) => void;
}

interface Usage {
  runs: number;
  cost: number;
}

/** Trace events per second one thread gets through, before any run has been measured. */
const INITIAL_EVENTS_PER_SEC = 100_000;
const RETRY_AFTER_SEC_MAX = 120;

export class Admission {
  private readonly queue = new FairQueue<Job>();
  private readonly running = new Set<Job>();
  private readonly usage = new Map<string, Usage>();
  private total: Usage = { runs: 0, cost: 0 };
  private heavyRunning = 0;
  private eventsPerSecPerThread = INITIAL_EVENTS_PER_SEC;
  private readonly o: Required<AdmissionOptions>;
  /** Runs refused (429 or 503) and light runs moved to the heavy lane, since the start. */
  readonly counts = { refused: 0, droppedFromQueue: 0, demoted: 0 };

  constructor(
    private readonly execute: Execute,
    private readonly book: CostBook,
    options: AdmissionOptions = {},
  ) {
    const costMax = options.costMax ?? 8_000_000;
    this.o = {
      heavySlots: 2,
      costMax,
      runsMax: 256,
      clientCostMax: Math.floor(costMax / 2),
      clientRunsMax: 16,
      lightEventsMax: 50_000,
      lightTimeoutMs: 15_000,
      runTimeoutMs: 60_000,
      traceEventsMax: 1_000_000,
      ...options,
    };
    if (!(this.o.heavySlots >= 1)) throw new Error(`Admission: heavySlots must be at least 1, got ${this.o.heavySlots}`);
    if (!(this.o.costMax >= this.o.traceEventsMax)) throw new Error('Admission: costMax must admit one run of the largest size');
  }

  /** Threads the pool needs: the heavy slots and the light lane's own. */
  get threads(): number {
    return this.o.heavySlots + 1;
  }

  /** Queued and running runs, and their estimated cost in trace events. */
  get load(): { queued: number; running: number; costQueued: number; costRunning: number } {
    let costRunning = 0;
    for (const job of this.running) costRunning += job.cost;
    return { queued: this.queue.size, running: this.running.size, costQueued: this.total.cost - costRunning, costRunning };
  }

  /**
   * Runs `task` for client `key` when its turn comes. Rejects with a RunError: 429 or 503
   * with `retryAfterSec` at once when the client or the server is full, or the run's own
   * outcome (422 too many events, 503 timeout...). `signal` withdraws a queued run (the
   * client went away).
   */
  submit(key: string, signature: string, task: Omit<RunTask, 'traceEventsMax'>, signal?: AbortSignal): Promise<RunOutput> {
    const known = this.book.estimate(signature);
    const lane: Lane = known === undefined || known <= this.o.lightEventsMax ? 'light' : 'heavy';
    const cost = Math.min(this.o.traceEventsMax, Math.max(1, known ?? this.o.lightEventsMax));
    const mine = this.usage.get(key) ?? { runs: 0, cost: 0 };
    if (mine.runs + 1 > this.o.clientRunsMax || mine.cost + cost > this.o.clientCostMax) {
      this.counts.refused++;
      return Promise.reject(
        new RunError(
          429,
          'too-many-runs',
          `this client already has ${mine.runs} runs queued or running (about ${fmt(mine.cost)} trace events); the limits per client are ${this.o.clientRunsMax} runs and ${fmt(this.o.clientCostMax)} events: wait for one to finish`,
          this.retryAfterSec(),
        ),
      );
    }
    return new Promise<RunOutput>((resolve, reject) => {
      const job: Job = { key, signature, task, cost, lane, known: known !== undefined, state: 'queued', resolve, reject };
      this.charge(job, +1);
      this.queue.push(job);
      signal?.addEventListener('abort', () => this.withdraw(job), { once: true });
      this.enforceBounds();
      this.pump();
    });
  }

  /** Starts queued runs while threads are free. */
  private pump(): void {
    while (this.running.size < this.threads) {
      const job = this.queue.pick((j) => (j.lane === 'light' ? j.known || !this.trying(j.signature) : this.heavyRunning < this.o.heavySlots));
      if (job === undefined) return;
      this.start(job);
    }
  }

  /** True while a run of unknown cost with this signature is being tried on the light lane. */
  private trying(signature: string): boolean {
    for (const job of this.running) if (!job.known && job.lane === 'light' && job.signature === signature) return true;
    return false;
  }

  private start(job: Job): void {
    job.state = 'running';
    this.running.add(job);
    if (job.lane === 'heavy') this.heavyRunning++;
    const light = job.lane === 'light';
    const budget: RunBudget = light
      ? { traceEventsMax: Math.min(this.o.lightEventsMax, this.o.traceEventsMax), timeoutMs: this.o.lightTimeoutMs }
      : { traceEventsMax: this.o.traceEventsMax, timeoutMs: this.o.runTimeoutMs };
    const startedMs = performance.now();
    this.execute({ ...job.task, traceEventsMax: budget.traceEventsMax }, budget).then(
      (output) => {
        this.finish(job);
        this.measure(output.summary.traceEvents, performance.now() - startedMs);
        this.learn(job.signature, output.summary.traceEvents);
        job.resolve(output);
        this.pump();
      },
      (error: unknown) => {
        this.finish(job);
        const overran = error instanceof RunError && (error.code === 'too-many-events' || error.code === 'run-timeout');
        if (overran) this.learn(job.signature, this.o.traceEventsMax);
        if (overran && light && budget.traceEventsMax < this.o.traceEventsMax) this.demote(job);
        else job.reject(error instanceof RunError ? error : new RunError(500, 'worker-failed', `the run's worker failed: ${(error as Error).message}`));
        this.pump();
      },
    );
  }

  /** Records a signature's cost and re-prices its queued runs (and re-checks the bounds, which a heavier price may break). */
  private learn(signature: string, traceEvents: number): void {
    this.book.learn(signature, traceEvents);
    const cost = Math.min(this.o.traceEventsMax, Math.max(1, traceEvents));
    const lane: Lane = cost <= this.o.lightEventsMax ? 'light' : 'heavy';
    for (const job of this.queue.jobs()) {
      if (job.signature !== signature) continue;
      job.known = true;
      if (job.cost === cost && job.lane === lane) continue;
      this.charge(job, -1);
      job.cost = cost;
      job.lane = lane;
      this.charge(job, +1);
    }
    this.enforceBounds();
  }

  /** A light run that overran its budget goes back to the queue as heavy, charged the largest size. */
  private demote(job: Job): void {
    this.counts.demoted++;
    job.lane = 'heavy';
    job.known = true;
    job.cost = this.o.traceEventsMax;
    job.state = 'queued';
    this.charge(job, +1);
    this.queue.requeue(job);
    this.enforceBounds();
  }

  private finish(job: Job): void {
    job.state = 'done';
    this.running.delete(job);
    if (job.lane === 'heavy') this.heavyRunning--;
    this.charge(job, -1);
  }

  /** While over a bound, drops the newest queued run of the client holding the most (503). */
  private enforceBounds(): void {
    while (this.total.runs > this.o.runsMax || this.total.cost > this.o.costMax) {
      const queued = this.queue.jobs();
      let victim: Job | undefined;
      let heaviest = -1;
      for (const job of queued) {
        const cost = this.usage.get(job.key)?.cost ?? 0;
        if (cost > heaviest || (cost === heaviest && victim !== undefined && job.key === victim.key)) {
          heaviest = cost;
          victim = job;
        }
      }
      if (victim === undefined) return;
      this.queue.remove(victim);
      victim.state = 'done';
      this.charge(victim, -1);
      this.counts.droppedFromQueue++;
      victim.reject(
        new RunError(
          503,
          'server-busy',
          `the server's run queue is full (${this.o.runsMax} runs or ${fmt(this.o.costMax)} trace events of work, queued and running) and this client holds the most of it; try again later`,
          this.retryAfterSec(),
        ),
      );
    }
  }

  /** A queued run whose client went away leaves the queue; a running one finishes. */
  private withdraw(job: Job): void {
    if (job.state !== 'queued' || !this.queue.remove(job)) return;
    job.state = 'done';
    this.charge(job, -1);
    job.reject(new RunError(499, 'withdrawn', 'the client closed the request before the run started'));
  }

  private charge(job: Job, sign: 1 | -1): void {
    const mine = this.usage.get(job.key) ?? { runs: 0, cost: 0 };
    mine.runs += sign;
    mine.cost += sign * job.cost;
    this.total = { runs: this.total.runs + sign, cost: this.total.cost + sign * job.cost };
    if (mine.runs === 0) this.usage.delete(job.key);
    else this.usage.set(job.key, mine);
  }

  /** Folds a finished run's speed into the throughput estimate (a moving average). */
  private measure(traceEvents: number, elapsedMs: number): void {
    if (traceEvents < 1_000 || elapsedMs <= 0) return;
    this.eventsPerSecPerThread = 0.8 * this.eventsPerSecPerThread + 0.2 * ((traceEvents * 1_000) / elapsedMs);
  }

  /** Seconds until the work queued now would be done, at the measured throughput. */
  private retryAfterSec(): number {
    const perSec = this.eventsPerSecPerThread * this.o.heavySlots;
    return Math.max(1, Math.min(RETRY_AFTER_SEC_MAX, Math.ceil(this.total.cost / perSec)));
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
