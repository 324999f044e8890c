/**
 * StreamPlayer: the server plays the runs and streams their events over /ws (see
 * wire/protocol.ts). The page sends play, pause, step, speed and seek frames and follows
 * the server's cursor frames; events arrive in batches and are appended to the run's
 * TraceStore. A seek inside what has already arrived moves the cursor at once and the
 * server's cursor frame confirms it.
 *
 * A run still computing on the server opens with a `preview`: the player starts at once on
 * provisional stores, follows `progress` (a seek never asks for more than was computed) and
 * settles the stores when `ready` brings the summaries.
 */
import type { TraceEvent } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { ClientFrame, CursorFrame, PreviewFrame, ProgressFrame, ReadyFrame, ServerFrame } from '../../../wire/index.ts';
import { RunSet } from '../model/run-set.ts';
import { defaultSpeed, type PlaybackState, type Player } from './player.ts';

/** What a stream tells the app besides events: each run's progress while it computes, and when the runs are complete. */
export interface StreamListener {
  onChange(): void;
  onError(message: string): void;
  onProgress?(run: number, frame: ProgressFrame): void;
  onSettled?(): void;
}

export class StreamPlayer implements Player {
  readonly state: PlaybackState;
  private closed = false;
  /** The last progress of each run still computing (absent once complete). */
  private readonly progress = new Map<number, ProgressFrame>();
  /**
   * Where the page last moved the cursor itself (a seek, a pause): cursor frames the server
   * sent before it heard of that move are stale and must not drag the cursor back or restart it.
   */
  private expected: { t: number | null; playing: boolean | null; since: number; tMin?: number } | null = null;

  private readonly onChange: () => void;
  private readonly onError: (message: string) => void;

  private constructor(
    private readonly socket: WebSocket,
    readonly runs: RunSet,
    private readonly listener: StreamListener,
  ) {
    this.onChange = listener.onChange;
    this.onError = listener.onError;
    this.state = { t: 0, playing: false, simMsPerSec: defaultSpeed(runs.endMs), done: false, endMs: runs.endMs };
    if (!runs.settled)
      for (let i = 0; i < runs.stores.length; i++) this.progress.set(i, { type: 'progress', run: i, events: 0, tMs: 0, queued: true, done: false });
    socket.onmessage = (e) => this.receive(String(e.data));
    socket.onclose = () => {
      if (!this.closed && !this.runs.complete) this.onError('the stream from the server closed before the run was complete');
    };
    this.send({ type: 'speed', simMsPerSec: this.state.simMsPerSec });
  }

  /** Opens a stream of the given server runs; resolves once the server has said what they are (complete, or a preview while they compute). */
  static connect(wsUrl: string, runIds: readonly string[], scenario: ScenarioInfo, listener: StreamListener): Promise<StreamPlayer> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl);
      socket.onerror = () => reject(new Error(`cannot open the stream at ${wsUrl}`));
      socket.onopen = () => socket.send(JSON.stringify({ type: 'open', runs: [...runIds] } satisfies ClientFrame));
      socket.onmessage = (e) => {
        const frame = JSON.parse(String(e.data)) as ServerFrame;
        if (frame.type === 'error') return reject(new Error(frame.message));
        if (frame.type !== 'ready' && frame.type !== 'preview') return;
        socket.onerror = null;
        const runs =
          frame.type === 'ready'
            ? new RunSet(scenario, (frame as ReadyFrame).runs, (frame as ReadyFrame).divergence)
            : RunSet.fromPreviews(scenario, (frame as PreviewFrame).runs);
        resolve(new StreamPlayer(socket, runs, listener));
      };
    });
  }

  play(): void {
    this.state.playing = true;
    this.expected = null;
    this.send({ type: 'play' });
  }

  pause(): void {
    this.state.playing = false;
    this.expected = { t: this.expected?.t ?? null, playing: false, since: performance.now() };
    this.send({ type: 'pause' });
    this.onChange();
  }

  step(): void {
    this.state.playing = false;
    this.expected = null;
    this.send({ type: 'step' });
  }

  stepBack(): void {
    this.seek(this.runs.previousEventTime(this.state.t));
    this.pause();
  }

  seek(t: number): void {
    const target = Math.max(0, Math.min(this.state.endMs, t));
    // Inside what has arrived, move at once; the server's cursor frame follows.
    if (this.runs.stores.every((s) => s.complete || s.lastTime >= target)) {
      this.state.t = target;
      this.onChange();
    }
    // Paused, it stays paused there; playing, the server may play on or stop at the end. Past
    // what has been computed, the server's playhead stops at the last event computed (and
    // follows the computation to the target): any time from there on confirms the seek.
    this.expected = { t: target, tMin: Math.min(target, this.computedMs()), playing: this.state.playing ? null : false, since: performance.now() };
    this.send({ type: 'seek', t: target });
  }

  setSpeed(simMsPerSec: number): void {
    this.state.simMsPerSec = simMsPerSec;
    this.send({ type: 'speed', simMsPerSec });
    this.onChange();
  }

  close(): void {
    this.closed = true;
    this.socket.onmessage = null;
    this.socket.close();
  }

  /** How far every run has been computed (the server holds its playhead there). */
  private computedMs(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const p of this.progress.values()) if (!p.done) t = Math.min(t, p.tMs);
    return t;
  }

  private send(frame: ClientFrame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return this.onError('the server sent a frame that is not JSON');
    }
    switch (frame.type) {
      case 'events': {
        const store = this.runs.stores[frame.run];
        if (store === undefined || frame.from !== store.length) return this.onError(`events out of order for run ${frame.run}`);
        store.append(frame.events as TraceEvent[]);
        this.onChange();
        return;
      }
      case 'cursor':
        this.follow(frame);
        return;
      case 'progress':
        if (frame.done) this.progress.delete(frame.run);
        else this.progress.set(frame.run, frame);
        this.listener.onProgress?.(frame.run, frame);
        return;
      case 'ready':
        if (this.runs.settled) return;
        this.runs.settle(frame.runs, frame.divergence);
        this.state.endMs = this.runs.endMs;
        this.listener.onSettled?.();
        this.onChange();
        return;
      case 'error':
        this.onError(frame.message);
        return;
      default:
        return;
    }
  }

  private follow(frame: CursorFrame): void {
    const want = this.expected;
    if (want !== null) {
      // A frame from before the page's own move: wait for the one that confirms it.
      const atTarget = want.t === null || Math.abs(frame.t - want.t) < 1e-9 || (want.tMin !== undefined && frame.t >= want.tMin - 1e-9 && frame.t <= want.t);
      const late = performance.now() - want.since > 3000;
      if (!late && (!atTarget || (want.playing !== null && frame.playing !== want.playing))) return;
      this.expected = null;
    }
    this.state.t = frame.t;
    this.state.playing = frame.playing;
    this.state.simMsPerSec = frame.simMsPerSec;
    this.state.done = frame.done;
    this.onChange();
  }
}
