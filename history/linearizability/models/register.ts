/**
 * Registers: `register` (read, write) and `cas-register` (read, write, compare-and-set), as
 * in Knossos. The register starts at nil. A write's value is its argument; a read's is its
 * result; a cas's argument is `[expected new]` and an `ok` cas requires the register to hold
 * `expected`. A `fail`ed cas did not take effect and never reaches the model (as in Knossos;
 * Porcupine's etcd model also requires a failed cas to have seen another value).
 *
 * The state is kept as the canonical string of the value, so steps compare strings only.
 */
import type { History, PairedOperation } from '../../history.ts';
import { showValue, valueKey } from '../../values.ts';
import type { LinearizabilityModel, ModelOperation } from '../model.ts';
import { proveByWriteOrder } from '../write-order.ts';
import { refuteRegister } from './register-refutation.ts';

const NIL = valueKey(null);

/** Reads a register operation whose argument and result are plain values. */
export function prepareRegisterOperation(op: PairedOperation, f: string, input: unknown, output: unknown, allowCas: boolean): ModelOperation | string {
  const known = op.type === 'ok';
  // One literal per operation (no spread): a check inside a simulation prepares every run's history.
  if (f === 'read') return { id: op.id, f, known, source: op, input: NIL, output: known ? valueKey(output ?? null) : undefined };
  if (f === 'write') return { id: op.id, f, known, source: op, input: valueKey(input ?? null), output: undefined };
  if (f === 'cas' && allowCas) {
    if (!Array.isArray(input) || input.length !== 2) return `a cas value [expected new], got ${showValue(input)}`;
    return { id: op.id, f, known, source: op, input: [valueKey(input[0] ?? null), valueKey(input[1] ?? null)], output: undefined };
  }
  return `a function of ${allowCas ? 'read, write or cas' : 'read or write'}, got ${f}`;
}

/** One step of a (cas-)register whose state is a value's canonical string. */
export function stepRegister(state: string, op: ModelOperation): string | undefined {
  if (op.f === 'read') return !op.known || op.output === state ? state : undefined;
  if (op.f === 'write') return op.input as string;
  const [expected, next] = op.input as [string, string];
  if (state === expected) return next;
  return op.known ? undefined : state;
}

/** A register operation in words. */
export function describeRegisterOperation(f: string, input: unknown, output: unknown, known: boolean): string {
  if (f === 'read') return `read() → ${known ? showValue(output) : '?'}`;
  if (f === 'write') return `write(${showValue(input)})`;
  const [expected, next] = Array.isArray(input) ? input : [undefined, undefined];
  return `cas(${showValue(expected)}, ${showValue(next)})`;
}

function registerModel(name: string, allowCas: boolean): LinearizabilityModel<string> {
  return {
    name,
    description: allowCas
      ? 'a register with read, write and compare-and-set ([expected new]), starting at nil'
      : 'a register with read and write, starting at nil',
    functions: allowCas ? ['read', 'write', 'cas'] : ['read', 'write'],
    init: () => NIL,
    prepare: (op) => prepareRegisterOperation(op, op.f, op.invokeValue, op.completeValue, allowCas),
    readOnly: (op) => op.f === 'read',
    step: stepRegister,
    key: (state) => state,
    refute: (ops) => refuteRegister(ops, NIL),
    describe: (op) => describeRegisterOperation(op.f, op.source.invokeValue, op.source.completeValue, op.known),
    describeState: (state) => showValue(JSON.parse(state)),
    ...(allowCas ? {} : { proveByOrder: (history: History, order: readonly number[]) => proveByWriteOrder(history, order, false) }),
  };
}

/** A read/write register. */
export const register = registerModel('register', false);
/** A read/write/compare-and-set register. */
export const casRegister = registerModel('cas-register', true);
