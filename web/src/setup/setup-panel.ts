/**
 * The setup sidebar: pick a scenario (its design question up front), a strategy (with how
 * it works and what it is known to break), optionally a second strategy or seed to compare
 * against, a seed, the parameters and the fault plan, and where the engine runs; then Run.
 * It edits a SetupState and asks the app to run it; it never runs anything itself.
 */
import type { FaultPlan } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import { type InputProblem, parseSeedText } from '../../../wire/index.ts';
import { el } from '../views/view.ts';
import { FaultEditor } from './fault-editor.ts';
import type { AskedFields } from './link-reading.ts';
import { ParamForm } from './param-form.ts';
import { type CompareMode, defaultSetup, type EngineMode, type SetupState } from './setup-state.ts';

export interface SetupEvents {
  run(setup: SetupState): void;
  /** Resolve a preset's fault plan at these parameters. */
  resolvePreset(scenario: string, preset: string, params: Record<string, unknown>): Promise<FaultPlan>;
}

export class SetupPanel {
  private setup: SetupState | null = null;
  private readonly scenarioSelect: HTMLSelectElement;
  private readonly question: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly strategies: HTMLElement;
  private readonly explanation: HTMLElement;
  private readonly compareMode: HTMLSelectElement;
  private readonly compareStrategy: HTMLSelectElement;
  private readonly compareSeed: HTMLInputElement;
  private readonly seed: HTMLInputElement;
  private readonly params: ParamForm;
  private readonly faults: FaultEditor;
  private readonly engine: HTMLSelectElement;
  private readonly runButton: HTMLButtonElement;
  private readonly error: HTMLElement;
  private paramsValid = true;
  /** The preset being resolved (its plan is asked of the engine), or a settled promise. */
  private resolving: Promise<void> = Promise.resolve();

  constructor(
    private readonly root: HTMLElement,
    private scenarios: ScenarioInfo[],
    private readonly events: SetupEvents,
    private readonly serverAvailable: boolean,
  ) {
    root.replaceChildren();
    const scroll = el('div', 'setup-scroll');
    // Scenario.
    this.scenarioSelect = el('select', 'scenario-select');
    this.scenarioSelect.id = 'scenario-select';
    this.scenarioSelect.setAttribute('aria-label', 'Scenario');
    this.scenarioSelect.onchange = () => {
      const info = this.info(this.scenarioSelect.value);
      this.show(defaultSetup(info, this.setup?.engine ?? 'server', this.setup?.seed ?? 1));
    };
    this.question = el('p', 'scenario-question');
    this.question.id = 'scenario-question';
    this.summary = el('p', 'scenario-summary');
    // Strategy.
    this.strategies = el('div', 'strategy-list');
    this.strategies.setAttribute('role', 'radiogroup');
    this.explanation = el('p', 'strategy-explanation');
    this.compareMode = el('select', 'small-select');
    this.compareMode.id = 'compare-mode';
    this.compareMode.setAttribute('aria-label', 'Compare with');
    this.compareMode.append(new Option('no comparison', 'off'), new Option('another strategy', 'strategy'), new Option('another seed', 'seed'));
    this.compareStrategy = el('select', 'small-select');
    this.compareStrategy.id = 'compare-strategy';
    this.compareStrategy.setAttribute('aria-label', 'Strategy B');
    this.compareSeed = el('input', 'seed-input');
    this.compareSeed.type = 'number';
    this.compareSeed.id = 'compare-seed';
    this.compareSeed.setAttribute('aria-label', 'Seed B');
    const syncCompare = (): void => {
      const s = this.setup!;
      s.compare = { mode: this.compareMode.value as CompareMode, strategy: this.compareStrategy.value, seed: Number(this.compareSeed.value) || 0 };
      this.compareStrategy.hidden = s.compare.mode !== 'strategy';
      this.compareSeed.hidden = s.compare.mode !== 'seed';
    };
    this.compareMode.onchange = syncCompare;
    this.compareStrategy.onchange = syncCompare;
    this.compareSeed.oninput = syncCompare;
    // Seed and engine.
    this.seed = el('input', 'seed-input');
    this.seed.type = 'text';
    this.seed.inputMode = 'numeric';
    this.seed.id = 'seed-input';
    this.seed.setAttribute('aria-label', 'Seed');
    this.seed.oninput = () => {
      try {
        this.setup!.seed = parseSeedText(this.seed.value);
        this.seed.removeAttribute('aria-invalid');
        this.seed.title = '';
      } catch (e) {
        this.seed.setAttribute('aria-invalid', 'true');
        this.seed.title = (e as Error).message;
      }
    };
    const dice = el('button', 'small-button', 'random');
    dice.title = 'A random seed';
    dice.onclick = () => {
      const v = Math.floor(Math.random() * 2 ** 31);
      this.seed.value = String(v);
      this.setup!.seed = v;
    };
    this.engine = el('select', 'small-select');
    this.engine.id = 'engine-select';
    this.engine.setAttribute('aria-label', 'Where the engine runs');
    if (serverAvailable) this.engine.append(new Option('server, streamed', 'server'));
    this.engine.append(new Option('this page (Web Worker)', 'page'));
    this.engine.onchange = () => {
      this.setup!.engine = this.engine.value as EngineMode;
    };
    // Parameters and faults.
    this.params = new ParamForm((params, valid) => {
      const s = this.setup!;
      s.params = params;
      this.paramsValid = valid;
      // A preset's plan depends on the parameters (fault times scale with the workload): resolve it again.
      if (valid && s.preset !== null) {
        const preset = s.preset;
        this.resolving = this.events.resolvePreset(s.scenario, preset, params).then(
          (plan) => {
            if (this.setup !== s || s.preset !== preset) return;
            s.faults = plan;
            this.drawFaults();
          },
          () => {},
        );
      }
    });
    this.faults = new FaultEditor({
      preset: (id) => {
        const s = this.setup!;
        this.resolving = this.events.resolvePreset(s.scenario, id, s.params).then(
          (plan) => {
            s.faults = plan;
            s.preset = id;
            this.drawFaults();
          },
          (e: Error) => this.fail(e.message),
        );
      },
      change: (plan) => {
        const s = this.setup!;
        s.faults = plan;
        s.preset = null;
        this.drawFaults();
      },
    });
    this.runButton = el('button', 'run-button', 'Run');
    this.runButton.id = 'run-button';
    this.runButton.title = 'Run (Ctrl+Enter)';
    this.runButton.onclick = () => this.submit();
    this.error = el('div', 'setup-error');
    this.error.id = 'setup-error';
    this.error.setAttribute('role', 'alert');

    const seedRow = el('div', 'form-row');
    seedRow.append(el('span', 'field-label', 'seed'), this.seed, dice);
    const compareRow = el('div', 'form-row wrap');
    compareRow.append(el('span', 'field-label', 'compare'), this.compareMode, this.compareStrategy, this.compareSeed);
    const engineRow = el('div', 'form-row');
    engineRow.append(el('span', 'field-label', 'engine'), this.engine);
    scroll.append(
      section('Scenario', this.scenarioSelect, this.question, details('About this scenario', this.summary)),
      section('Strategy', this.strategies, this.explanation, compareRow),
      section('Faults', this.faults.root),
      section('Run', seedRow, engineRow, details('Parameters', this.params.root)),
    );
    const footer = el('div', 'setup-footer');
    footer.append(this.error, this.runButton);
    root.append(scroll, footer);
    this.fillScenarios();
  }

