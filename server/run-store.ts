/**
 * Finished runs, kept in memory so pages can stream and seek them, bounded by count and by
 * bytes: the least recently used run is dropped first. A run's events are one string (see
 * run-task.ts), so its cost is that string plus two number arrays.
 *
 * Every run in memory is counted, including those a stream session is playing: a session
 * `hold`s its runs, a held run stays in the store (and in its byte count) and is dropped only
 * after every run nobody holds, and when even a held run must go to make room, its holders
 * are told (`onEvict`) and close their sessions with a reason. So the store's figure is the
 * memory runs really take — an idle page can no longer keep a dropped run alive unseen.
 */
import type { RunOutput, RunSummary } from '../wire/index.ts';
import { LiveRuns } from './live-run.ts';

export interface StoredRun {
  readonly id: string;
  readonly summary: RunSummary;
  readonly json: string;
  readonly offsets: Float64Array;
  readonly times: Float64Array;
  readonly bytes: number;
}

export interface RunStoreOptions {
  /** At most this many runs (default 64). */
  runsMax?: number;
  /** At most this many bytes of events in all, held runs included (default 256 MB). */
  bytesMax?: number;
}

export class RunStore {
  private readonly runs = new Map<string, StoredRun>();
  private readonly holds = new Map<string, number>();
  private readonly evictListeners: ((run: StoredRun) => void)[] = [];
  private bytes = 0;
  /** Runs being computed, streamed while they run (they are added here once complete). */
  readonly live = new LiveRuns();
  private readonly runsMax: number;
  readonly bytesMax: number;

  constructor(options: RunStoreOptions = {}) {
    this.runsMax = options.runsMax ?? 64;
    this.bytesMax = options.bytesMax ?? 256 * 1024 * 1024;
  }

  add(id: string, output: RunOutput): StoredRun {
    const bytes = output.json.length * 2 + output.offsets.byteLength + output.times.byteLength;
    const run: StoredRun = { id, summary: { ...output.summary, id }, json: output.json, offsets: output.offsets, times: output.times, bytes };
    this.runs.set(id, run);
    this.bytes += bytes;
    this.evictOver(id, false);
    this.evictOver(id, true);
    return run;
  }

  /** The run, marked as recently used. */
  get(id: string): StoredRun | undefined {
    const run = this.runs.get(id);
    if (run !== undefined) {
      this.runs.delete(id);
      this.runs.set(id, run);
    }
    return run;
  }

  /** Marks a stored run as played by a session; call the returned function when done with it. */
  hold(run: StoredRun): () => void {
    if (this.runs.get(run.id) !== run) throw new Error(`RunStore.hold: run ${run.id} is not in the store`);
    this.holds.set(run.id, (this.holds.get(run.id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.holds.get(run.id) ?? 1) - 1;
      if (n <= 0) this.holds.delete(run.id);
      else this.holds.set(run.id, n);
    };
  }

  /** Called with each held run the store has to drop (its sessions must let go of it). */
  onEvict(listener: (run: StoredRun) => void): void {
    this.evictListeners.push(listener);
  }

  get size(): number {
    return this.runs.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Runs some session is playing. */
  get heldRuns(): number {
    return this.holds.size;
  }

  /** Drops least recently used runs (held ones only when `held`) until within bounds; never `keep`. */
  private evictOver(keep: string, held: boolean): void {
    for (const [id, run] of [...this.runs]) {
      if (this.runs.size <= 1 || (this.runs.size <= this.runsMax && this.bytes <= this.bytesMax)) return;
      if (id === keep || this.holds.has(id) !== held) continue;
      this.runs.delete(id);
      this.bytes -= run.bytes;
      if (held) {
        this.holds.delete(id);
        for (const listener of this.evictListeners) listener(run);
      }
    }
  }
}
