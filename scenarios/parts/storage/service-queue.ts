/**
 * ServiceQueue: one server working through a FIFO queue of jobs, each taking its own service
 * time. It is what gives a shard, a replica or a database a capacity: offered load below
 * 1/serviceMs keeps the backlog short; above it the backlog (and every job's wait) grows
 * without bound. The queue lives in the node's memory, so a crash drops every queued job,
 * as it drops a real server's in-flight requests.
 *
 * The owner forwards its timers: `onTimer(tag)` returns true when the tag was the queue's.
 */
import { assert, type NodeContext } from '../../../engine/index.ts';

const TAG = 'service-queue:done';

/** The tag of the queue's own timer: a node that owns a queue lists it among its timer tags. */
export type ServiceQueueTimer = typeof TAG;

interface Job<J> {
  job: J;
  serviceMs: number;
  enqueuedAt: number;
}

export class ServiceQueue<J> {
  private readonly jobs: Job<J>[] = [];
  private head = 0;
  private busy = false;
  /** Jobs finished so far by this incarnation. */
  served = 0;
  /** Time spent serving, in ms. */
  busyMs = 0;

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: any message type; the queue only sets timers.
    private readonly ctx: NodeContext<any>,
    /** Called when a job's service ends, with how long it waited in the queue before service began. */
    private readonly onDone: (job: J, waitedMs: number) => void,
  ) {}

  /** Jobs waiting or in service. */
  get backlog(): number {
    return this.jobs.length - this.head;
  }

  enqueue(job: J, serviceMs: number): void {
    assert(Number.isFinite(serviceMs) && serviceMs >= 0, 'serviceMs is a finite, non-negative number');
    this.jobs.push({ job, serviceMs, enqueuedAt: this.ctx.now });
    if (!this.busy) this.startNext();
  }

  /** Handles the queue's own timer; false for any other tag. */
  onTimer(tag: unknown): boolean {
    if (tag !== TAG) return false;
    const done = this.jobs[this.head]!;
    this.head++;
    this.served++;
    this.busyMs += done.serviceMs;
    if (this.head > 1024 && this.head * 2 > this.jobs.length) {
      this.jobs.splice(0, this.head);
      this.head = 0;
    }
    this.busy = false;
    this.onDone(done.job, this.ctx.now - done.enqueuedAt - done.serviceMs);
    if (!this.busy && this.backlog > 0) this.startNext();
    return true;
  }

  private startNext(): void {
    this.busy = true;
    this.ctx.setTimer(this.jobs[this.head]!.serviceMs, TAG);
  }
}
