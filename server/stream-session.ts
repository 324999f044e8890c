/**
 * A stream session: one page's playback of one or two runs on one simulated-time playhead.
 * The session sends every event with time <= playhead, in batches sliced straight from the
 * stored run (no re-serialization), and answers play, pause, step, speed and seek.
 *
 * A run may still be computing (live-run.ts): the session then opens with a `preview` frame,
 * sends what has been computed as it arrives, with `progress` frames, and holds the playhead
 * at the last event computed (a video player buffering; a seek further on is followed as the
 * computation gets there); when every run is complete it
 * switches to the stored runs — the same events, so nothing is sent twice — and sends
 * `ready` with their summaries. A run that fails while computing gets an error frame; what it
 * computed stays playable.
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
import type { ClientFrame, CursorFrame, Divergence, PreviewFrame, ProgressFrame, ReadyFrame, RunPreview } from '../wire/index.ts';
import { firstDivergence } from '../wire/index.ts';
import type { LiveRun } from './live-run.ts';
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
  /** Finds a run still being computed (or one that failed while computing). */
  lookupLive?: (id: string) => LiveRun | undefined;
  /** Marks a run as played by this session; returns the release. */
  hold?: (run: StoredRun) => () => void;
  /** Caches divergences between pairs of runs. */
  divergence?: (a: StoredRun, b: StoredRun) => Divergence | null;
}

/** Plays a whole run in this many wall-clock seconds unless told otherwise. */
const DEFAULT_PLAY_SECONDS = 20;

/** What the session reads of a run, stored or still computing: the times and text of its events. */
interface Track {
  /** Times of the events held (the first `count`). */
  readonly times: ArrayLike<number>;
  readonly count: number;
  /** Events from `from` on that are due by `tMs`, about `bytesMax` of text at most (at least one); null when none is due. */
  slice(from: number, tMs: number, bytesMax: number): { to: number; text: string } | null;
}

function storedTrack(run: StoredRun): Track {
  const { times, offsets, json } = run;
  return {
    times,
    count: times.length,
    slice(from, tMs, bytesMax) {
      if (from >= times.length || times[from]! > tMs) return null;
      const due = upperBound(times, tMs);
      const cap = upperBound(offsets, offsets[from]! + bytesMax) - 1;
      const to = Math.max(from + 1, Math.min(due, cap));
      return { to, text: json.slice(offsets[from]!, offsets[to]! - 1) };
    },
  };
}

/** One run of the session: stored, or live until it is complete and stored. */
interface Slot {
  readonly id: string;
  stored: StoredRun | null;
  live: LiveRun | null;
  unsubscribe: () => void;
  /** The last progress frame sent for it ('' before the first). */
  lastProgress: string;
  errorSent: boolean;
}

/** The preview of a stored run (the same fields as its summary, its end the actual one). */
function previewOf(run: StoredRun): RunPreview {
  const s = run.summary;
  return {
    id: run.id,
    scenario: s.scenario,
    strategy: s.strategy,
    seed: s.seed,
    params: s.params,
    faults: s.faults,
    workloadMs: s.workloadMs,
    healAtMs: s.healAtMs,
    endMs: s.simTimeMs,
    topology: s.topology,
    charts: s.charts,
  };
}

