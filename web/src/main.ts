/**
 * Entry point of the visualizer. Exposes a small read-only handle on `window.__faultline`
 * for the browser tests and the frame-time benchmark: the playback state, the trace hashes,
 * `renderAll(t)`, which draws every view at t and returns the milliseconds it took, and a
 * few probes of the space-time diagram (where an arrow is, what the focus highlights).
 */
import { App } from './app/app.ts';

const app = new App(document);

declare global {
  interface Window {
    __faultline: {
      ready: boolean;
      state(): {
        t: number;
        playing: boolean;
        done: boolean;
        endMs: number;
        complete: boolean;
        events: number[];
        hashes: string[];
        error: string;
        spacetimeMode: string;
        loads: number;
        /** Milliseconds from asking for the runs to the first frame that drew their events (null until then). */
        firstFrameMs: number | null;
        /** When it was drawn, in ms since the page's navigation started. */
        firstFrameAtMs: number | null;
        /** The runs on screen are still being computed. */
        computing: boolean;
      };
      renderAll(t: number): number;
      /** Per-view milliseconds of the last renderAll. */
      viewMs(): number[];
      seek(t: number): void;
      zoom(v0: number, v1: number): void;
      /** Page coordinates of an arrow of a message type in the space-time diagram (null: none in view). */
      messagePoint(run: number, type: string): { x: number; y: number } | null;
      /** What the focus keeps in front in the diagram: messages in the causal past, future, and runs concerned. */
      causal(): { past: number; future: number; runsInFocus: number };
    };
  }
}

window.__faultline = {
  ready: false,
  state: () => ({
    t: app.player?.state.t ?? 0,
    playing: app.player?.state.playing ?? false,
    done: app.player?.state.done ?? false,
    endMs: app.runs?.endMs ?? 0,
    complete: app.runs?.complete ?? false,
    events: app.runs?.stores.map((s) => s.length) ?? [],
    hashes: app.runs?.stores.map((s) => s.summary.traceHash) ?? [],
    error: app.lastError,
    spacetimeMode: app.spacetime.mode,
    loads: app.loads,
    firstFrameMs: app.firstFrameMs,
    firstFrameAtMs: app.firstFrameAtMs,
    computing: app.runs !== null && !app.runs.settled,
  }),
  renderAll: (t) => {
    const ms = app.renderAll(t);
    return ms;
  },
  viewMs: () => [...app.viewMs],
  seek: (t) => app.player?.seek(t),
  zoom: (v0, v1) => {
    app.spacetime.setWindow(v0, v1);
    app.requestRender();
  },
  messagePoint: (run, type) => app.spacetime.messagePoint(run, type),
  causal: () => app.spacetime.focusSummary(),
};

app.start().then(
  () => {
    window.__faultline.ready = true;
  },
  (e: Error) => {
    document.body.append(Object.assign(document.createElement('pre'), { className: 'fatal', textContent: `faultline could not start: ${e.message}` }));
  },
);
