/**
 * Entry point of the visualizer. Exposes a small read-only handle on `window.__faultline`
 * for the browser tests and the frame-time benchmark: the playback state, the trace hashes,
 * and `renderAll(t)`, which draws every view at t and returns the milliseconds it took.
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
      };
      renderAll(t: number): number;
      /** Per-view milliseconds of the last renderAll. */
      viewMs(): number[];
      seek(t: number): void;
      zoom(v0: number, v1: number): void;
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
  }),
  renderAll: (t) => {
    const ms = app.renderAll(t);
    return ms;
  },
  viewMs: () => [...app.viewMs],
  seek: (t) => app.player?.seek(t),
  zoom: (v0, v1) => app.spacetime.setWindow(v0, v1),
};

app.start().then(
  () => {
    window.__faultline.ready = true;
  },
  (e: Error) => {
    document.body.append(Object.assign(document.createElement('pre'), { className: 'fatal', textContent: `faultline could not start: ${e.message}` }));
  },
);
