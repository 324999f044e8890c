/**
 * The app: loads the scenario list (from the server, or from the page's own engine when no
 * server answers), turns a setup into runs (streamed by the server, or made in the page's
 * Web Worker), and keeps every view on one simulated-time cursor. Rendering happens at most
 * once per animation frame, whatever moved: the cursor, new events or the layout.
 */
import { type FaultPlan, TraceHasher } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { RunRequestBody } from '../../../wire/index.ts';
import { RunSet } from '../model/run-set.ts';
import { SetupPanel } from '../setup/setup-panel.ts';
import { defaultSetup, type SetupState, setupFromLink, setupToLink } from '../setup/setup-state.ts';
import { fetchScenarios, startRun, streamUrl } from '../source/api-client.ts';
import { LocalPlayer } from '../source/local-player.ts';
import { PageEngine } from '../source/page-engine.ts';
import { type Player, SPEEDS } from '../source/player.ts';
import { StreamPlayer } from '../source/stream-player.ts';
import { ChartsView } from '../views/charts-view.ts';
import { EventLogView } from '../views/event-log-view.ts';
import { NarrationView } from '../views/narration-view.ts';
import { PlaybackBar } from '../views/playback-bar.ts';
import { SpacetimeView } from '../views/spacetime-view.ts';
import { Topbar } from '../views/topbar.ts';
import { TopologyView } from '../views/topology-view.ts';
import { VerdictsView } from '../views/verdicts-view.ts';
import type { View } from '../views/view.ts';

export class App {
  private readonly engine = new PageEngine();
  private scenarios: ScenarioInfo[] = [];
  private serverAvailable = false;
  private setupPanel!: SetupPanel;
  private readonly topbar: Topbar;
  private readonly views: View[];
  private readonly playback: PlaybackBar;
  readonly spacetime: SpacetimeView;
  runs: RunSet | null = null;
  player: Player | null = null;
  private frame = 0;
  private runToken = 0;
  private verifiedFor: RunSet | null = null;
  /** The last run's problem, for tests and the status line. */
  lastError = '';
  /** Milliseconds each view took in the last renderAll, in view order. */
  readonly viewMs: number[] = [];
  /** How many runs have been loaded so far (tests wait for it to change). */
  loads = 0;

  constructor(private readonly doc: Document) {
    const $ = (id: string): HTMLElement => doc.getElementById(id)!;
    const seek = (t: number): void => this.player?.seek(t);
    this.topbar = new Topbar($('topbar'));
    this.spacetime = new SpacetimeView($('panel-spacetime'), seek);
    this.playback = new PlaybackBar($('playback'), {
      toggle: () => this.toggle(),
      step: () => this.player?.step(),
      stepBack: () => this.player?.stepBack(),
      seek,
      speed: (v) => this.player?.setSpeed(v),
    });
    this.views = [
      new TopologyView($('panel-topology')),
      new ChartsView($('panel-charts')),
      this.spacetime,
      new NarrationView($('panel-narration'), seek),
      new VerdictsView($('panel-verdicts'), seek),
      new EventLogView($('panel-log'), seek),
      this.playback,
    ];
  }

  async start(): Promise<void> {
    const fromServer = await fetchScenarios();
    this.serverAvailable = fromServer !== null;
    this.scenarios = fromServer ?? (await this.engine.describe());
    this.setupPanel = new SetupPanel(
      this.doc.getElementById('setup')!,
      this.scenarios,
      {
        run: (setup) => void this.run(setup),
        resolvePreset: (scenario, preset, params) => this.engine.preset(scenario, preset, params),
      },
      this.serverAvailable,
    );
    this.bindKeys();
    window.addEventListener('hashchange', () => void this.openLink());
    window.addEventListener('resize', () => this.requestRender());
    await this.openLink();
  }

  /** Runs the setup in the URL, or the first scenario's defaults. */
  private async openLink(): Promise<void> {
    const engine = this.serverAvailable ? 'server' : 'page';
    let setup: SetupState | null = null;
    try {
      setup = setupFromLink(location.href, this.scenarios, engine);
    } catch (e) {
      this.setupPanel.show(defaultSetup(this.scenarios[0]!, engine));
      this.setupPanel.fail(`This link cannot be opened: ${(e as Error).message}`);
      return;
    }
    setup ??= defaultSetup(this.scenarios[0]!, engine);
    this.setupPanel.show(setup);
    await this.run(setup);
  }

  async run(setup: SetupState): Promise<void> {
    const token = ++this.runToken;
    this.setupPanel.busy(true);
    this.lastError = '';
    try {
      const info = this.scenarios.find((s) => s.id === setup.scenario)!;
      const requests: RunRequestBody[] = [{ scenario: setup.scenario, strategy: setup.strategy, seed: setup.seed, params: setup.params, faults: setup.faults }];
      if (setup.compare.mode === 'strategy') requests.push({ ...requests[0]!, strategy: setup.compare.strategy });
      if (setup.compare.mode === 'seed') requests.push({ ...requests[0]!, seed: setup.compare.seed });
      let player: Player;
      let runs: RunSet;
      let source: string;
      if (setup.engine === 'server') {
        const summaries = await Promise.all(requests.map((r) => startRun(r)));
        const stream = await StreamPlayer.connect(
          streamUrl(),
          summaries.map((s) => s.id!),
          info,
          () => this.requestRender(),
          (message) => this.fail(message),
        );
        player = stream;
        runs = stream.runs;
        source = 'server stream';
      } else {
        const made = await this.engine.run(
          requests.map((r) => ({ ...r, seed: r.seed!, params: r.params as Record<string, unknown>, faults: r.faults as FaultPlan })),
        );
        runs = new RunSet(
          info,
          made.runs.map((r) => r.summary),
          made.divergence,
        );
        made.runs.forEach((r, i) => {
          runs.stores[i]!.append(r.events);
        });
        player = new LocalPlayer(runs, () => this.requestRender());
        source = 'in-page engine';
      }
      if (token !== this.runToken) {
        player.close();
        return;
      }
      this.player?.close();
      this.player = player;
      this.runs = runs;
      this.loads++;
      this.verifiedFor = null;
      this.doc.getElementById('stage')!.classList.toggle('compare', runs.compare);
      for (const v of this.views) v.load(runs);
      this.playback.bind(player.state);
      const link = setupToLink(setup, info, `${location.origin}${location.pathname}`);
      history.replaceState(null, '', link.slice(link.indexOf('#')));
      this.topbar.show(runs, link, source);
      player.play();
      this.requestRender();
    } catch (e) {
      if (token === this.runToken) this.fail((e as Error).message);
    } finally {
      if (token === this.runToken) this.setupPanel.busy(false);
    }
  }

  private fail(message: string): void {
    this.lastError = message;
    this.setupPanel.fail(message);
  }

  toggle(): void {
    const p = this.player;
    if (p === null) return;
    if (p.state.playing) p.pause();
    else p.play();
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
    if (this.runs?.complete && this.verifiedFor !== this.runs) this.verify(this.runs);
    return elapsed;
  }

  /** Re-computes each run's trace hash from the events the page holds. */
  private verify(runs: RunSet): void {
    this.verifiedFor = runs;
    setTimeout(() => {
      const results = runs.stores.map((s) => {
        const h = new TraceHasher();
        for (const e of s.events) h.add(e);
        return h.digest() === s.summary.traceHash;
      });
      if (this.runs === runs) this.topbar.verified(results);
    }, 0);
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
