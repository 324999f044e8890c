/**
 * The app: loads the scenario list (from the server, or from the page's own engine when no
 * server answers), turns a setup into runs (streamed by the server, or made in the page's
 * Web Worker), and keeps every view on one simulated-time cursor. Rendering happens at most
 * once per animation frame, whatever moved: the cursor, new events or the layout.
 *
 * The URL is the state: each run is its own history entry (pushState), the cursor is kept
 * in it while paused (replaceState), and a link — typed, reloaded, or reached by Back — goes
 * through one path: checked as the CLI checks its flags, refused with the reasons when wrong
 * (nothing runs), run when right, or only moved to its cursor when it shows the same run.
 */
import type { FaultPlan } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { RunRequestBody } from '../../../wire/index.ts';
import type { Focus } from '../model/focus.ts';
import { fixed, fmtTime } from '../model/format.ts';
import { RunSet } from '../model/run-set.ts';
import { describeProblems, readLink } from '../setup/link-reading.ts';
import { SetupPanel } from '../setup/setup-panel.ts';
import { defaultSetup, type LinkExtras, type SetupState, sameRun, setupToLink } from '../setup/setup-state.ts';
import { fetchScenarios, startRun, streamUrl } from '../source/api-client.ts';
import type { PageRunRequest } from '../source/engine-messages.ts';
import { LocalPlayer } from '../source/local-player.ts';
import { PageEngine } from '../source/page-engine.ts';
import { type Player, SPEEDS } from '../source/player.ts';
import { StreamPlayer } from '../source/stream-player.ts';
import { ChartsView } from '../views/charts-view.ts';
import { EventLogView } from '../views/event-log-view.ts';
import { HistoryView } from '../views/history-view.ts';
import { NarrationView } from '../views/narration-view.ts';
import { PanelTabs } from '../views/panel-tabs.ts';
import { PlaybackBar } from '../views/playback-bar.ts';
import { RunProgress } from '../views/run-progress.ts';
import { SpacetimeView } from '../views/spacetime-view.ts';
import { Topbar } from '../views/topbar.ts';
import { TopologyView } from '../views/topology-view.ts';
import { VerdictsView } from '../views/verdicts-view.ts';
import type { View } from '../views/view.ts';

type HistoryMode = 'push' | 'replace';

export class App {
  private readonly engine = new PageEngine();
  private scenarios: ScenarioInfo[] = [];
  private serverAvailable = false;
  private setupPanel!: SetupPanel;
  private readonly topbar: Topbar;
  private readonly views: View[];
  private readonly playback: PlaybackBar;
  private readonly progress: RunProgress;
  private readonly alert: HTMLElement;
  readonly spacetime: SpacetimeView;
  readonly history: HistoryView;
  /** The space-time diagram and the history view share the stage's middle row. */
  readonly middleTabs: PanelTabs;
  runs: RunSet | null = null;
  player: Player | null = null;
  /** The setup on screen and the hashes its link expects. */
  private shown: { setup: SetupState; info: ScenarioInfo; hashes: readonly (string | null)[] } | null = null;
  private frame = 0;
  private runToken = 0;
  private abort: AbortController | null = null;
  private verifiedFor: RunSet | null = null;
  /** Where the runs on screen were made ('server stream', 'in-page engine'). */
  private source = '';
  private lastHref = '';
  private urlTimer = 0;
  private urlT = Number.NaN;
  /** The last run's problem, for tests and the status line. */
  lastError = '';
  /** Milliseconds each view took in the last renderAll, in view order. */
  readonly viewMs: number[] = [];
  /** How many runs have been loaded so far (tests wait for it to change). */
  loads = 0;
  /** Milliseconds from asking for the runs on screen to the first frame that drew their events (null until then). */
  firstFrameMs: number | null = null;
  /** When that frame was drawn (performance.now(): ms since the page's navigation started). */
  firstFrameAtMs: number | null = null;
  private runStartedAt = 0;
  /** The stats versions the views were last laid out for, and when. */
  private statsShown = '';
  private statsShownAt = 0;
  /** The end of the runs when the diagram was laid out (its window is "the whole run" when it reaches it). */
  private spacetimeEnd = 0;

