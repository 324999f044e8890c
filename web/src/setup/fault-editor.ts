/**
 * The fault plan editor: start from one of the scenario's presets, then add faults (any
 * kind the kernel knows, with the scenario's nodes, crash points and injects offered),
 * move them on the timeline or by their time field, remove them, or edit the plan as JSON.
 * The plan stays plain data, validated by the kernel's own parser.
 */
import { describeFault, FAULT_KINDS, type Fault, type FaultKind, type FaultPlan, parseFaultPlan } from '../../../engine/index.ts';
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import { inkOn } from '../model/palette.ts';
import { el } from '../views/view.ts';
import { FaultTimeline, faultColor } from './fault-timeline.ts';

export interface FaultEditorEvents {
  /** The user picked a preset: resolve its plan at the current parameters. */
  preset(id: string): void;
  /** The plan changed by hand. */
  change(plan: FaultPlan): void;
}

export class FaultEditor {
  readonly root: HTMLElement;
  private readonly presetSelect: HTMLSelectElement;
  private readonly presetHelp: HTMLElement;
  private readonly list: HTMLElement;
  private readonly timeline: FaultTimeline;
  private readonly form: HTMLElement;
  private readonly json: HTMLTextAreaElement;
  private readonly jsonError: HTMLElement;
  private readonly jsonBox: HTMLElement;
  private info: ScenarioInfo | null = null;
  private plan: FaultPlan = [];
  private horizonMs = 1000;
  private kind: FaultKind = 'crash';

  constructor(private readonly events: FaultEditorEvents) {
    this.root = el('div', 'fault-editor');
    this.presetSelect = el('select', 'preset-select');
    this.presetSelect.id = 'preset-select';
    this.presetSelect.setAttribute('aria-label', 'Fault preset');
    this.presetSelect.onchange = () => {
      if (this.presetSelect.value !== '') this.events.preset(this.presetSelect.value);
    };
    this.presetHelp = el('div', 'help');
    this.timeline = new FaultTimeline((index, at) => {
      const next = this.plan.map((f, i) => (i === index ? { ...f, at } : f));
      this.events.change(next);
    });
    this.list = el('ol', 'fault-list');
    this.form = el('div', 'fault-form');
    const jsonToggle = el('button', 'link-button', 'Edit as JSON');
    this.jsonBox = el('div', 'fault-json');
    this.jsonBox.hidden = true;
    this.json = el('textarea', 'fault-json-text');
    this.json.spellcheck = false;
    this.json.setAttribute('aria-label', 'Fault plan as JSON');
    this.jsonError = el('div', 'param-error');
    const apply = el('button', 'small-button', 'Apply JSON');
    apply.onclick = () => {
      try {
        const plan = parseFaultPlan(this.json.value);
        this.jsonError.textContent = '';
        this.events.change(plan);
      } catch (e) {
        this.jsonError.textContent = (e as Error).message;
      }
    };
    jsonToggle.onclick = () => {
      this.jsonBox.hidden = !this.jsonBox.hidden;
      this.json.value = JSON.stringify(this.plan, null, 1);
    };
    this.jsonBox.append(this.json, apply, this.jsonError);
    const presetRow = el('div', 'preset-row');
    presetRow.append(this.presetSelect);
    this.root.append(presetRow, this.presetHelp, this.timeline.root, this.list, this.form, jsonToggle, this.jsonBox);
  }

  show(info: ScenarioInfo, plan: FaultPlan, preset: string | null, horizonMs: number): void {
    const scenarioChanged = this.info?.id !== info.id;
    this.info = info;
    this.plan = plan;
    this.horizonMs = horizonMs;
    if (scenarioChanged) {
      this.presetSelect.replaceChildren(new Option('Custom plan', ''));
      for (const p of info.presets) this.presetSelect.append(new Option(p.title, p.id));
      const kinds = info.faultSpace.kinds ?? [];
      this.kind = (kinds[0] as FaultKind | undefined) ?? 'crash';
      this.drawForm();
    }
    this.presetSelect.value = preset ?? '';
    const p = info.presets.find((x) => x.id === preset);
    this.presetHelp.textContent = p?.description ?? (plan.length === 0 ? 'No faults: the system runs undisturbed.' : 'A plan of your own.');
    this.drawList();
    this.timeline.draw(plan, horizonMs, this.root.clientWidth || 290);
    if (!this.jsonBox.hidden) this.json.value = JSON.stringify(plan, null, 1);
  }

