/**
 * `set`: a set with `add v` and `read` (returning the whole set, as a vector or an EDN set).
 * A read sees every element at one instant, so a set is not a product of independent
 * per-element objects and is checked whole (per-element checks would accept histories where
 * two reads see two elements arrive in opposite orders).
 *
 * The state is the sorted list of the elements' canonical strings, joined, so equal sets have
 * equal keys.
 */

import { showValue, valueKey } from '../../values.ts';
import type { LinearizabilityModel } from '../model.ts';

const SEPARATOR = '\u0001';

function setKey(elements: readonly string[]): string {
  return [...new Set(elements)].sort().join(SEPARATOR);
}

export const set: LinearizabilityModel<string> = {
  name: 'set',
  description: 'a set with add and read (returning the whole set), starting empty',
  functions: ['add', 'read'],
  init: () => '',
  prepare(op) {
    const known = op.type === 'ok';
    if (op.f === 'add') return { id: op.id, f: op.f, known, source: op, input: valueKey(op.invokeValue ?? null), output: undefined };
    if (op.f === 'read') {
      if (!known) return { id: op.id, f: op.f, known, source: op, input: null, output: undefined };
      if (!Array.isArray(op.completeValue)) return `a read result that is a collection of elements, got ${showValue(op.completeValue)}`;
      return { id: op.id, f: op.f, known, source: op, input: null, output: setKey(op.completeValue.map(valueKey)) };
    }
    return `a function of add or read, got ${op.f}`;
  },
  readOnly: (op) => op.f === 'read',
  step(state, op) {
    if (op.f === 'read') return !op.known || op.output === state ? state : undefined;
    const element = op.input as string;
    const elements = state === '' ? [] : state.split(SEPARATOR);
    return elements.includes(element) ? state : setKey([...elements, element]);
  },
  key: (state) => state,
  describe: (op) => (op.f === 'add' ? `add(${showValue(op.source.invokeValue)})` : `read() → ${op.known ? `#{${showList(op.source.completeValue)}}` : '?'}`),
  describeState: (state) =>
    `#{${
      state === ''
        ? ''
        : state
            .split(SEPARATOR)
            .map((e) => showValue(JSON.parse(e)))
            .join(' ')
    }}`,
};

function showList(value: unknown): string {
  return Array.isArray(value) ? value.map(showValue).join(' ') : showValue(value);
}