  constructor(private readonly doc: Document) {
    const $ = (id: string): HTMLElement => doc.getElementById(id)!;
    const seek = (t: number): void => this.player?.seek(t);
    const focus = (f: Focus): void => this.focus(f);
    this.alert = $('stage-alert');
    this.topbar = new Topbar(
      $('topbar'),
      () => this.shareLink(),
      () => this.toggleSetup(),
    );
    this.spacetime = new SpacetimeView($('panel-spacetime'), seek, focus);
    this.history = new HistoryView(
      $('panel-history'),
      {
        get: () => this.spacetime.window,
        set: (v0, v1) => {
          this.spacetime.setWindow(v0, v1);
          this.requestRender();
        },
      },
      seek,
      focus,
      (has) => this.middleTabs.setAvailable(1, has),
    );
    this.middleTabs = new PanelTabs([$('panel-spacetime'), $('panel-history')], ['Space-time', 'Client history'], () => this.requestRender());
    this.playback = new PlaybackBar($('playback'), {
      toggle: () => this.toggle(),
      step: () => this.player?.step(),
      stepBack: () => this.player?.stepBack(),
      seek,
      speed: (v) => this.player?.setSpeed(v),
    });
    this.progress = new RunProgress($('run-progress'), () => this.stop('Stopped.'));
    this.views = [
      new TopologyView($('panel-topology')),
      new ChartsView($('panel-charts'), () => this.requestRender()),
      this.spacetime,
      this.history,
      new NarrationView($('panel-narration'), focus),
      new VerdictsView($('panel-verdicts'), focus),
      new EventLogView($('panel-log'), focus),
      this.playback,
    ];
  }

  async start(): Promise<void> {
    // The page's engine resolves presets for the form and runs in the page: it loads while the scenarios are fetched.
    this.engine.warm();
    const fromServer = await fetchScenarios();
    this.serverAvailable = fromServer !== null;
    this.scenarios = fromServer ?? (await this.engine.describe());
    this.setupPanel = new SetupPanel(
      this.doc.getElementById('setup')!,
      this.scenarios,
      {
        run: (setup) => void this.run(setup, 'push', {}),
        resolvePreset: (scenario, preset, params) => this.engine.preset(scenario, preset, params),
      },
      this.serverAvailable,
    );
    this.bindKeys();
    window.addEventListener('hashchange', () => void this.openLink());
    window.addEventListener('popstate', () => void this.openLink());
    window.addEventListener('resize', () => this.requestRender());
    if (this.serverAvailable) this.followScenarioEdits();
    await this.openLink();
  }

  /**
   * `serve --scenarios PATH --watch`: when the user saves a module, the server loads it again
   * and says so here; the list is refreshed and a run of an edited scenario runs again, so
   * editing a model and watching it is one save away. A module that fails to load is shown
   * (the server keeps serving its last good version).
   */
  private followScenarioEdits(): void {
    const events = new EventSource('api/events');
    events.addEventListener('scenarios', (e) => {
      const change = JSON.parse((e as MessageEvent<string>).data) as { ids: string[]; error: string | null };
      if (change.error !== null) {
        this.showAlert(`Your scenario module could not be loaded again (the server keeps its last version): ${change.error.split('\n')[0]}`);
        return;
      }
      void fetchScenarios().then((list) => {
        if (list === null) return;
        this.scenarios = list;
        this.setupPanel.setScenarios(list);
        const shown = this.shown;
        if (shown !== null && change.ids.includes(shown.setup.scenario)) void this.run(shown.setup, 'replace', {});
      });
    });
  }

  /** Opens the link in the address bar: checked, then run (or refused with the reasons), or the first scenario's defaults. */
  private async openLink(): Promise<void> {
    if (location.href === this.lastHref) return;
    this.lastHref = location.href;
    const engine = this.serverAvailable ? 'server' : 'page';
    const reading = readLink(location.href, this.scenarios, engine);
    if (reading.kind === 'none') {
      const setup = defaultSetup(this.scenarios[0]!, engine);
      this.setupPanel.show(setup);
      await this.run(setup, 'replace', {});
      return;
    }
    if (reading.kind === 'bad') {
      this.stop('');
      this.unload();
      this.setupPanel.showAsked(reading.asked, reading.problems);
      this.fail(describeProblems(reading.problems));
      return;
    }
    const { setup, extras } = reading;
    if (this.shown !== null && this.runs !== null && sameRun(setup, this.shown.setup)) {
      // The same run (Back to the same entry, a changed cursor or expected hash): not run again.
      if (JSON.stringify(extras.hashes) !== JSON.stringify(this.shown.hashes)) {
        this.shown = { ...this.shown, hashes: extras.hashes };
        this.topbar.show(this.runs, this.source, extras.hashes);
        this.verifiedFor = null;
        this.requestRender();
      }
      if (extras.t !== null) this.pauseAt(extras.t);
      return;
    }
    this.setupPanel.show(setup);
    await this.run(setup, 'replace', extras);
  }

