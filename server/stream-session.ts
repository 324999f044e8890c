/**
 * A stream session: one page's playback of one or two finished runs on one simulated-time
 * playhead. The session sends every event with time <= playhead, in batches sliced straight
 * from the stored run (no re-serialization), and answers play, pause, step, speed and seek.
 *
 * Flow control: nothing is written while the channel's buffered amount is at or above the
 * high-water mark, and a playing playhead does not advance meanwhile. A page that reads
 * slowly therefore slows its own stream, and the server keeps at most one high-water mark
 * plus one batch per session in memory. The session never throws: bad input is the
 * endpoint's business, and a vanished run becomes an error frame.
 *
 * The runs a session plays are held in the store (`hold`) until it opens others or closes,
 * so the store counts them; a held run the store must drop ends the session (the endpoint
 * closes it, saying why).
 */
import type { ClientFrame, CursorFrame, Divergence, ReadyFrame } from '../wire/index.ts';
import { firstDivergence } from '../wire/index.ts';
import type { StoredRun } from './run-store.ts';

/** What the session writes to: a ws WebSocket satisfies it. */
export interface Channel {
  send(text: string): void;
  readonly bufferedAmount: number;
}

export interface SessionOptions {
  /** Stop writing while this many bytes are buffered (default 512 KiB). */
  highWaterBytes?: number;
  /** At most this many bytes of events per frame (default 128 KiB). */
  batchBytes?: number;
  /** Pump period while playing or waiting for the buffer to drain (default 33 ms). */
  tickMs?: number;
  /** Wall clock in ms (injected for tests). */
  now?: () => number;
  /** Finds a stored run. */
  lookup: (id: string) => StoredRun | undefined;
  /** Marks a run as played by this session; returns the release. */
  hold?: (run: StoredRun) => () => void;
  /** Caches divergences between pairs of runs. */
  divergence?: (a: StoredRun, b: StoredRun) => Divergence | null;
}

/** Plays a whole run in this many wall-clock seconds unless told otherwise. */
const DEFAULT_PLAY_SECONDS = 20;

export class StreamSession {
  private runs: StoredRun[] = [];
  private sent: number[] = [];
  private playheadMs = 0;
  private endMs = 0;
  private playing = false;
  private simMsPerSec = 1;
  private lastWallMs = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastCursor = '';
  private closed = false;
  private blocked = false;
  private releases: (() => void)[] = [];
  private readonly highWaterBytes: number;
  private readonly batchBytes: number;
  private readonly tickMs: number;
  private readonly now: () => number;

  constructor(
    private readonly channel: Channel,
    private readonly options: SessionOptions,
  ) {
    this.highWaterBytes = options.highWaterBytes ?? 512 * 1024;
    this.batchBytes = options.batchBytes ?? 128 * 1024;
    this.tickMs = options.tickMs ?? 33;
    this.now = options.now ?? (() => performance.now());
  }

  /** Applies one validated frame. Returns an error message for the page, or null. */
  handle(frame: ClientFrame): string | null {
    if (this.closed) return null;
    if (frame.type === 'open') return this.open(frame.runs);
    if (this.runs.length === 0) return `open a run first: send {"type":"open","runs":["<run id>"]} with an id from POST /api/runs`;
    this.advance();
    switch (frame.type) {
      case 'play':
        if (this.playheadMs >= this.endMs) this.playheadMs = 0;
        this.playing = true;
        break;
      case 'pause':
        this.playing = false;
        break;
      case 'step':
        this.playing = false;
        this.playheadMs = this.nextEventTime();
        break;
      case 'speed':
        this.simMsPerSec = frame.simMsPerSec;
        break;
      case 'seek':
        this.playheadMs = Math.min(frame.t, this.endMs);
        break;
    }
    this.pump();
    return null;
  }

  /** True while events are due but the page has not read what it was sent. */
  get waiting(): boolean {
    return this.blocked;
  }

  /** True when the session is playing the run `id`. */
  plays(id: string): boolean {
    return this.runs.some((r) => r.id === id);
  }

