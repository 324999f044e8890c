/**
 * Finished runs, kept in memory so pages can stream and seek them, bounded by count and by
 * bytes: the least recently used run is dropped first. A run's events are one string (see
 * run-task.ts), so its cost is that string plus two number arrays.
 */
import type { RunOutput, RunSummary } from '../wire/index.ts';

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
  /** At most this many bytes of events in all (default 256 MB). */
  bytesMax?: number;
}

export class RunStore {
  private readonly runs = new Map<string, StoredRun>();
  private bytes = 0;
  private readonly runsMax: number;
  private readonly bytesMax: number;

  constructor(options: RunStoreOptions = {}) {
    this.runsMax = options.runsMax ?? 64;
    this.bytesMax = options.bytesMax ?? 256 * 1024 * 1024;
  }

  add(id: string, output: RunOutput): StoredRun {
    const bytes = output.json.length * 2 + output.offsets.byteLength + output.times.byteLength;
    const run: StoredRun = { id, summary: { ...output.summary, id }, json: output.json, offsets: output.offsets, times: output.times, bytes };
    this.runs.set(id, run);
    this.bytes += bytes;
    for (const [oldId, old] of this.runs) {
      if (this.runs.size <= 1 || (this.runs.size <= this.runsMax && this.bytes <= this.bytesMax)) break;
      if (oldId === id) continue;
      this.runs.delete(oldId);
      this.bytes -= old.bytes;
    }
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

  get size(): number {
    return this.runs.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}