  /** Shows a plan as the text it arrived in (a refused link), with what is wrong with it. */
  showText(text: string, problem: string): void {
    this.jsonBox.hidden = false;
    this.json.value = text;
    this.jsonError.textContent = problem;
    this.json.toggleAttribute('aria-invalid', problem !== '');
  }

  private drawList(): void {
    this.list.replaceChildren();
    this.plan.forEach((fault, i) => {
      const li = el('li', 'fault-row');
      li.dataset.kind = fault.kind;
      const badge = el('span', 'fault-badge', fault.kind);
      badge.style.background = faultColor(fault.kind);
      badge.style.color = inkOn(faultColor(fault.kind));
      const text = el('span', 'fault-text', describeFault(fault).replace(/ (at|after) [\d,.]+ ms$/, ''));
      const at = el('input', 'fault-at');
      at.type = 'number';
      at.min = '0';
      at.step = '1';
      at.value = String(fault.at);
      at.title = 'Time in ms';
      at.setAttribute('aria-label', `time of fault ${i + 1} in ms`);
      at.onchange = () => {
        const v = Number(at.value);
        if (!Number.isFinite(v) || v < 0) return;
        this.events.change(this.plan.map((f, j) => (j === i ? { ...f, at: v } : f)));
      };
      const remove = el('button', 'remove-button', '×');
      remove.title = 'Remove this fault';
      remove.setAttribute('aria-label', `remove fault ${i + 1}`);
      remove.onclick = () => this.events.change(this.plan.filter((_f, j) => j !== i));
      li.append(badge, text, at, el('span', 'unit', 'ms'), remove);
      this.list.append(li);
    });
  }

