/**
 * The parameter form, generated from the scenario's JSON Schema: a field per parameter with
 * its default, bounds and description. Values are checked against the bounds as they are
 * typed; the engine validates them again where they enter (server or page worker).
 */
import type { ScenarioInfo } from '../../../scenarios/index.ts';
import { el } from '../views/view.ts';

interface PropertySchema {
  type?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
  description?: string;
  enum?: unknown[];
}

export class ParamForm {
  readonly root: HTMLElement;
  private errors = new Map<string, string>();

  constructor(private readonly onChange: (params: Record<string, unknown>, valid: boolean) => void) {
    this.root = el('div', 'param-form');
  }

  show(info: ScenarioInfo, values: Record<string, unknown>): void {
    this.root.replaceChildren();
    this.errors.clear();
    const props = ((info.params as { properties?: Record<string, PropertySchema> }).properties ?? {}) as Record<string, PropertySchema>;
    const current = { ...values };
    for (const [key, schema] of Object.entries(props)) {
      const field = el('div', 'param-field');
      const id = `param-${key}`;
      const label = el('label', 'param-label', humanize(key));
      label.htmlFor = id;
      const error = el('div', 'param-error');
      let input: HTMLInputElement | HTMLSelectElement;
      if (Array.isArray(schema.enum)) {
        const select = el('select', 'param-input');
        for (const v of schema.enum) select.append(new Option(String(v), JSON.stringify(v)));
        select.value = JSON.stringify(current[key] ?? schema.default);
        select.onchange = () => {
          current[key] = JSON.parse(select.value);
          this.changed(key, null, error, current);
        };
        input = select;
      } else if (schema.type === 'boolean') {
        const box = el('input', 'param-input');
        box.type = 'checkbox';
        box.checked = Boolean(current[key] ?? schema.default);
        box.onchange = () => {
          current[key] = box.checked;
          this.changed(key, null, error, current);
        };
        input = box;
      } else if (schema.type === 'number' || schema.type === 'integer') {
        const num = el('input', 'param-input');
        num.type = 'number';
        if (schema.minimum !== undefined) num.min = String(schema.minimum);
        if (schema.maximum !== undefined) num.max = String(schema.maximum);
        num.step = schema.type === 'integer' ? '1' : 'any';
        num.value = String(current[key] ?? schema.default ?? '');
        num.oninput = () => {
          const v = Number(num.value);
          const problem = checkNumber(num.value, v, schema);
          if (problem === null) current[key] = v;
          this.changed(key, problem, error, current);
        };
        input = num;
      } else {
        const text = el('input', 'param-input');
        text.value = String(current[key] ?? schema.default ?? '');
        text.oninput = () => {
          current[key] = text.value;
          this.changed(key, null, error, current);
        };
        input = text;
      }
      input.id = id;
      input.dataset.param = key;
      const help = el('div', 'param-help', `${schema.description ?? ''}${schema.default !== undefined ? ` (default ${String(schema.default)})` : ''}`);
      const row = el('div', 'param-row');
      row.append(label, input);
      field.append(row, help, error);
      this.root.append(field);
    }
  }

  /** Marks the fields a refused link got wrong, from the problems' messages (which name the parameter). */
  markInvalid(messages: readonly string[]): void {
    for (const message of messages) {
      for (const [, key] of message.matchAll(/parameter '([^']+)'/g)) {
        const input = this.root.querySelector<HTMLElement>(`[data-param="${CSS.escape(key!)}"]`);
        if (input === null) continue;
        input.setAttribute('aria-invalid', 'true');
        const error = input.closest('.param-field')?.querySelector('.param-error');
        if (error) error.textContent = message.replace(/^params: /, '');
      }
    }
  }

  private changed(key: string, problem: string | null, error: HTMLElement, values: Record<string, unknown>): void {
    if (problem === null) this.errors.delete(key);
    else this.errors.set(key, problem);
    error.textContent = problem ?? '';
    this.onChange({ ...values }, this.errors.size === 0);
  }
}

function checkNumber(text: string, v: number, s: PropertySchema): string | null {
  const allowed = `${s.type === 'integer' ? 'an integer' : 'a number'}${s.minimum !== undefined && s.maximum !== undefined ? ` from ${s.minimum} to ${s.maximum}` : s.minimum !== undefined ? ` of at least ${s.minimum}` : s.maximum !== undefined ? ` of at most ${s.maximum}` : ''}`;
  if (text.trim() === '' || !Number.isFinite(v)) return `allowed: ${allowed}`;
  if (s.type === 'integer' && !Number.isInteger(v)) return `allowed: ${allowed}`;
  if (s.minimum !== undefined && v < s.minimum) return `too small; allowed: ${allowed}`;
  if (s.maximum !== undefined && v > s.maximum) return `too large; allowed: ${allowed}`;
  if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) return `too small; allowed: more than ${s.exclusiveMinimum}`;
  if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) return `too large; allowed: less than ${s.exclusiveMaximum}`;
  return null;
}

/** "inquiryTimeoutMs" -> "inquiry timeout (ms)". */
export function humanize(key: string): string {
  const unit = key.match(/(Ms|Sec|Pct|Mb|Kb)$/)?.[1];
  const base = unit ? key.slice(0, -unit.length) : key;
  const words = base.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return unit ? `${words} (${unit.toLowerCase()})` : words;
}