  /** Runs a setup; the previous run stops at once, and progress shows until the new one is on screen. */
  async run(setup: SetupState, history: HistoryMode, extras: LinkExtras): Promise<void> {
    const token = ++this.runToken;
    this.stop('');
    const info = this.scenarios.find((s) => s.id === setup.scenario)!;
    this.setupPanel.busy(true);
    this.lastError = '';
    this.showAlert('');
    const label = `${info.title} · ${setup.strategy}${setup.compare.mode === 'strategy' ? ` vs ${setup.compare.strategy}` : ''}, seed ${setup.seed}`;
    this.progress.show(label);
    this.runStartedAt = performance.now();
    try {
      const requests: RunRequestBody[] = [{ scenario: setup.scenario, strategy: setup.strategy, seed: setup.seed, params: setup.params, faults: setup.faults }];
      if (setup.compare.mode === 'strategy') requests.push({ ...requests[0]!, strategy: setup.compare.strategy });
      if (setup.compare.mode === 'seed') requests.push({ ...requests[0]!, seed: setup.compare.seed });
      let player: Player;
      let runs: RunSet;
      let source: string;
      // The runs are shown as soon as their previews are known and drawn as their events
      // arrive, while the server or the page's engine still computes them; progress shows
      // until they are complete.
      if (setup.engine === 'server') {
        const abort = new AbortController();
        this.abort = abort;
        const started = await Promise.all(requests.map((r) => startRun(r, abort.signal, true)));
        const stream = await StreamPlayer.connect(
          streamUrl(),
          started.map((s) => s.id!),
          info,
          {
            onChange: () => this.requestRender(),
            onError: (message) => this.fail(message),
            onProgress: (run, p) => this.noteProgress(token, run, p.events, p.tMs, p.queued),
            onSettled: () => this.settled(token),
          },
        );
        player = stream;
        runs = stream.runs;
        source = 'server stream';
      } else {
        runs = await this.streamInPage(
          token,
          info,
          requests.map((r) => ({ ...r, seed: r.seed!, params: r.params as Record<string, unknown>, faults: r.faults as FaultPlan })),
        );
        player = new LocalPlayer(runs, () => this.requestRender());
        source = 'in-page engine';
      }
      if (token !== this.runToken) {
        player.close();
        return;
      }
      this.player = player;
      this.runs = runs;
      this.loads++;
      this.verifiedFor = null;
      this.firstFrameMs = null;
      this.firstFrameAtMs = null;
      this.statsShown = '';
      const hashes = extras.hashes ?? [null, null];
      this.shown = { setup: structuredClone(setup), info, hashes };
      this.doc.getElementById('stage')!.classList.toggle('compare', runs.compare);
      for (const v of this.views) {
        v.load(runs);
        v.focus?.(null);
      }
      this.playback.bind(player.state);
      const link = setupToLink(setup, info, this.base(), { hashes, t: extras.t ?? null });
      const fragment = link.slice(link.indexOf('#'));
      if (history === 'push') history_.push(fragment);
      else history_.replace(fragment);
      this.lastHref = location.href;
      this.urlT = extras.t ?? 0;
      this.source = source;
      if (runs.settled) {
        this.progress.hide();
        this.topbar.show(runs, source, hashes);
      } else this.topbar.computing(runs, source);
      if (extras.t !== undefined && extras.t !== null) player.seek(extras.t);
      else player.play();
      this.requestRender();
    } catch (e) {
      if (token === this.runToken) {
        this.progress.hide();
        if ((e as Error).name !== 'AbortError') this.fail((e as Error).message);
      }
    } finally {
      if (token === this.runToken) this.setupPanel.busy(false);
    }
  }