  private drawForm(): void {
    const info = this.info;
    this.form.replaceChildren();
    if (info === null) return;
    const nodes = info.topology.map((n) => n.name);
    const space = info.faultSpace;
    const crashable = space.crashable.length > 0 ? [...space.crashable] : nodes;
    const kinds = [...new Set([...(space.kinds ?? []), ...FAULT_KINDS])].filter((k) => k !== 'bridge');
    if ((space.injects ?? []).length === 0) kinds.splice(kinds.indexOf('inject'), 1);
    const title = el('div', 'form-title', 'Add a fault');
    const kind = select(kinds, this.kind);
    kind.setAttribute('aria-label', 'Fault kind');
    kind.onchange = () => {
      this.kind = kind.value as FaultKind;
      this.drawForm();
    };
    const at = el('input', 'fault-at');
    at.type = 'number';
    at.min = '0';
    at.step = '1';
    at.value = String(Math.round(this.horizonMs * 0.3));
    at.setAttribute('aria-label', 'New fault time in ms');
    const row = el('div', 'form-row');
    row.append(kind, el('span', 'unit', 'at'), at, el('span', 'unit', 'ms'));
    this.form.append(title, row);
    const extra = el('div', 'form-row wrap');
    let build: () => Fault | string;
    const k = this.kind;
    if (k === 'crash' || k === 'restart' || k === 'pause' || k === 'resume' || k === 'slow') {
      const node = select(k === 'crash' || k === 'pause' || k === 'slow' ? crashable : nodes, crashable[0] ?? nodes[0] ?? '');
      node.setAttribute('aria-label', 'Node');
      extra.append(node);
      const when = el('select', 'small-select');
      const factor = el('input', 'fault-at');
      if (k === 'crash') {
        const fill = (): void => {
          when.replaceChildren(new Option('at that time', ''));
          for (const p of space.crashPoints?.[node.value] ?? []) when.append(new Option(`at its next '${p}'`, p));
        };
        fill();
        node.onchange = fill;
        when.setAttribute('aria-label', 'Crash point');
        extra.append(when);
      }
      if (k === 'slow') {
        factor.type = 'number';
        factor.min = '1';
        factor.max = '1000';
        factor.value = '10';
        factor.setAttribute('aria-label', 'Slow-down factor');
        extra.append(el('span', 'unit', 'x'), factor);
      }
      build = () => {
        const base = { at: Number(at.value), node: node.value };
        if (k === 'crash') return when.value === '' ? { ...base, kind: 'crash' } : { ...base, kind: 'crash', when: when.value };
        if (k === 'slow') return { ...base, kind: 'slow', factor: Number(factor.value) };
        return { ...base, kind: k } as Fault;
      };
    } else if (k === 'partition') {
      const boxes = (space.partitionable.length > 0 ? space.partitionable : nodes).map((n) => {
        const label = el('label', 'check');
        const box = el('input');
        box.type = 'checkbox';
        box.value = n;
        label.append(box, document.createTextNode(n));
        extra.append(label);
        return box;
      });
      const oneWay = el('label', 'check');
      const ow = el('input');
      ow.type = 'checkbox';
      oneWay.append(ow, document.createTextNode('one-way'));
      extra.append(el('span', 'help', 'cut the ticked nodes off from the rest'), oneWay);
      build = () => {
        const group = boxes.filter((b) => b.checked).map((b) => b.value);
        if (group.length === 0) return 'tick the nodes to cut off';
        return ow.checked
          ? { at: Number(at.value), kind: 'partition', groups: [group], oneWay: true }
          : { at: Number(at.value), kind: 'partition', groups: [group] };
      };
    } else if (k === 'degrade') {
      const from = select(['*', ...nodes], '*');
      const to = select(['*', ...nodes], '*');
      const loss = el('input', 'fault-at');
      loss.type = 'number';
      loss.min = '0';
      loss.max = '1';
      loss.step = '0.05';
      loss.value = '0.3';
      from.setAttribute('aria-label', 'From node');
      to.setAttribute('aria-label', 'To node');
      loss.setAttribute('aria-label', 'Loss rate');
      extra.append(from, el('span', 'unit', '→'), to, el('span', 'unit', 'loss'), loss);
      build = () => {
        const f: Fault = { at: Number(at.value), kind: 'degrade', lossRate: Number(loss.value) };
        if (from.value !== '*') f.from = from.value;
        if (to.value !== '*') f.to = to.value;
        return f;
      };
    } else if (k === 'inject') {
      const injects = space.injects ?? [];
      const name = select(
        injects.map((i) => i.name),
        injects[0]?.name ?? '',
      );
      const argsBox = el('div', 'form-row wrap');
      const node = el('select', 'small-select');
      const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
      const fill = (): void => {
        const spec = injects.find((i) => i.name === name.value);
        argsBox.replaceChildren();
        inputs.clear();
        node.replaceChildren();
        node.hidden = spec?.nodes === undefined;
        for (const n of spec?.nodes ?? []) node.append(new Option(n, n));
        for (const [arg, s] of Object.entries(spec?.args ?? {})) {
          let input: HTMLInputElement | HTMLSelectElement;
          if ('oneOf' in s) input = select(s.oneOf.map(String), String(s.oneOf[0]));
          else {
            input = el('input', 'fault-at');
            input.type = 'number';
            input.min = String(s.min);
            input.max = String(s.max);
            input.step = s.integer ? '1' : 'any';
            input.value = String(s.min);
          }
          input.setAttribute('aria-label', arg);
          inputs.set(arg, input);
          argsBox.append(el('span', 'unit', arg), input);
        }
        extra.title = spec?.description ?? '';
      };
      name.onchange = fill;
      fill();
      extra.append(name, node, argsBox);
      build = () => {
        const spec = injects.find((i) => i.name === name.value);
        if (spec === undefined) return 'pick an inject';
        const args: Record<string, string | number | boolean> = {};
        for (const [arg, input] of inputs) {
          const s = spec.args?.[arg];
          args[arg] = s !== undefined && 'oneOf' in s ? (s.oneOf.find((v) => String(v) === input.value) ?? input.value) : Number(input.value);
        }
        const f: Fault = { at: Number(at.value), kind: 'inject', name: spec.name };
        if (spec.nodes !== undefined) f.node = node.value;
        if (Object.keys(args).length > 0) f.args = args;
        return f;
      };
    } else {
      build = () => ({ at: Number(at.value), kind: k }) as Fault;
    }
    const error = el('div', 'param-error');
    const add = el('button', 'small-button', 'Add fault');
    add.id = 'add-fault';
    add.onclick = () => {
      const fault = build();
      if (typeof fault === 'string') {
        error.textContent = fault;
        return;
      }
      try {
        const plan = parseFaultPlan([...this.plan, fault]);
        error.textContent = '';
        this.events.change(plan.sort((a, b) => a.at - b.at));
      } catch (e) {
        error.textContent = (e as Error).message;
      }
    };
    this.form.append(extra, add, error);
  }
}

function select(options: readonly string[], value: string): HTMLSelectElement {
  const s = el('select', 'small-select');
  for (const o of options) s.append(new Option(o, o));
  s.value = value;
  return s;
}