  /** Stops the pump and lets go of the runs; the session writes nothing more. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.runs = [];
    this.release();
  }

  private release(): void {
    for (const release of this.releases.splice(0)) release();
  }

  private open(ids: readonly string[]): string | null {
    const runs: StoredRun[] = [];
    for (const id of ids) {
      const run = this.options.lookup(id);
      if (run === undefined) return `unknown run '${id}': it never existed or has expired; start it again with POST /api/runs`;
      runs.push(run);
    }
    this.release();
    this.releases = runs.map((r) => this.options.hold?.(r) ?? (() => {}));
    this.runs = runs;
    this.sent = runs.map(() => 0);
    this.endMs = runs.reduce((m, r) => Math.max(m, r.summary.simTimeMs), 0);
    this.playheadMs = 0;
    this.playing = false;
    this.simMsPerSec = Math.max(1, this.endMs / DEFAULT_PLAY_SECONDS);
    this.lastWallMs = this.now();
    this.lastCursor = '';
    const divergence = runs.length === 2 ? (this.options.divergence ?? firstDivergence)(runs[0]!, runs[1]!) : null;
    const ready: ReadyFrame = { type: 'ready', runs: runs.map((r) => r.summary), endMs: this.endMs, divergence };
    this.channel.send(JSON.stringify(ready));
    this.pump();
    return null;
  }

  /** Moves the playhead by the wall-clock time since the last look, at the current speed; a page that is behind holds it. */
  private advance(): void {
    const now = this.now();
    if (this.playing && !this.blocked) this.playheadMs = Math.min(this.endMs, this.playheadMs + ((now - this.lastWallMs) * this.simMsPerSec) / 1000);
    this.lastWallMs = now;
  }

  private nextEventTime(): number {
    let next = this.endMs;
    for (const run of this.runs) {
      const i = upperBound(run.times, this.playheadMs);
      if (i < run.times.length) next = Math.min(next, run.times[i]!);
    }
    return next;
  }

  private pump(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.closed || this.runs.length === 0) return;
    this.advance();
    const blocked = this.sendDue();
    this.blocked = blocked;
    // While the page is behind, nothing more is written (not even the cursor) and the playhead waits.
    if (!blocked) {
      if (this.playing && this.playheadMs >= this.endMs) this.playing = false;
      this.sendCursor();
    }
    if (this.playing || blocked) this.timer = setTimeout(() => this.pump(), this.tickMs);
  }

  /** Sends due events while the buffer allows; true when some are still due. */
  private sendDue(): boolean {
    for (;;) {
      let r = -1;
      let earliest = Number.POSITIVE_INFINITY;
      this.runs.forEach((run, i) => {
        const next = this.sent[i]!;
        if (next < run.times.length && run.times[next]! <= this.playheadMs && run.times[next]! < earliest) {
          earliest = run.times[next]!;
          r = i;
        }
      });
      if (r < 0) return false;
      if (this.channel.bufferedAmount >= this.highWaterBytes) return true;
      const run = this.runs[r]!;
      const from = this.sent[r]!;
      const due = upperBound(run.times, this.playheadMs);
      const cap = upperBound(run.offsets, run.offsets[from]! + this.batchBytes) - 1;
      const to = Math.max(from + 1, Math.min(due, cap));
      const events = run.json.slice(run.offsets[from]!, run.offsets[to]! - 1);
      this.channel.send(`{"type":"events","run":${r},"from":${from},"events":[${events}]}`);
      this.sent[r] = to;
    }
  }

  private sendCursor(): void {
    const done = this.playheadMs >= this.endMs && this.runs.every((run, i) => this.sent[i] === run.times.length);
    const frame: CursorFrame = { type: 'cursor', t: this.playheadMs, playing: this.playing, simMsPerSec: this.simMsPerSec, sent: [...this.sent], done };
    const text = JSON.stringify(frame);
    if (text === this.lastCursor) return;
    this.lastCursor = text;
    this.channel.send(text);
  }
}

/** The first index whose value is greater than x (values ascending). */
export function upperBound(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
