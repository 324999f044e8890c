/**
 * Writes a run's trace to a file as the run goes (the run is synchronous, so writes are
 * synchronous too, buffered in 256 KB blocks). Two formats:
 *  - `ndjson`: every trace event as one JSON object per line, exactly as the engine's typed
 *    `TraceEvent` (the one interface every reader shares);
 *  - `shiviz`: a log ShiViz reads (see shiviz.ts).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TraceEvent } from '../engine/index.ts';
import { ShivizLog } from './shiviz.ts';

export const TRACE_FORMATS = ['ndjson', 'shiviz'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

const BLOCK_CHARS = 256 * 1024;

export class TraceFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private readonly shiviz: ShivizLog | null;
  /** Lines written (events for ndjson; log entries for shiviz). */
  lines = 0;

  constructor(
    readonly path: string,
    readonly format: TraceFormat,
  ) {
    this.fd = openSync(path, 'w');
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

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= BLOCK_CHARS) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.bufferedChars = 0;
  }
}