export class StreamSession {
  private slots: Slot[] = [];
  private sent: number[] = [];
  private playheadMs = 0;
  /** A seek past what has been computed: the playhead follows the computation up to it. */
  private seekMs: number | null = null;
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
    if (this.slots.length === 0) return `open a run first: send {"type":"open","runs":["<run id>"]} with an id from POST /api/runs`;
    this.advance();
    if (frame.type !== 'speed') this.seekMs = null;
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
        this.playheadMs = Math.min(this.nextEventTime(), this.frontierMs());
        break;
      case 'speed':
        this.simMsPerSec = frame.simMsPerSec;
        break;
      case 'seek':
        this.playheadMs = Math.min(frame.t, this.endMs, this.frontierMs());
        if (this.playheadMs < Math.min(frame.t, this.endMs)) this.seekMs = frame.t;
        break;
    }
    this.pump();
    return null;
  }

  /** True while events are due but the page has not read what it was sent. */
  get waiting(): boolean {
    return this.blocked;
  }

  /** True when the session is playing the run `id` (a stored one: a live run is not in the store yet). */
  plays(id: string): boolean {
    return this.slots.some((s) => s.id === id && s.stored !== null);
  }

  /** Stops the pump and lets go of the runs; the session writes nothing more. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.drop();
  }

  private drop(): void {
    for (const slot of this.slots) slot.unsubscribe();
    this.slots = [];
    for (const release of this.releases.splice(0)) release();
  }

  private open(ids: readonly string[]): string | null {
    const slots: Slot[] = [];
    for (const id of ids) {
      const stored = this.options.lookup(id) ?? null;
      const live = stored === null ? (this.options.lookupLive?.(id) ?? null) : null;
      if (stored === null && live === null) return `unknown run '${id}': it never existed or has expired; start it again with POST /api/runs`;
      slots.push({ id, stored, live, unsubscribe: () => {}, lastProgress: '', errorSent: false });
    }
    this.drop();
    this.slots = slots;
    for (const slot of slots) {
      if (slot.stored !== null) this.releases.push(this.options.hold?.(slot.stored) ?? (() => {}));
      else slot.unsubscribe = slot.live!.subscribe(() => this.onLive(slot));
    }
    this.sent = slots.map(() => 0);
    this.playheadMs = 0;
    this.playing = false;
    this.lastWallMs = this.now();
    this.lastCursor = '';
    if (slots.every((s) => s.stored !== null)) this.sendReady();
    else {
      this.endMs = slots.reduce((m, s) => Math.max(m, s.stored !== null ? s.stored.summary.simTimeMs : s.live!.preview.endMs), 0);
      const preview: PreviewFrame = { type: 'preview', runs: slots.map((s) => (s.stored !== null ? previewOf(s.stored) : s.live!.preview)), endMs: this.endMs };
      this.channel.send(JSON.stringify(preview));
    }
    this.simMsPerSec = Math.max(1, this.endMs / DEFAULT_PLAY_SECONDS);
    // A run may have finished between its lookup and the subscription.
    for (const slot of slots) if (slot.live?.done) this.onLive(slot);
    this.pump();
    return null;
  }

  /** Every run is stored: their summaries (and, for two, where they first differ). */
  private sendReady(): void {
    const runs = this.slots.map((s) => s.stored!);
    this.endMs = runs.reduce((m, r) => Math.max(m, r.summary.simTimeMs), 0);
    this.playheadMs = Math.min(this.playheadMs, this.endMs);
    const divergence = runs.length === 2 ? (this.options.divergence ?? firstDivergence)(runs[0]!, runs[1]!) : null;
    const ready: ReadyFrame = { type: 'ready', runs: runs.map((r) => r.summary), endMs: this.endMs, divergence };
    this.channel.send(JSON.stringify(ready));
  }

  /** A live run computed more events, or ended: complete ones switch to the stored run. */
  private onLive(slot: Slot): void {
    if (this.closed || !this.slots.includes(slot) || slot.live === null) return;
    const live = slot.live;
    if (live.summary !== null) {
      const stored = this.options.lookup(slot.id);
      slot.unsubscribe();
      if (stored === undefined) {
        this.channel.send(
          JSON.stringify({ type: 'error', message: `run ${slot.id} was dropped from the server's memory as soon as it was complete; start it again` }),
        );
        slot.live = null;
        slot.errorSent = true;
        return;
      }
      this.sendProgress(this.slots.indexOf(slot), true);
      slot.stored = stored;
      slot.live = null;
      this.releases.push(this.options.hold?.(stored) ?? (() => {}));
      if (this.slots.every((s) => s.stored !== null)) this.sendReady();
    } else if (live.error !== null && !slot.errorSent) {
      slot.errorSent = true;
      this.sendProgress(this.slots.indexOf(slot), true);
      this.channel.send(JSON.stringify({ type: 'error', message: live.error }));
    }
    this.pump();
  }

  private track(slot: Slot): Track {
    return slot.stored !== null ? storedTrack(slot.stored) : slot.live!;
  }

  /** The time up to which every run's events are known (a run still computing holds the playhead at its last event). */
  private frontierMs(): number {
    let frontier = Number.POSITIVE_INFINITY;
    for (const slot of this.slots) if (slot.live !== null && !slot.live.done) frontier = Math.min(frontier, slot.live.frontierMs);
    return frontier;
  }

  /** Moves the playhead by the wall-clock time since the last look, at the current speed; a page that is behind holds it. */
  private advance(): void {
    const now = this.now();
    if (this.playing && !this.blocked)
      this.playheadMs = Math.min(this.endMs, this.frontierMs(), this.playheadMs + ((now - this.lastWallMs) * this.simMsPerSec) / 1000);
    if (this.seekMs !== null) {
      this.playheadMs = Math.max(this.playheadMs, Math.min(this.seekMs, this.endMs, this.frontierMs()));
      if (this.playheadMs >= Math.min(this.seekMs, this.endMs)) this.seekMs = null;
    }
    this.lastWallMs = now;
  }

  private nextEventTime(): number {
    let next = this.endMs;
    for (const slot of this.slots) {
      const track = this.track(slot);
      const i = upperBound(track.times, this.playheadMs, track.count);
      if (i < track.count) next = Math.min(next, track.times[i]!);
    }
    return next;
  }

  private pump(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.closed || this.slots.length === 0) return;
    this.advance();
    const blocked = this.sendDue();
    this.blocked = blocked;
    // While the page is behind, nothing more is written (not even the cursor) and the playhead waits.
    if (!blocked) {
      this.slots.forEach((slot, i) => {
        if (slot.live !== null) this.sendProgress(i, slot.live.done);
      });
      if (this.playing && this.playheadMs >= this.endMs) this.playing = false;
      this.sendCursor();
    }
    if (this.playing || blocked) this.timer = setTimeout(() => this.pump(), this.tickMs);
  }

  /** How far a live run's computation has got, when that changed since the last frame. */
  private sendProgress(run: number, done: boolean): void {
    const slot = this.slots[run]!;
    const live = slot.live;
    if (live === null) return;
    const frame: ProgressFrame = { type: 'progress', run, events: live.count, tMs: live.frontierMs, queued: live.queued, done };
    const text = JSON.stringify(frame);
    if (text === slot.lastProgress) return;
    slot.lastProgress = text;
    this.channel.send(text);
  }

  /** Sends due events while the buffer allows; true when some are still due. */
  private sendDue(): boolean {
    for (;;) {
      let r = -1;
      let earliest = Number.POSITIVE_INFINITY;
      this.slots.forEach((slot, i) => {
        const track = this.track(slot);
        const next = this.sent[i]!;
        if (next < track.count && track.times[next]! <= this.playheadMs && track.times[next]! < earliest) {
          earliest = track.times[next]!;
          r = i;
        }
      });
      if (r < 0) return false;
      if (this.channel.bufferedAmount >= this.highWaterBytes) return true;
      const from = this.sent[r]!;
      const slice = this.track(this.slots[r]!).slice(from, this.playheadMs, this.batchBytes)!;
      this.channel.send(`{"type":"events","run":${r},"from":${from},"events":[${slice.text}]}`);
      this.sent[r] = slice.to;
    }
  }

  private sendCursor(): void {
    const done = this.playheadMs >= this.endMs && this.slots.every((slot, i) => slot.stored !== null && this.sent[i] === slot.stored.times.length);
    const frame: CursorFrame = { type: 'cursor', t: this.playheadMs, playing: this.playing, simMsPerSec: this.simMsPerSec, sent: [...this.sent], done };
    const text = JSON.stringify(frame);
    if (text === this.lastCursor) return;
    this.lastCursor = text;
    this.channel.send(text);
  }
}

/** The first index whose value is greater than x (values ascending; only the first `n` are read). */
export function upperBound(values: ArrayLike<number>, x: number, n = values.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
