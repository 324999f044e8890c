/**
 * `counter`: a counter starting at 0 with `add n` (n may be negative) and `read`. An `info`
 * add may or may not have been applied, at any time after its invocation; a lost update
 * shows as a read that no order of the acknowledged adds can explain.
 */

import { showValue } from '../../values.ts';
import type { LinearizabilityModel } from '../model.ts';

export const counter: LinearizabilityModel<number> = {
  name: 'counter',
  description: 'a counter starting at 0 with add n and read',
  functions: ['add', 'read'],
  init: () => 0,
  prepare(op) {
    const known = op.type === 'ok';
    if (op.f === 'add') {
      const amount = op.invokeValue ?? 1;
      if (typeof amount !== 'number' || !Number.isFinite(amount)) return `an add of a number, got ${showValue(op.invokeValue)}`;
      return { id: op.id, f: op.f, known, source: op, input: amount, output: undefined };
    }
    if (op.f === 'read') {
      if (known && (typeof op.completeValue !== 'number' || !Number.isFinite(op.completeValue)))
        return `a read result that is a number, got ${showValue(op.completeValue)}`;
      return { id: op.id, f: op.f, known, source: op, input: null, output: known ? op.completeValue : undefined };
    }
    return `a function of add or read, got ${op.f}`;
  },
  readOnly: (op) => op.f === 'read',
  step(state, op) {
    if (op.f === 'read') return !op.known || op.output === state ? state : undefined;
    return state + (op.input as number);
  },
  key: (state) => String(state),
  describe: (op) => (op.f === 'add' ? `add(${showValue(op.input)})` : `read() → ${op.known ? showValue(op.output) : '?'}`),
  describeState: (state) => String(state),
};