  /**
   * Runs the requests in the page's engine; resolves with the runs as soon as their previews
   * are known, and fills them in as the engine computes them.
   */
  private streamInPage(token: number, info: ScenarioInfo, requests: PageRunRequest[]): Promise<RunSet> {
    return new Promise((resolve, reject) => {
      let runs: RunSet | null = null;
      this.engine
        .stream(requests, {
          onPreview: (previews) => {
            runs = RunSet.fromPreviews(info, previews);
            resolve(runs);
          },
          onEvents: (run, _from, events) => {
            const store = runs!.stores[run]!;
            store.append(events);
            this.noteProgress(token, run, store.length, store.lastTime, false);
            if (this.runs !== runs) return;
            if (this.player instanceof LocalPlayer) this.player.progressed();
            this.requestRender();
          },
          onDone: (summaries, divergence) => {
            runs!.settle(summaries, divergence);
            this.settled(token);
            if (this.runs === runs && this.player instanceof LocalPlayer) this.player.progressed();
          },
        })
        .catch((e: Error) => {
          if (runs === null) reject(e);
          else if (token === this.runToken) {
            this.progress.hide();
            this.fail(e.message);
          }
        });
    });
  }

  /** How far the runs being computed have got, in the progress banner. */
  private noteProgress(token: number, run: number, events: number, tMs: number, queued: boolean): void {
    if (token !== this.runToken) return;
    this.progress.note(
      queued && events === 0
        ? `${run > 0 ? 'B: ' : ''}waiting for a thread`
        : `${run > 0 ? 'B: ' : ''}${fixed(events, 0)} events, ${fmtTime(tMs)} simulated so far`,
    );
  }

  /**
   * The runs on screen are complete: their summaries replace the provisional ones, so the
   * views that read verdicts, metrics and stats are loaded again (the diagram keeps its window).
   */
  private settled(token: number): void {
    const runs = this.runs;
    if (token !== this.runToken || runs === null || !runs.settled || this.player === null) return;
    this.progress.hide();
    this.player.state.endMs = runs.endMs;
    this.reloadStatsViews(runs, true);
    this.topbar.show(runs, this.source, this.shown?.hashes ?? []);
    this.requestRender();
  }

  /** Loads again the views laid out from the runs' stats (at most once a second while they compute, and once complete). */
  private reloadStatsViews(runs: RunSet, settled: boolean): void {
    const key = runs.stores.map((s) => s.statsVersion).join(',');
    if (!settled && (key === this.statsShown || performance.now() - this.statsShownAt < 1000)) return;
    this.statsShown = key;
    this.statsShownAt = performance.now();
    runs.refresh();
    const [windowStart, windowEnd] = this.spacetime.window;
    const fitted = windowStart === 0 && windowEnd >= this.spacetimeEnd;
    for (const v of this.views) {
      if (v === this.spacetime && !settled) continue;
      if (v instanceof NarrationView || v instanceof EventLogView) continue;
      v.load(runs);
    }
    if (settled && !fitted) this.spacetime.setWindow(windowStart, windowEnd);
    this.spacetimeEnd = runs.endMs;
  }

  /** Stops what plays and what computes (the run being made, the stream being played). */
  private stop(message: string): void {
    this.player?.close();
    this.abort?.abort();
    this.abort = null;
    this.engine.cancel();
    if (this.progress.visible) {
      this.progress.hide();
      this.runToken++;
      this.setupPanel.busy(false);
    }
    if (this.player !== null) this.requestRender();
    if (message !== '') this.showAlert(message);
  }

  /** Takes the runs off screen (a refused link shows its problems, not an older run). */
  private unload(): void {
    this.player?.close();
    this.player = null;
    this.runs = null;
    this.shown = null;
    for (const v of this.views) v.load(null);
    this.playback.bind(null);
    this.topbar.show(null, '', []);
    this.requestRender();
  }

  private fail(message: string): void {
    this.lastError = message;
    this.setupPanel.fail(message);
    this.showAlert(message);
  }

  private showAlert(message: string): void {
    this.alert.textContent = message;
    this.alert.classList.toggle('visible', message !== '');
  }

  /** Pauses exactly at `t` (where a violation, a divergence or a row is). */
  private pauseAt(t: number): void {
    const p = this.player;
    if (p === null) return;
    if (p.state.playing) p.pause();
    p.seek(t);
  }

  /** Pauses at what the user clicked and lets every view highlight it. */
  focus(focus: Focus): void {
    this.pauseAt(focus.t);
    for (const v of this.views) v.focus?.(focus);
    this.requestRender();
  }

