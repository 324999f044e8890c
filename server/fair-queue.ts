/**
 * Start-time fair queuing (Goyal, Vin and Cheng, 1996) over clients: each queued job gets a
 * start tag — the later of the queue's virtual time and the finish tag of its client's
 * previous job — and a finish tag, start plus its cost. The job with the smallest start tag
 * goes first, and dispatching it moves the virtual time up to its start. A client that has
 * queued nothing for a while therefore starts at the current virtual time, level with every
 * backlogged client's next job, however many that client has waiting: each client gets its
 * turn, and turns are weighed by cost, so a client of heavy runs gets as much work done as
 * one of light runs, not as many runs. Ties go to the cheaper job, then to the earlier.
 *
 * `pick` takes a filter, so the dispatcher can ask for "a job this free thread may take".
 * Queues are short (admission bounds them), so a linear scan is the honest data structure.
 */

export interface QueuedJob {
  readonly key: string;
  /** Estimated cost (trace events); at least 1 is charged. */
  readonly cost: number;
}

interface Entry<T> {
  job: T;
  start: number;
  finish: number;
  seq: number;
}

export class FairQueue<T extends QueuedJob> {
  private virtualTime = 0;
  private readonly lastFinish = new Map<string, number>();
  private entries: Entry<T>[] = [];
  private seq = 0;
  private requeued = 0;

  get size(): number {
    return this.entries.length;
  }

  push(job: T): void {
    if (!(job.cost >= 0)) throw new Error(`FairQueue.push: cost must be a number >= 0, got ${job.cost}`);
    const start = Math.max(this.virtualTime, this.lastFinish.get(job.key) ?? 0);
    const finish = start + Math.max(1, job.cost);
    this.lastFinish.set(job.key, finish);
    this.entries.push({ job, start, finish, seq: this.seq++ });
  }

  /**
   * Puts back a job that was taken and could not finish (admission moves an overrun light
   * run to the heavy lane): at the current virtual time, ahead of its client's later jobs.
   */
  requeue(job: T): void {
    const start = this.virtualTime;
    this.entries.push({ job, start, finish: start + Math.max(1, job.cost), seq: -++this.requeued });
  }

  /** Removes and returns the first job in fair order that `eligible` accepts, or undefined. */
  pick(eligible: (job: T) => boolean = () => true): T | undefined {
    let best: Entry<T> | null = null;
    let at = -1;
    this.entries.forEach((e, i) => {
      if (!eligible(e.job)) return;
      if (
        best === null ||
        e.start < best.start ||
        (e.start === best.start && (e.job.cost < best.job.cost || (e.job.cost === best.job.cost && e.seq < best.seq)))
      ) {
        best = e;
        at = i;
      }
    });
    if (best === null) return undefined;
    this.entries.splice(at, 1);
    this.virtualTime = Math.max(this.virtualTime, (best as Entry<T>).start);
    this.forgetIdle();
    return (best as Entry<T>).job;
  }

  /** Takes a job out of the queue; false when it was not queued. */
  remove(job: T): boolean {
    const i = this.entries.findIndex((e) => e.job === job);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }

  /** The queued jobs, in the order they arrived. */
  jobs(): T[] {
    return this.entries.map((e) => e.job);
  }

  /** A client with nothing queued and a finish tag behind the virtual time would start at the virtual time anyway. */
  private forgetIdle(): void {
    if (this.lastFinish.size <= this.entries.length + 64) return;
    const queued = new Set(this.entries.map((e) => e.job.key));
    for (const [key, finish] of this.lastFinish) if (!queued.has(key) && finish <= this.virtualTime) this.lastFinish.delete(key);
  }
}
