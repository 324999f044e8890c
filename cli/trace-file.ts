/**
 * Writes a run's trace to a file as the run goes (the run is synchronous, so writes are
 * synchronous too, buffered in 256 KB blocks). Two formats:
 *  - `ndjson`: every trace event as one JSON object per line, exactly as the engine's typed
 *    `TraceEvent` (the one interface every reader shares), then one end record;
 *  - `shiviz`: a log ShiViz reads (see shiviz.ts), then one end entry.
 *
 * Nothing half-written: the file is an AtomicFile, so it appears under its name only once
 * the run has finished and the end record is written; a run killed, stopped by a bound or
 * failing leaves the old file (or none). The end record makes a complete trace
 * recognizable wherever it is copied or streamed:
 *  - ndjson, last line: `{"type":"trace-end","t":<simulated ms at the end>,"events":<event
 *    lines before it>,"traceHash":"<the run's trace hash>"}` (no TraceEvent has that type);
 *  - shiviz, last entry, on a lane of its own:
 *    `trace-end {"trace-end":1} [t=<ms> ms] end of trace: <n> entries, trace hash <hash>`.
 * A trace without it was cut short.
 */
import type { TraceEvent } from '../engine/index.ts';
import { AtomicFile } from './atomic-file.ts';
import { ShivizLog } from './shiviz.ts';

export const TRACE_FORMATS = ['ndjson', 'shiviz'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** The `type` of the last line of an ndjson trace. */
export const TRACE_END = 'trace-end';

/** What the end record says about the run. */
export interface TraceEnd {
  /** Simulated time at the end of the run, in ms. */
  t: number;
  traceHash: string;
}

const BLOCK_CHARS = 256 * 1024;

export class TraceFile {
  private readonly file: AtomicFile;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private readonly shiviz: ShivizLog | null;
  /** Lines written (events for ndjson; log entries for shiviz), the end record not counted. */
  lines = 0;

  constructor(
    readonly path: string,
    readonly format: TraceFormat,
  ) {
    this.file = AtomicFile.open(path, 'the trace');
    this.shiviz = format === 'shiviz' ? new ShivizLog() : null;
    if (this.shiviz !== null) for (const line of this.shiviz.header()) this.push(line);
  }

  write(event: TraceEvent): void {
    if (this.shiviz === null) {
      this.push(JSON.stringify(event));
      this.lines++;
      return;
    }
    const line = this.shiviz.entry(event);
    if (line !== null) {
      this.push(line);
      this.lines++;
    }
  }

  /** Writes the end record and puts the file in place. */
  finish(end: TraceEnd): void {
    if (this.shiviz === null) this.push(JSON.stringify({ type: TRACE_END, t: end.t, events: this.lines, traceHash: end.traceHash }));
    else this.push(`${TRACE_END} {"${TRACE_END}":1} [t=${end.t.toFixed(3)} ms] end of trace: ${this.lines} entries, trace hash ${end.traceHash}`);
    this.flush();
    this.file.commit();
  }

  /** Drops what was written; the target is left as it was. */
  abort(): void {
    this.buffer = [];
    this.file.abort();
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= BLOCK_CHARS) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    this.bufferedChars = 0;
    this.file.write(text);
  }
}