  toggle(): void {
    const p = this.player;
    if (p === null) return;
    if (p.state.playing) p.pause();
    else p.play();
  }

  private toggleSetup(): void {
    const app = this.doc.getElementById('app')!;
    app.classList.toggle('setup-collapsed');
    this.requestRender();
  }

  requestRender(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderAll();
    });
  }

  /** Draws every view at the cursor (or at `t`); returns the time it took in ms. */
  renderAll(t = this.player?.state.t ?? 0): number {
    const start = performance.now();
    let last = start;
    this.viewMs.length = 0;
    for (const v of this.views) {
      v.render(t);
      const now = performance.now();
      this.viewMs.push(now - last);
      last = now;
    }
    const elapsed = last - start;
    const runs = this.runs;
    if (runs !== null && this.firstFrameMs === null && runs.stores.some((s) => s.length > 0)) {
      this.firstFrameMs = last - this.runStartedAt;
      this.firstFrameAtMs = last;
    }
    if (runs !== null && !runs.settled) this.reloadStatsViews(runs, false);
    if (runs?.complete && this.verifiedFor !== runs) this.verify(runs);
    this.keepCursorInUrl();
    return elapsed;
  }

  /** While paused, the URL carries the cursor, so a reload or a copied address comes back to it. */
  private keepCursorInUrl(): void {
    const p = this.player;
    const shown = this.shown;
    if (p === null || shown === null || p.state.playing || p.state.t === this.urlT) return;
    clearTimeout(this.urlTimer);
    this.urlTimer = window.setTimeout(() => {
      if (this.player !== p || p.state.playing) return;
      this.urlT = p.state.t;
      const link = setupToLink(shown.setup, shown.info, this.base(), { hashes: shown.hashes, t: p.state.t });
      history_.replace(link.slice(link.indexOf('#')));
      this.lastHref = location.href;
    }, 200);
  }

  /** The link that reproduces what is on screen: the runs, their hashes (as computed here) and the cursor. */
  private shareLink(): string {
    const shown = this.shown;
    if (shown === null || this.runs === null) return location.href;
    return setupToLink(shown.setup, shown.info, this.base(), {
      hashes: this.runs.stores.map((s) => s.summary.traceHash),
      t: this.player?.state.t ?? null,
    });
  }

  private base(): string {
    return `${location.origin}${location.pathname}`;
  }

  /** Compares each run's trace hash with the hash of the events the page received (folded in as they arrived). */
  private verify(runs: RunSet): void {
    this.verifiedFor = runs;
    this.topbar.verified(runs.stores.map((s) => s.receivedHash() === s.summary.traceHash));
  }

  private bindKeys(): void {
    window.addEventListener('keydown', (e) => {
      const target = e.target as HTMLElement;
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        this.setupPanel.submit();
        e.preventDefault();
        return;
      }
      if (target.closest('input, select, textarea, [contenteditable]') !== null) return;
      // A focused button acts on its own keys (a violation pressed with the keyboard, the play button).
      if (target.closest('button, [role="button"]') !== null && (e.key === ' ' || e.key === 'Enter')) return;
      const p = this.player;
      if (p === null) return;
      const nudge = (this.runs?.endMs ?? 0) / 100;
      switch (e.key) {
        case ' ':
          this.toggle();
          break;
        case 'ArrowRight':
          if (e.shiftKey) p.seek(p.state.t + nudge);
          else p.step();
          break;
        case 'ArrowLeft':
          if (e.shiftKey) p.seek(p.state.t - nudge);
          else p.stepBack();
          break;
        case 'Home':
          p.seek(0);
          break;
        case 'End':
          p.seek(p.state.endMs);
          break;
        case '+':
        case '=':
        case '-': {
          const i = SPEEDS.findIndex((s) => s >= p.state.simMsPerSec);
          const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? SPEEDS.length - 1 : i) + (e.key === '-' ? -1 : 1)))]!;
          p.setSpeed(next);
          break;
        }
        default:
          return;
      }
      e.preventDefault();
    });
  }
}

/** The browser's history, with our own entries. */
const history_ = {
  push(fragment: string): void {
    if (location.hash === fragment) return;
    history.pushState(null, '', fragment);
  },
  replace(fragment: string): void {
    history.replaceState(null, '', fragment);
  },
};