  /** Shows a setup in the form (a link, a new scenario, the defaults). */
  show(setup: SetupState): void {
    this.setup = setup;
    const info = this.info(setup.scenario);
    this.scenarioSelect.value = info.id;
    this.question.textContent = info.question;
    this.summary.textContent = info.summary;
    this.drawStrategies(info);
    this.compareMode.value = setup.compare.mode;
    this.compareStrategy.replaceChildren(...info.strategies.map((s) => new Option(`B: ${s.title}`, s.id)));
    this.compareStrategy.value = setup.compare.strategy;
    this.compareSeed.value = String(setup.compare.seed);
    this.compareStrategy.hidden = setup.compare.mode !== 'strategy';
    this.compareSeed.hidden = setup.compare.mode !== 'seed';
    this.seed.value = String(setup.seed);
    this.seed.removeAttribute('aria-invalid');
    this.seed.title = '';
    this.engine.value = setup.engine === 'server' && this.serverAvailable ? 'server' : 'page';
    setup.engine = this.engine.value as EngineMode;
    this.params.show(info, setup.params);
    this.paramsValid = true;
    this.drawFaults();
    this.scenarioSelect.removeAttribute('aria-invalid');
    this.fail('');
  }

  /**
   * Shows what a refused link asked for: the scenario and strategy it named when they exist,
   * its seed, parameters and fault plan as it wrote them, each refused field marked.
   */
  showAsked(asked: AskedFields, problems: readonly InputProblem[]): void {
    const info = this.scenarios.find((s) => s.id === asked.scenario) ?? this.scenarios[0]!;
    const setup = defaultSetup(info, this.setup?.engine ?? 'server');
    if (asked.strategy !== undefined && info.strategies.some((s) => s.id === asked.strategy)) setup.strategy = asked.strategy;
    let params: unknown = null;
    try {
      params = asked.params === undefined ? null : JSON.parse(asked.params);
    } catch {
      params = null;
    }
    if (params !== null && typeof params === 'object' && !Array.isArray(params)) {
      for (const [k, v] of Object.entries(params)) if (Object.hasOwn(info.defaults, k)) setup.params[k] = v;
    }
    this.show(setup);
    const bad = new Set(problems.map((p) => p.field.replace(/\[.*$/, '')));
    if (asked.seed !== undefined) this.seed.value = asked.seed;
    if (bad.has('seed')) this.seed.setAttribute('aria-invalid', 'true');
    if (bad.has('scenario')) this.scenarioSelect.setAttribute('aria-invalid', 'true');
    if (asked.faults !== undefined)
      this.faults.showText(asked.faults, bad.has('faults') ? (problems.find((p) => p.field.startsWith('faults'))?.message ?? '') : '');
    this.params.markInvalid(problems.filter((p) => p.field === 'params').map((p) => p.message));
    this.strategies.toggleAttribute('aria-invalid', bad.has('strategy'));
  }

  get current(): SetupState | null {
    return this.setup;
  }

  /** Shows a problem (from the server, the worker or the form); '' clears it. */
  fail(message: string): void {
    this.error.textContent = message;
    this.error.hidden = message === '';
  }

  busy(on: boolean): void {
    this.runButton.disabled = on;
    this.runButton.textContent = on ? 'Running…' : 'Run';
  }

  submit(): void {
    if (this.setup === null) return;
    if (!this.paramsValid) return this.fail('Some parameters are out of bounds: see the fields marked in the Parameters section.');
    if (this.seed.getAttribute('aria-invalid') === 'true') return this.fail(this.seed.title || 'seed: must be an integer from 0 to 9,007,199,254,740,991');
    this.fail('');
    // A preset picked a moment ago may still be resolving at these parameters: run its plan, not the one before.
    const setup = this.setup;
    void this.resolving.then(() => {
      if (this.setup === setup) this.events.run(structuredClone(setup));
    });
  }

  /** A new list of scenarios (a user's module was edited and loaded again); the setup shown is kept. */
  setScenarios(scenarios: ScenarioInfo[]): void {
    this.scenarios = scenarios;
    const current = this.setup;
    this.fillScenarios();
    if (current !== null) this.show(current);
  }

  private info(id: string): ScenarioInfo {
    return this.scenarios.find((s) => s.id === id) ?? this.scenarios[0]!;
  }

  private fillScenarios(): void {
    this.scenarioSelect.replaceChildren();
    const families = [...new Set(this.scenarios.map((s) => s.family))];
    for (const family of families) {
      const group = document.createElement('optgroup');
      group.label = family;
      for (const s of this.scenarios.filter((x) => x.family === family)) group.append(new Option(s.title, s.id));
      this.scenarioSelect.append(group);
    }
  }

  private drawStrategies(info: ScenarioInfo): void {
    this.strategies.replaceChildren();
    for (const s of info.strategies) {
      const label = el('label', 'strategy');
      const radio = el('input');
      radio.type = 'radio';
      radio.name = 'strategy';
      radio.value = s.id;
      radio.checked = s.id === this.setup!.strategy;
      radio.onchange = () => {
        this.setup!.strategy = s.id;
        this.drawExplanation(info);
      };
      const name = el('span', 'strategy-title', s.title);
      label.append(radio, name);
      if (s.expectedViolations.length > 0) {
        const flaw = el('span', 'flaw-tag', 'flawed');
        flaw.title = `known to break: ${s.expectedViolations.join(', ')}`;
        label.append(flaw);
      }
      label.dataset.strategy = s.id;
      this.strategies.append(label);
    }
    this.drawExplanation(info);
  }

  private drawExplanation(info: ScenarioInfo): void {
    const s = info.strategies.find((x) => x.id === this.setup!.strategy);
    this.explanation.replaceChildren();
    if (s === undefined) return;
    this.explanation.append(document.createTextNode(s.explanation));
    if (s.expectedViolations.length > 0) {
      this.explanation.append(el('span', 'flaw-note', ` Known to break: ${s.expectedViolations.join(', ')}.`));
    }
  }

  private drawFaults(): void {
    const s = this.setup!;
    const info = this.info(s.scenario);
    const workload = typeof s.params.workloadMs === 'number' ? s.params.workloadMs : info.timing.workloadMs;
    this.faults.show(info, s.faults, s.preset, Math.max(workload, info.faultSpace.windowMs));
  }
}

function section(title: string, ...children: HTMLElement[]): HTMLElement {
  const s = el('section', 'setup-section');
  s.append(el('h3', 'setup-title', title), ...children);
  return s;
}

function details(summary: string, body: HTMLElement): HTMLElement {
  const d = el('details', 'setup-details');
  d.append(el('summary', undefined, summary), body);
  return d;
}
