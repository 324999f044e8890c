/**
 * Runs being computed, streamed while they run. `POST /api/runs` with `Prefer:
 * respond-async` submits the run to admission as usual (the same lanes, bounds and answers)
 * and, once admitted, answers 202 with the run's preview at once; the run's events arrive
 * here batch by batch from its worker thread (run-pool.ts), and stream sessions play what has
 * been computed so far. When the run is complete it goes into the run store like any other
 * (its sessions switch to the stored run: the same events) and leaves this registry; a run
 * that fails keeps what it computed and its error, for the sessions that open it, until
 * newer runs push it out.
 */
import { randomUUID } from 'node:crypto';
import { type EventBatch, previewRun, type RunPreview, type RunSummary, type RunTask } from '../wire/index.ts';
import type { Admission } from './admission.ts';
import { RunError } from './run-pool.ts';
import type { RunStore } from './run-store.ts';

/** One run being computed: its preview, the events computed so far, and how it ended. */
export class LiveRun {
  private readonly batches: EventBatch[] = [];
  private readonly listeners = new Set<() => void>();
  private timeCol = new Float64Array(4096);
  /** Trace events computed so far. */
  count = 0;
  /** Set when the run is complete (and stored). */
  summary: RunSummary | null = null;
  /** Why the run failed, when it did. */
  error: string | null = null;

  constructor(
    readonly id: string,
    readonly preview: RunPreview,
  ) {}

  /** The time of each event computed so far (the first `count` entries). */
  get times(): Float64Array {
    return this.timeCol;
  }

  /** No event yet: the run waits for a thread (or has just started). */
  get queued(): boolean {
    return this.count === 0 && this.summary === null && this.error === null;
  }

  get done(): boolean {
    return this.summary !== null || this.error !== null;
  }

  /** The time of the last event computed (0 before the first). */
  get frontierMs(): number {
    return this.count === 0 ? 0 : this.timeCol[this.count - 1]!;
  }

  /**
   * Takes a batch from the worker. A run that admission moves from the light lane to the
   * heavy one starts again from its first event: batches already held are skipped (the run
   * is deterministic, and cut into the same batches).
   */
  append(batch: EventBatch): void {
    if (this.done) return;
    const n = batch.times.length;
    if (batch.from + n <= this.count) return;
    if (batch.from !== this.count) throw new Error(`live run ${this.id}: a batch starts at event ${batch.from}, ${this.count} are held`);
    if (this.count + n > this.timeCol.length) {
      const grown = new Float64Array(Math.max(this.timeCol.length * 2, this.count + n));
      grown.set(this.timeCol.subarray(0, this.count));
      this.timeCol = grown;
    }
    this.timeCol.set(batch.times, this.count);
    this.batches.push(batch);
    this.count += n;
    this.notify();
  }

  /**
   * Events `from` .. `to - 1` as their JSON joined by ',' — at most up to the end of the
   * batch that holds `from`, the last one due (time <= tMs), and about `bytesMax` of text.
   */
  slice(from: number, tMs: number, bytesMax: number): { to: number; text: string } | null {
    if (from >= this.count || this.timeCol[from]! > tMs) return null;
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.batches[mid]!.from <= from) lo = mid;
      else hi = mid - 1;
    }
    const batch = this.batches[lo]!;
    const first = from - batch.from;
    const n = batch.times.length;
    let last = first + 1;
    const start = batch.offsets[first]!;
    while (last < n && batch.times[last]! <= tMs && batch.offsets[last + 1]! - start <= bytesMax) last++;
    return { to: batch.from + last, text: batch.json.slice(start, batch.offsets[last]! - 1) };
  }

  /** Calls `listener` whenever events arrive or the run ends; returns the unsubscription. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  finish(summary: RunSummary): void {
    this.summary = summary;
    this.notify();
  }

  fail(message: string): void {
    this.error = message;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Failed runs kept for sessions that open them late (the newest ones). */
const FAILED_KEPT = 16;

/** The runs being computed (and the last few that failed), by id. */
export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();

  get(id: string): LiveRun | undefined {
    return this.runs.get(id);
  }

  /** Runs computing now. */
  get computing(): number {
    let n = 0;
    for (const run of this.runs.values()) if (!run.done) n++;
    return n;
  }

  /**
   * Submits a validated task to admission for client `key` and returns its preview (with the
   * run's id) once admission has taken it. Rejects with admission's own RunError (429, 503)
   * when it refuses the run at once; a later failure (a bound, a timeout, a dropped queued
   * run) ends the live run with that error instead.
   */
  async submit(admission: Admission, store: RunStore, key: string, signature: string, task: Omit<RunTask, 'traceEventsMax'>): Promise<RunPreview> {
    const id = randomUUID();
    const run = new LiveRun(id, { ...previewRun(task), id });
    const output = admission.submit(key, signature, { ...task, onBatch: (batch) => run.append(batch) });
    // Refused at once (429, or 503 for the newcomer itself): nothing was started.
    const admitted = Symbol('admitted');
    if ((await Promise.race([output, Promise.resolve(admitted)])) !== admitted) throw new Error('admission answered before the run ran');
    this.runs.set(id, run);
    output.then(
      (result) => {
        const stored = store.add(id, result);
        this.runs.delete(id);
        run.finish(stored.summary);
      },
      (error: unknown) => {
        run.fail(error instanceof RunError ? error.message : `the run failed: ${(error as Error).message}`);
        this.forgetOldFailures();
      },
    );
    return run.preview;
  }

  private forgetOldFailures(): void {
    const failed = [...this.runs.values()].filter((r) => r.error !== null);
    for (const run of failed.slice(0, Math.max(0, failed.length - FAILED_KEPT))) this.runs.delete(run.id);
  }
}
